"""OpenAI chat completions through the official SDK: OpenAI itself, or any OpenAI-compatible server
(vLLM, Ollama, llama.cpp, gateways) through `base_url`."""

from __future__ import annotations

import os

import openai

from tutorforge.errors import BadInput
from tutorforge.llm.base import Message, Reply, Usage
from tutorforge.llm.failures import AttemptError
from tutorforge.llm.sdk_backend import DEFAULT_TIMEOUT, SDKBackend, connection_limits

# Local servers ignore the key, but the SDK insists on one.
_NO_KEY = "unused"


class OpenAIBackend(SDKBackend):
    """`AsyncOpenAI` with `max_retries=0`. The key comes from `api_key` or `OPENAI_API_KEY`; the base URL
    from `base_url` or `OPENAI_BASE_URL` (a server of your own needs no key)."""

    name = "openai"
    _sdk = openai

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
    ) -> None:
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = api_key or os.environ.get("OPENAI_API_KEY") or (_NO_KEY if base_url else "")
        if not key:
            raise BadInput("the openai backend needs OPENAI_API_KEY (or --base-url for a server of your own)")
        super().__init__(key, base_url)
        # OpenAI's own API wants max_completion_tokens; compatible servers know max_tokens.
        self._tokens_param = "max_tokens" if base_url else "max_completion_tokens"
        self._client = openai.AsyncOpenAI(
            api_key=key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=openai.DefaultAsyncHttpxClient(limits=connection_limits(max_connections)),
        )

    async def _create(
        self, messages: list[Message], *, model: str, max_tokens: int, temperature: float
    ) -> Reply:
        completion = await self._client.chat.completions.create(
            model=model,
            messages=[{"role": m.role, "content": m.content} for m in messages],
            temperature=temperature,
            **{self._tokens_param: max_tokens},
        )
        if not completion.choices:
            raise AttemptError("malformed", "malformed response: no choices", retryable=True)
        choice = completion.choices[0]
        text, finish = choice.message.content or "", choice.finish_reason or ""
        if choice.message.refusal:
            text, finish = choice.message.refusal, "refusal"
        usage = Usage()
        if completion.usage is not None:
            details = completion.usage.prompt_tokens_details
            usage = Usage(
                input_tokens=completion.usage.prompt_tokens,
                output_tokens=completion.usage.completion_tokens,
                cached_tokens=(details.cached_tokens or 0) if details else 0,
            )
        return Reply(
            text=text,
            usage=usage,
            raw_id=completion.id or "",
            model=completion.model or model,
            finish_reason=finish,
        )
