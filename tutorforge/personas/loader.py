"""Read and check persona TOML files and assemble the registry: the built-ins, then extra folders."""

from __future__ import annotations

import difflib
import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Literal, NamedTuple, get_args

import tomli_w
from pydantic import BaseModel, TypeAdapter, ValidationError

from tutorforge.errors import BadInput
from tutorforge.inputs import InputError, TomlError, read_toml_file
from tutorforge.personas.schema import CriticPersona, Persona, StudentPersona, TeacherPersona
from tutorforge.personas.toml_lines import key_line

AnyPersona = StudentPersona | TeacherPersona | CriticPersona
Role = Literal["teacher", "student", "critic"]
ROLES: tuple[Role, ...] = get_args(Role)
BUILTIN_DIR = Path(__file__).parent / "builtin"

_ADAPTER: TypeAdapter[AnyPersona] = TypeAdapter(Persona)
_MODELS: dict[str, type[BaseModel]] = {
    "teacher": TeacherPersona,
    "student": StudentPersona,
    "critic": CriticPersona,
}
_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class PersonaProblem:
    """One thing wrong with a persona file, printed as `file:line: field: message`."""

    file: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class Loaded(NamedTuple):
    """A validated persona and the file it came from."""

    persona: AnyPersona
    source: Path


class OverrideWarning(UserWarning):
    """A plug-in replaced a persona, subject or misconception of the same name (a name clash)."""


class PersonaOverrideWarning(OverrideWarning):
    """A persona from a later folder replaced one of the same name."""


def read_toml(path: Path) -> tuple[str, dict] | PersonaProblem:
    """A TOML file's text and data, or the problem that stops it being read (with the line TOML gives).
    Only regular files of at most `TOML_MAX_BYTES` are read."""
    try:
        return read_toml_file(path)
    except InputError as exc:
        return PersonaProblem(path, 1, "file", str(exc))
    except TomlError as exc:
        return PersonaProblem(path, exc.line, "toml", f"invalid TOML: {exc}")


def read_persona(path: Path) -> tuple[AnyPersona | None, list[PersonaProblem]]:
    """Parse and validate one persona file: the persona (None when invalid) and every problem found."""
    read = read_toml(path)
    if isinstance(read, PersonaProblem):
        return None, [read]
    text, data = read
    try:
        return _ADAPTER.validate_python(data), []
    except ValidationError as exc:
        return None, [_problem(path, text, error) for error in exc.errors()]


def validate_file(path: Path) -> list[PersonaProblem]:
    """Every problem in one persona file; empty when the file is a valid persona."""
    return read_persona(Path(path))[1]


