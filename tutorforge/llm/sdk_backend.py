"""What the OpenAI and Anthropic backends share: one attempt per `reply`, SDK errors turned into
`AttemptError`s with keys scrubbed out. Each subclass sends a `Schema` through its API's native
structured output; callers read the reply's JSON from its text either way, so a compatible server that
ignores the schema still works when its model writes the JSON as text, and one that refuses it (a 400
naming `response_format`, `json_schema` or tools) gets the request again without it, as do that
model's later requests.

The SDK clients are built with `max_retries=0`: retrying belongs to `calls.Caller` alone.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import httpx2

from tutorforge.llm.base import Message, Reply, Schema
from tutorforge.llm.failures import RETRYABLE_STATUS, AttemptError, scrub

DEFAULT_TIMEOUT = 120.0  # seconds per attempt (`--request-timeout`)
NO_KEY = "unused"  # sent to a --base-url server that needs no key
# What a server without structured outputs names when it refuses a request that asks for them.
_NO_STRUCTURED = re.compile(r"response_format|json_schema|\btools?\b", re.I)


def public_endpoint(base_url: str | None) -> str:
    """The base URL without credentials, query or fragment (safe to log and to key the cache on)."""
    if not base_url:
        return ""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def retry_after_seconds(headers: httpx2.Headers) -> float | None:
    """The server's requested wait: `retry-after-ms`, else `retry-after` (seconds or an HTTP date)."""
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in the chain of causes under `exc`, or None."""
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class SDKBackend:
    """Base of the SDK backends. Subclasses set `name`, `_sdk` and `_client_class`, and implement
    `_credentials` and `_create`.

    The SDK client sends its requests through aiohttp (the SDK's `DefaultAioHttpClient`, its own choice for
    high concurrency): with a hundred requests in flight, a call costs about 0.5 ms less CPU than over
    httpx's connection pool.
    """

    name = ""
    _sdk: ModuleType
    _client_class: type

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        api_key, base_url = self._credentials(api_key, base_url)
        self.endpoint = public_endpoint(base_url)
        self._secrets = [api_key]
        self._plain_models: set[str] = set()  # models whose server refused structured outputs
        self._client = self._client_class(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
            http_client=self._sdk.DefaultAioHttpClient(
                limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=1000)
            ),
        )

    def _credentials(self, api_key: str | None, base_url: str | None) -> tuple[str, str | None]:
        """The key and base URL to use, from the arguments or the environment (BadInput when no key)."""
        raise NotImplementedError

    async def _create(
        self,
        messages: list[Message],
        *,
        model: str,
        max_tokens: int,
        temperature: float,
        schema: Schema | None,
    ) -> Reply:
        raise NotImplementedError

    async def reply(
        self,
        messages: list[Message],
        *,
        model: str,
        max_tokens: int,
        temperature: float = 0.7,
        schema: Schema | None = None,
    ) -> Reply:
        """One attempt. Raises AttemptError (scrubbed of keys) when the attempt fails."""
        started = time.monotonic()
        error: AttemptError | None = None
        if model in self._plain_models:
            schema = None
        for _ in range(2):  # the second time only without a schema the server refused
            refused = False
            try:
                reply = await self._create(
                    messages, model=model, max_tokens=max_tokens, temperature=temperature, schema=schema
                )
            except Exception as exc:
                refused = schema is not None and self._refuses_schema(exc)
                error = None if refused else self._attempt_error(exc)
            if not refused:
                break
            self._plain_models.add(model)
            schema = None
        if error is not None:  # raised outside the handler so the SDK error (and its request) is not chained
            raise error
        reply.latency_s = time.monotonic() - started
        return reply

    def _refuses_schema(self, exc: Exception) -> bool:
        """Whether `exc` is a server refusing the structured-output part of a request."""
        return isinstance(exc, self._sdk.BadRequestError) and bool(_NO_STRUCTURED.search(str(exc)[:2000]))

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()

    def _attempt_error(self, exc: Exception) -> AttemptError:
        sdk = self._sdk
        message = scrub(str(exc), self._secrets)
        if isinstance(exc, AttemptError):
            return exc
        if isinstance(exc, sdk.APIStatusError):
            status = exc.status_code
            retryable = status in RETRYABLE_STATUS
            wait = retry_after_seconds(exc.response.headers) if retryable else None
            return AttemptError(f"http_{status}", message, retryable=retryable, retry_after=wait)
        if isinstance(exc, sdk.APIConnectionError):  # APITimeoutError is one too
            # the openai SDK's aiohttp mapping reports a refused connection as a connect timeout
            refused = _cause(exc, ConnectionError)
            if refused is None:
                kind = "timeout" if isinstance(exc, sdk.APITimeoutError) else "connection"
                return AttemptError(kind, message, retryable=True)
            where = scrub(str(exc.__cause__ or refused), self._secrets)  # the HTTP layer names host and port
            return AttemptError("connection", where, retryable=True)
        if isinstance(exc, sdk.APIResponseValidationError | ValueError):
            return AttemptError("malformed", f"malformed response: {message}", retryable=True)
        raise exc
