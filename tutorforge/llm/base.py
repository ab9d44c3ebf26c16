"""The one interface every backend implements."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, Protocol

MessageRole = Literal["system", "user", "assistant"]

# Set per dialogue: every call record made while it runs, so one that fails midway still accounts for the
# calls it paid for (those of an unfinished turn included).
CALL_LOG: ContextVar[list[dict] | None] = ContextVar("tutorforge_call_log", default=None)


@dataclass(frozen=True)
class Message:
    role: MessageRole
    content: str


@dataclass(frozen=True)
class Schema:
    """A JSON schema the reply must follow: sent as OpenAI's `response_format` (strict JSON schema) or as
    Anthropic's one forced tool; `name` names it to the API."""

    name: str
    schema: dict
    description: str = ""


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0  # input tokens read from the provider's prompt cache (part of input_tokens)
    cache_write_tokens: int = 0  # input tokens written to the prompt cache (part of input_tokens)


@dataclass
class Reply:
    text: str
    usage: Usage = field(default_factory=Usage)
    raw_id: str = ""
    model: str = ""
    latency_s: float = 0.0
    finish_reason: str = ""  # stop | length | refusal | content_filter (normalised across providers)


class Backend(Protocol):
    """A chat model. With a `schema`, the reply's text is the JSON object the model returned through the
    API's structured output (or, from a server without one, whatever text it wrote)."""

    name: str

    async def reply(
        self,
        messages: list[Message],
        *,
        model: str,
        max_tokens: int,
        temperature: float = 0.7,
        schema: Schema | None = None,
    ) -> Reply: ...
