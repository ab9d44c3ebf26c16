"""Output files: checked before any work, and replaced only when they are plain files or new paths.

A command never follows or replaces a symbolic link, a device, a FIFO or a socket given as its output,
never writes over one of its own inputs, and fails on a missing folder before it starts working.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from tutorforge.errors import BadInput


def database_files(db: Path) -> list[Path]:
    """A SQLite database and the journal files beside it."""
    return [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]


def check_output(
    path: Path,
    *,
    flag: str = "--out",
    inputs: Iterable[Path] = (),
    database: Path | None = None,
    parents: bool = False,
) -> Path:
    """Refuse, before any work, an output path that exists and is not a regular file, that is one of
    `inputs` or the `database` (or its journal files), or whose folder does not exist (with `parents`,
    missing folders are fine: `make_parents` creates them when writing starts). Returns the path."""
    path = Path(path)
    check_replaceable(path, flag)
    if database is not None and any(_same_file(path, f) for f in database_files(database)):
        raise BadInput(f"{flag} {path}: that is the database itself")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise BadInput(f"{flag} {path}: that is an input of this command ({source}); not overwritten")
    folder = _existing_ancestor(path.parent) if parents else path.parent
    if not folder.is_dir():
        raise BadInput(f"{flag} {path}: directory {path.parent} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"{flag} {path}: directory {folder} is not writable")
    return path


def check_replaceable(path: Path, flag: str = "--out") -> None:
    """BadInput unless `path` is absent or a regular file (a symbolic link is not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BadInput(f"{flag} {path}: {exc.strerror or exc}") from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISLNK(mode):
        raise BadInput(f"{flag} {path}: is a symbolic link; not followed or replaced (name its target)")
    if stat.S_ISDIR(mode):
        raise BadInput(f"{flag} {path}: is a directory")
    raise BadInput(f"{flag} {path}: is not a regular file (a device, FIFO or socket); not replaced")


def make_parents(path: Path, flag: str = "--out") -> None:
    """Create the folders above `path` that do not exist yet."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{flag} {path}: cannot create its folder ({exc.strerror or exc})") from None


def open_new_or_regular(path: Path, flag: str = "--out"):
    """`path` opened for writing text (truncated), without following a symbolic link made since it was
    checked; a device or FIFO put there since is refused too."""
    check_replaceable(path, flag)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    except OSError as exc:
        raise BadInput(f"{flag} {path}: cannot write: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadInput(f"{flag} {path}: is not a regular file; not written")
    os.set_blocking(fd, True)
    os.ftruncate(fd, 0)
    return os.fdopen(fd, "w", encoding="utf-8")


def _existing_ancestor(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()