def check_path(path: Path) -> tuple[list[Loaded], list[PersonaProblem]]:
    """Validate a persona file, or every *.toml file in a folder (names must be unique within it).

    Returns the valid personas and every problem found. A path that does not exist, or a folder
    without .toml files, is bad input.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise BadInput(f"{path}: no persona files (*.toml) in this folder")
    elif path.exists():
        files = [path]  # read_toml refuses what is not a regular file
    else:
        raise BadInput(f"{path}: no such file or folder")
    loaded: list[Loaded] = []
    problems: list[PersonaProblem] = []
    first_seen: dict[str, Path] = {}
    for file in files:
        persona, found = read_persona(file)
        problems += found
        if persona is None:
            continue
        if persona.name in first_seen:
            line = key_line(file.read_text(encoding="utf-8"), ("name",))
            message = f"duplicate name '{persona.name}' (also in {first_seen[persona.name].name})"
            problems.append(PersonaProblem(file, line, "name", message))
            continue
        first_seen[persona.name] = file
        loaded.append(Loaded(persona, file))
    return loaded, problems


def load_dir(folder: Path) -> list[Loaded]:
    """The personas of one folder; any problem in it is bad input, named by file, line and field."""
    loaded, problems = check_path(folder)
    if problems:
        more = f" (and {len(problems) - 1} more; run `tutorforge personas validate {folder}`)"
        raise BadInput(f"{problems[0]}{more if len(problems) > 1 else ''}")
    return loaded


class PersonaRegistry:
    """Personas by name. Personas are shared objects: copy one (`model_copy`) before changing it."""

    def __init__(self) -> None:
        self._entries: dict[str, Loaded] = {}

    def add(self, persona: AnyPersona, source: Path) -> Loaded | None:
        """Add or replace a persona; returns the entry it replaced, if any."""
        replaced = self._entries.get(persona.name)
        self._entries[persona.name] = Loaded(persona, source)
        return replaced

    def get(self, name: str, role: Role | None = None) -> AnyPersona:
        """The persona called `name` (of `role`, when given); unknown names are bad input."""
        entry = self._entries.get(name)
        if entry is not None and (role is None or entry.persona.role == role):
            return entry.persona
        available = self._available(role)
        if entry is not None:
            raise BadInput(f"persona '{name}' is a {entry.persona.role}, not a {role}; {available}")
        close = difflib.get_close_matches(name, self.names(role), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        what = f"{role} persona" if role else "persona"
        raise BadInput(f"unknown {what} '{name}'{hint}; {available}")

    def by_role(self, role: Role) -> list[AnyPersona]:
        """The personas of one role, by name."""
        return [self._entries[name].persona for name in self.names(role)]

    def names(self, role: Role | None = None) -> list[str]:
        """Sorted persona names, of one role or of all."""
        return sorted(n for n, e in self._entries.items() if role is None or e.persona.role == role)

    def source(self, name: str) -> Path:
        """The file the persona called `name` was loaded from."""
        return self._entries[name].source

    def _available(self, role: Role | None) -> str:
        roles = (role,) if role else ROLES
        return "; ".join(f"available {r}s: {', '.join(self.names(r)) or '(none)'}" for r in roles)


def load_registry(extra_dirs: Sequence[Path | str] = (), *, path_env: str | None = None) -> PersonaRegistry:
    """Every persona tutorforge can find, in order of precedence: the built-in subject packs, the entry
    points of installed packages, the folders of TUTORFORGE_PATH (`path_env` stands for its value when
    given), then each folder of `extra_dirs` (--personas-dir). Every subject pack found is activated on
    the way. A later persona of the same name replaces an earlier one, with a `PersonaOverrideWarning`."""
    from tutorforge.subjects.discovery import plugin_personas

    plugged = plugin_personas(extra_dirs, path_env)
    registry = PersonaRegistry()
    for persona, source in (*_builtin(), *plugged):
        replaced = registry.add(persona, source)
        if replaced is not None and replaced.source != source:
            warnings.warn(
                f"persona '{persona.name}' from {source} replaces the one from {replaced.source}",
                PersonaOverrideWarning,
                stacklevel=2,
            )
    return registry


@functools.cache
def _builtin() -> tuple[Loaded, ...]:
    """The personas of the built-in subject packs (math's are in BUILTIN_DIR), read once per process."""
    from tutorforge.subjects.discovery import builtin_persona_dirs

    return tuple(loaded for folder in builtin_persona_dirs() for loaded in load_dir(folder))


def dump_toml(persona: AnyPersona) -> str:
    """The persona as a TOML file that `validate_file` accepts and that loads back equal."""
    data = persona.model_dump(mode="json", exclude_none=True)  # TOML has no null: unset stays unset
    head = ("schema_version", "name", "role", "version", "display_name", "description", "subjects")
    ordered = {key: data.pop(key) for key in head}
    return tomli_w.dumps(ordered | data, multiline_strings=True)


def _problem(path: Path, text: str, error: dict) -> PersonaProblem:
    """A pydantic error as a problem with the TOML line and field it is about."""
    kind, loc = error["type"], error["loc"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ", ".join(ROLES)
        if kind == "union_tag_invalid":
            message = f"unknown role '{error['ctx']['tag']}' (expected one of: {expected})"
        else:
            message = f"missing required field (one of: {expected})"
        return PersonaProblem(path, key_line(text, ("role",)), "role", message)
    if kind == "bad_phrase" and "act" in error.get("ctx", {}):  # a check across the persona's fields
        keys = ("style", "phrases", error["ctx"]["act"])
        return PersonaProblem(path, key_line(text, keys), ".".join(keys), error["msg"])
    role, parts = loc[0], [p for p in loc[1:] if p != "[key]"]
    keys = tuple(takewhile(lambda part: isinstance(part, str), parts))
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    if kind == "missing":
        message = "missing required field"
    elif kind == "extra_forbidden":
        message = _unknown_field(role, keys)
    else:
        message, value = error["msg"], error.get("input")
        if isinstance(value, _SCALARS) and str(value) not in message:
            message += f" (got {value!r:.60})"
    return PersonaProblem(path, key_line(text, keys), field or "persona", message)


def _unknown_field(role: str, keys: tuple[str, ...]) -> str:
    """'unknown field' with the fields allowed where it stands and the closest match."""
    model = _MODELS[role]
    for key in keys[:-1]:
        model = model.model_fields[key].annotation
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(keys[-1], allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field ({hint}allowed: {', '.join(allowed)})"
