"""A JSON Lines file written atomically, with the records that first fill a field moved to the front.

Readers that infer a schema from the start of a file (`datasets.load_dataset("json")` reads the first
10 MiB and casts every later chunk to that schema) fail when a field is empty or null in all of the
first chunk and filled later. So every field filled anywhere in the file is filled at least once in
its first `head_bytes`: when some field is first filled after that, the records that first fill each
field are moved, in their order, to the front. In the common case nothing moves and the file is
written once.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.outputs import check_output, check_replaceable

DATASETS_CHUNK = 10 << 20  # the json loader's default chunksize


def filled_paths(obj: object) -> set[str]:
    """Paths of the non-null values and non-empty lists in a JSON-like object (items share `path[]`)."""
    out: set[str] = set()
    if type(obj) is dict:
        _dict_paths(obj, "", out)
    else:
        _value_paths(obj, "", out)
    return out


# Exporting a large corpus walks every value of every record: scalars are handled inline, without a call.
_SCALARS = (str, int, float, bool)


def _dict_paths(value: dict, path: str, out: set[str]) -> None:
    for key, item in value.items():
        if type(item) in _SCALARS:
            out.add(f"{path}.{key}")
        elif item is not None:
            _value_paths(item, f"{path}.{key}", out)


def _value_paths(value: object, path: str, out: set[str]) -> None:
    if isinstance(value, dict):
        _dict_paths(value, path, out)
    elif isinstance(value, list):
        if value:
            out.add(path)
            path += "[]"
            for item in value:
                if type(item) is dict:  # e.g. messages: the dict's own loop, inline
                    for key, sub in item.items():
                        if type(sub) in _SCALARS:
                            out.add(f"{path}.{key}")
                        elif sub is not None:
                            _value_paths(sub, f"{path}.{key}", out)
                elif item is not None:
                    _value_paths(item, path, out)
    elif value is not None:
        out.add(path)


class JsonlLines:
    """JSON lines written to an open binary file, remembering where each field path is first filled."""

    def __init__(self) -> None:
        self.count = 0
        self._offset = 0
        self._first: dict[str, tuple[int, int]] = {}  # field path -> (offset, length) of its first line
        self._fh: IO[bytes] | None = None

    def write(self, obj: dict) -> None:
        """Append one record."""
        assert self._fh is not None, "open the file first"
        line = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
        for path in filled_paths(obj).difference(self._first):
            self._first[path] = (self._offset, len(line))
        self._fh.write(line)
        self._offset += len(line)
        self.count += 1

    @property
    def firsts(self) -> dict[str, tuple[int, int]]:
        """Field path -> (offset, length) of the line that first fills it."""
        return dict(self._first)


class JsonlPart(JsonlLines):
    """`with JsonlPart(path) as part: part.write(obj)`: a stretch of an export written by another process,
    to be appended with `AtomicJsonl.extend`."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)

    def __enter__(self) -> JsonlPart:
        self._fh = self.path.open("wb")
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


class AtomicJsonl(JsonlLines):
    """`with AtomicJsonl(out) as f: f.write(obj)`: `out` appears complete when the block ends, or not at
    all (an existing file is left untouched when anything fails)."""

    def __init__(self, out: Path, head_bytes: int = DATASETS_CHUNK) -> None:
        super().__init__()
        self.out = Path(out)
        self.head_bytes = head_bytes
        self._tmp = Path()

    def __enter__(self) -> AtomicJsonl:
        check_output(self.out)
        self._tmp = self._mkstemp()
        self._fh = self._tmp.open("wb")
        return self

    def part_path(self) -> Path:
        """A new empty file beside the output, for a `JsonlPart` (the caller removes it)."""
        return self._mkstemp()

    def extend(self, part: Path, firsts: dict[str, tuple[int, int]], count: int) -> None:
        """Append the lines of a `JsonlPart` file, with the part's `firsts` and `count`."""
        assert self._fh is not None, "use AtomicJsonl as a context manager"
        for path, (offset, length) in firsts.items():
            if path not in self._first:
                self._first[path] = (self._offset + offset, length)
        with Path(part).open("rb") as fin:
            shutil.copyfileobj(fin, self._fh, 1 << 20)
            self._offset += fin.tell()
        self.count += count

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        final = self._tmp
        try:
            if exc is None:
                final = self._finish()
            else:
                self._fh.close()
        except OSError as err:
            exc = err
        finally:
            for path in {final, self._tmp}:
                path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RuntimeFailure(f"--out {self.out}: writing failed ({exc.strerror or exc})") from exc
        if exc is None:
            _fsync_dir(self.out.parent)

    def _finish(self) -> Path:
        """Make the temp file durable, front-load it if needed, rename it over `out`; the path it had."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = self._tmp
        moved = sorted(set(self._first.values()))
        if moved and moved[-1][0] >= self.head_bytes:
            final = self._front_load(final, moved)
        os.chmod(final, _mode_for(self.out))
        check_replaceable(self.out)  # nothing special put there while we wrote
        os.replace(final, self.out)
        return final

    def _mkstemp(self) -> Path:
        try:
            fd, name = tempfile.mkstemp(prefix=f".{self.out.name}.", suffix=".tmp", dir=self.out.parent)
        except OSError as exc:
            raise BadInput(f"--out {self.out}: cannot write there ({exc.strerror})") from exc
        os.close(fd)
        return Path(name)

    def _front_load(self, src: Path, moved: list[tuple[int, int]]) -> Path:
        """A copy of `src` with the `moved` lines first, then the rest, both in their order."""
        dst = self._mkstemp()
        try:
            with src.open("rb") as fin, dst.open("wb") as fout:
                for offset, length in moved:
                    fin.seek(offset)
                    fout.write(fin.read(length))
                fin.seek(0)
                position = 0
                for offset, length in moved:
                    _copy_range(fin, fout, offset - position)
                    fin.seek(length, os.SEEK_CUR)
                    position = offset + length
                shutil.copyfileobj(fin, fout)
                fout.flush()
                os.fsync(fout.fileno())
        except BaseException:
            dst.unlink(missing_ok=True)
            raise
        src.unlink()
        return dst


def _copy_range(fin: IO[bytes], fout: IO[bytes], n: int, bufsize: int = 1 << 20) -> None:
    while n > 0:
        block = fin.read(min(bufsize, n))
        if not block:
            break
        fout.write(block)
        n -= len(block)


def _mode_for(out: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 minus the umask."""
    try:
        return out.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
