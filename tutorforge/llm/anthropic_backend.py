"""Anthropic messages through the official SDK, with prompt caching on the system prompt."""

from __future__ import annotations

import json
import os

import anthropic
import httpx2

from tutorforge.errors import BadInput
from tutorforge.llm.base import Message, Reply, Schema, Usage
from tutorforge.llm.failures import AttemptError
from tutorforge.llm.sdk_backend import NO_KEY, SDKBackend

_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "stop",
    "max_tokens": "length",
    "refusal": "refusal",
}


class AnthropicBackend(SDKBackend):
    """`AsyncAnthropic` with `max_retries=0`. The key comes from `api_key` or `ANTHROPIC_API_KEY`.

    The system prompt (persona and problem, the same on every turn of a dialogue) is sent as a block
    marked `cache_control: ephemeral`, so later turns read it from Anthropic's prompt cache.
    `temperature` is not sent: API version 2026-10-21, which SDK 2.x speaks, removed sampling parameters
    (sending one is a 400), so it only tells calls apart in the response cache.

    A `Schema` becomes the one tool the model must call (`tool_choice`); the reply's text is the tool
    call's input as JSON, or the model's text when it wrote no tool call.
    """

    name = "anthropic"
    _sdk = anthropic

    _client_class = anthropic.AsyncAnthropic

    def _credentials(self, api_key: str | None, base_url: str | None) -> tuple[str, str | None]:
        base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        key = api_key or os.environ.get("ANTHROPIC_API_KEY") or (NO_KEY if base_url else "")
        if not key:
            raise BadInput(
                "the anthropic backend needs ANTHROPIC_API_KEY (or --base-url for a server of your own)"
            )
        return key, base_url

    async def _create(
        self,
        messages: list[Message],
        *,
        model: str,
        max_tokens: int,
        temperature: float,
        schema: Schema | None,
    ) -> Reply:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        turns = [{"role": m.role, "content": m.content} for m in messages if m.role != "system"]
        extra = {}
        if system:
            extra["system"] = [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]
        if schema is not None:
            tool = {"name": schema.name, "description": schema.description, "input_schema": schema.schema}
            extra["tools"] = [tool]
            extra["tool_choice"] = {"type": "tool", "name": schema.name}
        body = {"model": model, "messages": turns, "max_tokens": max_tokens, **extra}
        # The client's own POST, read as plain JSON (see OpenAIBackend._create for why).
        response = await self._client.post("/v1/messages", cast_to=httpx2.Response, body=body)
        data = json.loads(response.content)
        try:
            calls = [b["input"] for b in data["content"] if b.get("type") == "tool_use"]
            if calls:
                text = json.dumps(calls[0], ensure_ascii=False)
            else:
                text = "".join(b["text"] for b in data["content"] if b.get("type") == "text")
            u = data["usage"]
            read, write = u.get("cache_read_input_tokens") or 0, u.get("cache_creation_input_tokens") or 0
            usage = Usage(int(u["input_tokens"]) + read + write, int(u["output_tokens"]), read, write)
            stop = str(data.get("stop_reason") or "")
            return Reply(
                text,
                usage,
                str(data.get("id") or ""),
                str(data.get("model") or model),
                0.0,
                _FINISH.get(stop, stop),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise AttemptError("malformed", f"malformed response: {exc!r}"[:200], retryable=True) from None
