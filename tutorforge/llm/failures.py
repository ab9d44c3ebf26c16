"""How LLM calls fail: one attempt's error, a call that gave up, and scrubbing keys out of error text."""

from __future__ import annotations

from collections.abc import Iterable

from tutorforge.errors import RuntimeFailure
from tutorforge.storage.redact import REDACTED, redact_text

# HTTP statuses worth another attempt: rate limits, server errors, overload (Anthropic's 529), gateway
# timeouts. Everything else (400, 401, 403, 404, 422, ...) fails the call at once.
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the given secrets or anything that looks like a key or a bearer token."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return redact_text(text)


class AttemptError(RuntimeFailure):
    """One attempt failed. `kind` names the failure (http_429, timeout, connection, malformed, ...)."""

    def __init__(self, kind: str, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.retry_after = retry_after


class CallFailed(RuntimeFailure):
    """A call gave up after its attempts. `calls` holds its call record (status failed), for the store."""

    def __init__(self, message: str, calls: list[dict]) -> None:
        super().__init__(message)
        self.calls = calls


class BudgetReached(RuntimeFailure):
    """The run's cost budget (`--max-cost`) is spent: no new call starts."""
