"""Export stored dialogues as JSON Lines (or Parquet) for training, one file written atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from tutorforge.dialogues.processes import forkserver_context
from tutorforge.errors import BadInput
from tutorforge.export.jsonl_file import DATASETS_CHUNK, AtomicJsonl, JsonlLines, JsonlPart
from tutorforge.export.records import (
    Context,
    dpo_records,
    openai_records,
    raw_records,
    sharegpt_records,
)
from tutorforge.outputs import check_output
from tutorforge.personas.loader import load_registry
from tutorforge.personas.schema import TeacherPersona
from tutorforge.review.trail import apply_edits, current_edits
from tutorforge.storage.record import DialogueRecord
from tutorforge.storage.store import INCLUDE, Store

Formatter = Callable[[DialogueRecord, Context], Iterator[dict]]

# trl: TRL's SFTTrainer takes the same conversational {"messages": [...]} records as OpenAI fine-tuning.
FORMATS: dict[str, Formatter] = {
    "openai": openai_records,
    "sharegpt": sharegpt_records,
    "trl": openai_records,
    "raw": raw_records,
    "dpo": dpo_records,
    "parquet": openai_records,  # the openai/trl records in a Parquet file
}
PARQUET = frozenset({"parquet"})  # formats written as Parquet; the others are JSON Lines


# Below this many dialogues a second process costs more to start than it saves.
PARALLEL_MIN = 4000


@dataclass(frozen=True)
class _Shared:
    """What every record of an export needs besides its own rows."""

    fmt: str
    runs: dict[str, dict]
    configs: dict[str, str]
    teachers: dict[str, TeacherPersona]
    verifier_version: str
    exclude: Collection[str]


def export(
    store: Store,
    fmt: str,
    out: Path,
    include: str = "approved",
    *,
    run_id: str | None = None,
    head_bytes: int = DATASETS_CHUNK,
    exclude: Collection[str] = frozenset(),
    on_record: Callable[[DialogueRecord], None] | None = None,
    workers: int = 0,
) -> int:
    """Write the store's dialogues (approved, or "all"; of one run or of all) to `out` in format `fmt`.

    Returns the number of records written.

    The file appears complete or not at all: an existing `out` is untouched when the export fails.
    `head_bytes`: the span at the start of the file in which every field filled anywhere is filled once.
    `exclude`: dialogue ids to leave out (e.g. near-duplicates); `on_record` sees every dialogue written.
    `workers`: processes (0 = two where the machine has them); without `on_record`, an export of at least
    `PARALLEL_MIN` dialogues has a second process render its second half, appended in order.
    """
    if fmt not in FORMATS:
        raise BadInput(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if include not in INCLUDE:
        raise BadInput(f"--include: {include!r} is not one of {', '.join(INCLUDE)}")
    out = check_output(out, database=store.path)
    runs = store.runs()
    configs = {
        run: json.dumps(info["config"], sort_keys=True, ensure_ascii=False) for run, info in runs.items()
    }
    shared = _Shared(fmt, runs, configs, _teachers(runs), _verifier_version(), frozenset(exclude))
    parallel = on_record is None and fmt not in PARQUET and min(workers or 2, os.cpu_count() or 1) > 1
    cut = _halfway(store, include, run_id) if parallel else None
    with _sink(fmt, out, head_bytes) as sink:
        if cut is None:
            _write_range(store, sink, shared, include, run_id, None, None, on_record)
            return sink.count
        part = sink.part_path()
        pool = forkserver_context("tutorforge.export.writer").Pool(1)
        try:
            later = pool.apply_async(_write_part, (store.path, part, shared, include, run_id, cut))
            pool.close()
            _write_range(store, sink, shared, include, run_id, None, cut, None)
            firsts, count = later.get()
            sink.extend(part, firsts, count)
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
            part.unlink(missing_ok=True)
    return sink.count


def _sink(fmt: str, out: Path, head_bytes: int) -> AtomicJsonl:
    if fmt in PARQUET:
        from tutorforge.export.parquet_file import AtomicParquet  # pyarrow only when asked for

        return AtomicParquet(out)
    return AtomicJsonl(out, head_bytes)


def _halfway(store: Store, include: str, run_id: str | None) -> tuple[str, int] | None:
    """The key that splits a large export in two, or None for one small enough to write alone."""
    keys = store.split_keys(include, run_id, 2, min_size=PARALLEL_MIN // 2)
    return keys[0] if keys else None


def _write_range(
    store: Store,
    sink: JsonlLines,
    shared: _Shared,
    include: str,
    run_id: str | None,
    lower: tuple[str, int] | None,
    upper: tuple[str, int] | None,
    on_record: Callable[[DialogueRecord], None] | None,
) -> None:
    """Write the records of the dialogues with `lower <= (run_id, idx) < upper` to `sink`, in order."""
    formatter = FORMATS[shared.fmt]
    for page in store.iter_pages(include, run_id, lower=lower, upper=upper):
        ids = [r.dialogue_id for r in page]
        reviews = store.latest_reviews(ids)
        edits = current_edits(store.conn, ids)
        for record in page:
            if record.dialogue_id in shared.exclude:
                continue
            versions = shared.runs.get(record.run_id, {}).get("versions", {})
            record_edits = edits.get(record.dialogue_id, {})
            apply_edits(record, record_edits)  # reviewers' edits replace the generated text
            if on_record is not None:
                on_record(record)
            ctx = Context(
                reviews.get(record.dialogue_id, {}),
                versions,
                shared.teachers,
                shared.verifier_version,
                record_edits,
                shared.configs.get(record.run_id, "{}"),
            )
            for obj in formatter(record, ctx):
                sink.write(obj)


def _write_part(
    db: Path, part: Path, shared: _Shared, include: str, run_id: str | None, lower: tuple[str, int]
) -> tuple[dict[str, tuple[int, int]], int]:
    """In a second process: the records from `lower` on, into the file `part`; (its firsts, its count)."""
    with Store.open(db, create=False) as store, JsonlPart(part) as sink:
        _write_range(store, sink, shared, include, run_id, lower, None, None)
    return sink.firsts, sink.count


def _teachers(runs: dict[str, dict]) -> dict[str, TeacherPersona]:
    """The teacher personas the runs used (built-ins and the runs' persona folders, where those are still
    there), for the system message; other names get a generic one."""
    dirs = sorted({d for info in runs.values() for d in (info["config"] or {}).get("personas_dirs", [])})
    try:
        registry = load_registry([Path(d) for d in dirs])
    except BadInput:  # a folder that has moved since: fall back to the built-ins
        registry = load_registry()
    return {p.name: p for p in registry.by_role("teacher") if isinstance(p, TeacherPersona)}


def _verifier_version() -> str:
    try:
        from tutorforge.verifiers import VERIFIER_VERSION
    except ImportError:
        return "unknown"
    return str(VERIFIER_VERSION)
