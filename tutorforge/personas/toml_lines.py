"""Find the line of a key in TOML text, so a validation error can name the line it is about."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER_RE = re.compile(rf"\s*\[\[?\s*(?P<key>{_DOTTED})\s*\]")
_ASSIGN_RE = re.compile(rf"\s*(?P<key>{_DOTTED})\s*=")


def key_line(text: str, path: Sequence[str]) -> int:
    """The 1-based line that defines `path` (e.g. ("student", "proficiency")) in TOML `text`.

    When the key itself is absent, the line of its nearest enclosing table or inline table; 1 when
    nothing on the path is written in the file.
    """
    path = tuple(path)
    best_line, best_depth = 1, 0
    table: tuple[str, ...] = ()
    for number, line in _lines_outside_strings(text):
        header = _HEADER_RE.match(line)
        if header:
            table = _split_key(header["key"])
            full = table
        else:
            assign = _ASSIGN_RE.match(line)
            if not assign:
                continue
            full = table + _split_key(assign["key"])
        if len(full) > best_depth and path[: len(full)] == full:
            best_line, best_depth = number, len(full)
    return best_line


def _split_key(dotted: str) -> tuple[str, ...]:
    """The parts of a (possibly dotted, possibly quoted) key, unquoted by tomllib itself."""
    parts: list[str] = []
    try:
        node = tomllib.loads(f"{dotted} = 0")
    except tomllib.TOMLDecodeError:  # not a real key (text that only looks like one)
        return ()
    while isinstance(node, dict):
        (key, node), *_ = node.items()
        parts.append(key)
    return tuple(parts)


def _lines_outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) for each line that does not start inside a multi-line string."""
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if open_quote is None:
            yield number, line
        open_quote = _scan(line, open_quote)


def _scan(line: str, quote: str | None) -> str | None:
    """The multi-line string delimiter still open at the end of `line`, given the one open at its start."""
    i = 0
    while i < len(line):
        if quote is None:
            if line.startswith(('"""', "'''"), i):
                quote, i = line[i : i + 3], i + 3
                continue
            if line[i] == "#":
                return None
            if line[i] in "\"'":
                quote = line[i]
            i += 1
        elif line[i] == "\\" and quote[0] == '"':
            i += 2
        elif line.startswith(quote, i):
            i += len(quote)
            while len(quote) == 3 and i < len(line) and line[i] == quote[0]:
                i += 1  # up to two quotes may end the content right before the delimiter
            quote = None
        else:
            i += 1
    return quote if quote is not None and len(quote) == 3 else None
