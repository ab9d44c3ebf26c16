"""Anthropic messages through the official SDK, with prompt caching on the system prompt."""

from __future__ import annotations

import os

import anthropic

from tutorforge.errors import BadInput
from tutorforge.llm.base import Message, Reply, Usage
from tutorforge.llm.sdk_backend import DEFAULT_TIMEOUT, SDKBackend, connection_limits

_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "refusal": "refusal"}


class AnthropicBackend(SDKBackend):
    """`AsyncAnthropic` with `max_retries=0`. The key comes from `api_key` or `ANTHROPIC_API_KEY`.

    The system prompt (persona and problem, the same on every turn of a dialogue) is sent as a block
    marked `cache_control: ephemeral`, so later turns read it from Anthropic's prompt cache.
    `temperature` is not sent: API version 2026-10-21, which SDK 2.x speaks, removed sampling parameters
    (sending one is a 400), so it only tells calls apart in the response cache.
    """

    name = "anthropic"
    _sdk = anthropic

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
    ) -> None:
        key = api_key or os.environ.get("ANTHROPIC_API_KEY") or ""
        if not key:
            raise BadInput("the anthropic backend needs ANTHROPIC_API_KEY")
        base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        super().__init__(key, base_url)
        self._client = anthropic.AsyncAnthropic(
            api_key=key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=anthropic.DefaultAsyncHttpxClient(limits=connection_limits(max_connections)),
        )

    async def _create(
        self, messages: list[Message], *, model: str, max_tokens: int, temperature: float
    ) -> Reply:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        turns = [{"role": m.role, "content": m.content} for m in messages if m.role != "system"]
        extra = {}
        if system:
            extra["system"] = [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]
        message = await self._client.messages.create(
            model=model, messages=turns, max_tokens=max_tokens, **extra
        )
        text = "".join(block.text for block in message.content if block.type == "text")
        u = message.usage
        read, write = u.cache_read_input_tokens or 0, u.cache_creation_input_tokens or 0
        usage = Usage(
            input_tokens=u.input_tokens + read + write,
            output_tokens=u.output_tokens,
            cached_tokens=read,
            cache_write_tokens=write,
        )
        finish = _FINISH.get(message.stop_reason or "", message.stop_reason or "")
        return Reply(
            text=text, usage=usage, raw_id=message.id, model=message.model or model, finish_reason=finish
        )
