"""Where personas and subject packs come from, in order of precedence (a later one wins a name clash):

1. built-in: the packs under `tutorforge/subjects/` (math, physics);
2. entry points of installed packages, groups `tutorforge.subjects` and `tutorforge.personas`;
3. the folders of the `TUTORFORGE_PATH` environment variable (separated by `os.pathsep`);
4. the folders given with `--personas-dir`, in order.

A plug-in location is a persona file, a folder of persona files, a subject pack (a folder with a
`subject.toml`), or a folder holding packs in sub-folders and persona files side by side.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import ModuleType

from tutorforge.errors import BadInput
from tutorforge.personas.loader import Loaded, load_dir
from tutorforge.subjects.manifest import MANIFEST
from tutorforge.subjects.pack import SubjectPack, load_pack
from tutorforge.subjects.registry import activate, choose, make_known

BUILTIN_ROOT = Path(__file__).parent
PATH_ENV = "TUTORFORGE_PATH"
GROUPS = ("tutorforge.subjects", "tutorforge.personas")


@dataclass(frozen=True)
class Source:
    """A plug-in location and what named it (an entry point, TUTORFORGE_PATH, --personas-dir)."""

    origin: str
    path: Path


@functools.cache
def builtin_packs() -> tuple[SubjectPack, ...]:
    """The packs shipped with tutorforge, read once per process."""
    return tuple(
        load_pack(d, trusted=True) for d in sorted(BUILTIN_ROOT.iterdir()) if (d / MANIFEST).is_file()
    )


def builtin_persona_dirs() -> list[Path]:
    """The persona folders of the built-in packs (`load_subjects` makes their misconceptions known)."""
    return [folder for pack in builtin_packs() for folder in pack.persona_dirs]


def plugin_sources(extra_dirs: Sequence[Path | str] = (), path_env: str | None = None) -> list[Source]:
    """Every plug-in location after the built-ins, in precedence order; a missing one is bad input.

    `path_env` stands for the value of TUTORFORGE_PATH (default: read from the environment)."""
    sources = _entry_point_sources()
    env = os.environ.get(PATH_ENV, "") if path_env is None else path_env
    sources += [Source(PATH_ENV, Path(part)) for part in env.split(os.pathsep) if part.strip()]
    sources += [Source("--personas-dir", Path(folder)) for folder in extra_dirs]
    for source in sources:
        if not source.path.exists():
            raise BadInput(f"{source.origin}: {source.path}: no such file or folder")
    return sources


def scan(path: Path) -> tuple[list[Path], list[Path]]:
    """(subject pack folders, persona paths) at one plug-in location."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file or folder")
    if not path.is_dir():  # a file (reading it refuses a device or FIFO)
        return ([path.parent], []) if path.name == MANIFEST else ([], [path])
    if (path / MANIFEST).is_file():
        return [path], []
    packs = sorted(d for d in path.iterdir() if d.is_dir() and (d / MANIFEST).is_file())
    has_personas = any(path.glob("*.toml"))
    if not packs and not has_personas:
        raise BadInput(f"{path}: no persona files (*.toml) or subject packs (folders with {MANIFEST})")
    return packs, [path] if has_personas else []


def load_subjects(
    extra_dirs: Sequence[Path | str] = (), path_env: str | None = None, *, run_code: bool = True
) -> list[Path]:
    """Activate every subject pack found (built-ins first, then plug-ins in precedence order) and return
    the plug-in persona paths in the same order: each pack's persona folders, then loose persona files.
    A subject found twice gets its last pack; every clash is reported (an `OverrideWarning`). Without
    `run_code`, plug-in packs are read without running their Python code (for `personas validate`)."""
    packs = list(builtin_packs())
    persona_paths: list[Path] = []
    for source in plugin_sources(extra_dirs, path_env):
        folders, personas = scan(source.path)
        for folder in folders:
            pack = load_pack(folder, run_code=run_code)
            packs.append(pack)
            persona_paths += pack.persona_dirs
        persona_paths += personas
    make_known(packs)
    for pack in choose(packs):
        activate(pack)
    return persona_paths


def plugin_personas(extra_dirs: Sequence[Path | str] = (), path_env: str | None = None) -> list[Loaded]:
    """The personas of every plug-in location, in precedence order, after activating every pack."""
    return [loaded for path in load_subjects(extra_dirs, path_env) for loaded in load_dir(path)]


def _entry_point_sources() -> list[Source]:
    found = []
    for group in GROUPS:
        points = sorted(
            importlib.metadata.entry_points(group=group),
            key=lambda ep: (ep.dist.name if ep.dist else "", ep.name),
        )
        for ep in points:
            origin = (
                f"entry point '{ep.name}' ({group}) of {ep.dist.name if ep.dist else 'an unknown package'}"
            )
            found.append(Source(origin, _entry_point_path(ep, origin)))
    return found


def _entry_point_path(ep: importlib.metadata.EntryPoint, origin: str) -> Path:
    """The location an entry point names: a path, a module (its folder), or a function returning a path."""
    try:
        obj = ep.load()
        if callable(obj) and not isinstance(obj, ModuleType):
            obj = obj()
    except Exception as exc:
        raise BadInput(f"{origin}: cannot load {ep.value} ({type(exc).__name__}: {exc})") from None
    if isinstance(obj, ModuleType) and obj.__file__:
        return Path(obj.__file__).parent
    if isinstance(obj, str | PathLike):
        return Path(obj)
    raise BadInput(f"{origin}: {ep.value} is not a path, a module or a function returning a path")
