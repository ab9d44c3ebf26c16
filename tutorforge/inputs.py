"""User files read with bounds: regular files only (no device, FIFO or folder), a size cap, and JSON and
TOML whose depth, integer size or stray surrogates cannot crash the parser or a later write."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path

TOML_MAX_BYTES = 1 << 20  # persona files, subject manifests and run configs are a few KiB
_TOML_LINE = re.compile(r"\(at line (\d+)")
_LONG_INTEGER = re.compile(r"[0-9_]{4300}")


class InputError(Exception):
    """A user file that cannot be read: the message says why (the caller adds the file's name)."""


def read_regular(path: Path, max_bytes: int, *, head: bool = False) -> bytes:
    """The bytes of a regular file of at most `max_bytes` (with `head`, its first `max_bytes` bytes,
    whatever its size); a device, FIFO, socket or folder is refused without reading from it (and without
    waiting on a FIFO's writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise InputError("is not a regular file (a device, FIFO or socket); not read")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes if head else max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(f"larger than the limit of {max_bytes:,} bytes")
    return data


def json_value(text: str) -> object:
    """One JSON value from a line of a user file; InputError (saying why) for what cannot be read whole:
    bad JSON, nesting too deep for the parser, an integer too long to convert, a lone surrogate escape
    (`\\ud800`, which no UTF-8 output can hold)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError("not JSON we read (nested too deeply)") from None
    except ValueError:
        raise InputError("not JSON we read (an integer with more than 4,300 digits)") from None
    if "\\u" in text:  # only an escape can make a lone surrogate in text that was UTF-8
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise InputError("not JSON we read (nested too deeply)") from None
        except UnicodeEncodeError:
            raise InputError("a string holds a lone surrogate escape (\\ud800-\\udfff), not text") from None
    return value


class TomlError(Exception):
    """TOML that cannot be read; `line` is where (1 when the parser does not say)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def parse_toml(text: str) -> dict:
    """`tomllib.loads`, with nesting too deep for the parser and integers too long to convert reported as
    TomlError (line and message) like any syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found[1]) if found else max(1, text.count("\n") + 1)
        raise TomlError(line, str(exc)) from None
    except RecursionError:
        raise TomlError(1, "nested too deeply") from None
    except ValueError:
        found = _LONG_INTEGER.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        raise TomlError(line, "an integer with more than 4,300 digits") from None


def read_toml_file(path: Path, max_bytes: int = TOML_MAX_BYTES) -> tuple[str, dict]:
    """A TOML file's text and data. InputError (the file) or TomlError (its content) otherwise."""
    data = read_regular(path, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlError(data.count(b"\n", 0, exc.start) + 1, "not UTF-8 text") from None
    return text, parse_toml(text)
