"""Scrubbing credentials from what the store writes: config values, error messages."""

from __future__ import annotations

import re

REDACTED = "[redacted]"

_SECRET_NAME = re.compile(
    r"api[_-]?key|secret|password|passwd|authorization|credential|access[_-]?token", re.I
)
_SECRET_TEXT = re.compile(
    r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{12,}"  # OpenAI / Anthropic style keys (sk-..., sk-proj-..., sk-ant-...)
    r"|(?<=Bearer )[A-Za-z0-9_\-\.=]{8,}"  # Authorization header values
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",  # user:password in URLs
)


def redact_text(text: str) -> str:
    """`text` with anything that looks like a key or a password replaced."""
    return _SECRET_TEXT.sub(REDACTED, text)


def redact_config(value: object) -> object:
    """A copy of a JSON-like value with secret-named entries and key-like strings replaced."""
    if isinstance(value, dict):
        return {
            k: REDACTED if _SECRET_NAME.search(str(k)) and v else redact_config(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_config(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
