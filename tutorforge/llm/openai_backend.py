"""OpenAI chat completions through the official SDK: OpenAI itself, or any OpenAI-compatible server
(vLLM, Ollama, llama.cpp, gateways) through `base_url`."""

from __future__ import annotations

import json
import os
import re

import httpx2
import openai

from tutorforge.errors import BadInput
from tutorforge.llm.base import Message, Reply, Schema, Usage
from tutorforge.llm.failures import AttemptError
from tutorforge.llm.sdk_backend import NO_KEY, SDKBackend

# Local servers ignore the key, but the SDK insists on one.
# OpenAI's reasoning models accept only their default temperature (another one is a 400), and their
# hidden reasoning counts against the token limit: they get room for it on top of the reply's budget.
_REASONING = re.compile(r"(o\d|gpt-5)(\b|[-.])")
REASONING_HEADROOM = 2048


class OpenAIBackend(SDKBackend):
    """`AsyncOpenAI` with `max_retries=0`. The key comes from `api_key` or `OPENAI_API_KEY`; the base URL
    from `base_url` or `OPENAI_BASE_URL` (a server of your own needs no key)."""

    name = "openai"
    _sdk = openai

    _client_class = openai.AsyncOpenAI

    def _credentials(self, api_key: str | None, base_url: str | None) -> tuple[str, str | None]:
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = api_key or os.environ.get("OPENAI_API_KEY") or (NO_KEY if base_url else "")
        if not key:
            raise BadInput("the openai backend needs OPENAI_API_KEY (or --base-url for a server of your own)")
        # OpenAI's own API wants max_completion_tokens; compatible servers know max_tokens.
        self._tokens_param = "max_tokens" if base_url else "max_completion_tokens"
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
        body = {"model": model, "messages": [{"role": m.role, "content": m.content} for m in messages]}
        if schema is not None:  # structured outputs: the reply's content is JSON that fits the schema
            spec = {"name": schema.name, "schema": schema.schema, "strict": True}
            body["response_format"] = {"type": "json_schema", "json_schema": spec}
        if _REASONING.match(model.rsplit("/", 1)[-1]):
            body[self._tokens_param] = max_tokens + REASONING_HEADROOM
        else:
            body[self._tokens_param] = max_tokens
            body["temperature"] = temperature
        # The client's own POST, read as plain JSON: `chat.completions.create` would walk the messages through
        # the SDK's typed-params transform and build typed models of the reply, which together cost more CPU
        # than the rest of the request when hundreds of dialogues are in flight.
        response = await self._client.post("/chat/completions", cast_to=httpx2.Response, body=body)
        data = json.loads(response.content)
        try:
            choice = data["choices"][0]
            message, usage = choice["message"], data.get("usage") or {}
            text, finish = message.get("content") or "", choice.get("finish_reason") or ""
            if message.get("refusal"):
                text, finish = message["refusal"], "refusal"
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
            tokens = Usage(
                int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), cached
            )
            return Reply(
                text, tokens, str(data.get("id") or ""), str(data.get("model") or model), 0.0, finish
            )
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise AttemptError("malformed", f"malformed response: {exc!r}"[:200], retryable=True) from None
