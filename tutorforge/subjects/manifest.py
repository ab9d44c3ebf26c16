"""The subject pack manifest (`subject.toml`, schema version 1), checked with file, line and field."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutorforge.personas.loader import PersonaProblem, read_toml
from tutorforge.personas.schema import Name
from tutorforge.personas.toml_lines import key_line

MANIFEST = "subject.toml"
SCHEMA_VERSION = 1

Reference = str
"""A Python object by name: 'package.module:attribute', or 'file.py:attribute' beside the manifest."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MisconceptionEntry(_Strict):
    """One misconception the pack adds (or redefines), with what an LLM and the scripted backend need."""

    id: Name
    description: str = Field(description="one sentence for people")
    hint: str = Field(description="how a student holding it reasons, in the second person (LLM prompts)")
    example: str = Field(description="a short example of the error, e.g. '72 km/h = 72 m/s'")
    transform: Reference | None = Field(
        default=None,
        description="transform(step) -> Variant | None: the step as the misconception makes it (scripted)",
    )
    applies_to: list[str] = Field(
        default_factory=list, description="subjects whose problems the transform runs on (default: this one)"
    )


class ProblemSources(_Strict):
    generators: Reference | None = Field(
        default=None, description="a mapping: family name -> generate(rng) -> Problem"
    )
    files: list[str] = Field(
        default_factory=list, description="JSONL or CSV problem files beside the manifest; each is a family"
    )


class VerifierSettings(_Strict):
    core: bool = Field(default=True, description="run the built-in math checks on this subject's turns")
    checkers: list[Reference] = Field(
        default_factory=list, description="checker(text, role, ctx) -> Checked, run on every turn"
    )


class SubjectManifest(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: Name
    version: str = "1"
    description: str
    personas: list[str] = Field(
        default_factory=lambda: ["personas"], description="persona folders, relative to the manifest"
    )
    problems: ProblemSources = Field(default_factory=ProblemSources)
    verifier: VerifierSettings = Field(default_factory=VerifierSettings)
    misconceptions: list[MisconceptionEntry] = Field(default_factory=list)


def read_manifest(path: Path) -> tuple[SubjectManifest | None, list[PersonaProblem]]:
    """Parse and validate a manifest: the manifest (None when invalid) and every problem found."""
    read = read_toml(path)
    if isinstance(read, PersonaProblem):
        return None, [read]
    text, data = read
    try:
        manifest = SubjectManifest.model_validate(data)
    except ValidationError as exc:
        return None, [_problem(path, text, error) for error in exc.errors()]
    problems = []
    seen: set[str] = set()
    for i, entry in enumerate(manifest.misconceptions):
        if entry.id in seen:
            problems.append(entry_problem(path, text, i, "id", f"duplicate misconception id '{entry.id}'"))
        seen.add(entry.id)
    return (manifest if not problems else None), problems


def entry_problem(path: Path, text: str, index: int, key: str, message: str) -> PersonaProblem:
    """A problem about field `key` of the index-th `[[misconceptions]]` entry."""
    return PersonaProblem(path, entry_line(text, index, key), f"misconceptions[{index}].{key}", message)


def entry_line(text: str, index: int, key: str) -> int:
    """The line of `key` in the index-th `[[misconceptions]]` table (its header when the key is absent)."""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines, 1) if re.match(r"\s*\[\[\s*misconceptions\s*\]\]", line)]
    if index >= len(headers):
        return key_line(text, ("misconceptions",))
    end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1
    for n in range(headers[index] + 1, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[n - 1]):
            return n
    return headers[index]


def _problem(path: Path, text: str, error: dict) -> PersonaProblem:
    loc = [p for p in error["loc"] if p != "[key]"]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "subject"
    if loc[:1] == ["misconceptions"] and len(loc) >= 3 and isinstance(loc[1], int):
        line = entry_line(text, loc[1], str(loc[2]))
    else:
        line = key_line(text, tuple(p for p in loc if isinstance(p, str)))
    kind = error["type"]
    if kind == "missing":
        message = "missing required field"
    elif kind == "extra_forbidden":
        message = _unknown_field(loc)
    else:
        message = error["msg"]
        value = error.get("input")
        if isinstance(value, str | int | float | bool) and str(value) not in message:
            message += f" (got {value!r:.60})"
    return PersonaProblem(path, line, field, message)


def _unknown_field(loc: list) -> str:
    model: type[BaseModel] = SubjectManifest
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = getattr(annotation, "__args__", (annotation,))[0] if part == "misconceptions" else annotation
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field ({hint}allowed: {', '.join(allowed)})"
