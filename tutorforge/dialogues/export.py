"""Export stored dialogues as JSON Lines for training, one file written atomically."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from tutorforge.dialogues.export_records import (
    Context,
    dpo_records,
    openai_records,
    raw_records,
    sharegpt_records,
)
from tutorforge.dialogues.jsonl_file import DATASETS_CHUNK, AtomicJsonl
from tutorforge.dialogues.record import DialogueRecord
from tutorforge.dialogues.store import INCLUDE, Store
from tutorforge.errors import BadInput
from tutorforge.personas.loader import load_registry
from tutorforge.personas.schema import TeacherPersona
from tutorforge.review.trail import apply_edits, current_edits

Formatter = Callable[[DialogueRecord, Context], Iterator[dict]]

# trl: TRL's SFTTrainer takes the same conversational {"messages": [...]} records as OpenAI fine-tuning.
FORMATS: dict[str, Formatter] = {
    "openai": openai_records,
    "sharegpt": sharegpt_records,
    "trl": openai_records,
    "raw": raw_records,
    "dpo": dpo_records,
}


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
) -> int:
    """Write the store's dialogues (approved, or "all"; of one run or of all) to `out` in format `fmt`.

    Returns the number of records written.

    The file appears complete or not at all: an existing `out` is untouched when the export fails.
    `head_bytes`: the span at the start of the file in which every field filled anywhere is filled once.
    `exclude`: dialogue ids to leave out (e.g. near-duplicates); `on_record` sees every dialogue written.
    """
    formatter = FORMATS.get(fmt)
    if formatter is None:
        raise BadInput(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if include not in INCLUDE:
        raise BadInput(f"--include: {include!r} is not one of {', '.join(INCLUDE)}")
    out = Path(out)
    if _same_file(out, store.path):
        raise BadInput(f"--out {out}: that is the database itself")
    runs = store.runs()
    configs = {
        run: json.dumps(info["config"], sort_keys=True, ensure_ascii=False) for run, info in runs.items()
    }
    teachers = _teachers(runs)
    verifier_version = _verifier_version()
    with AtomicJsonl(out, head_bytes) as sink:
        for page in store.iter_pages(include, run_id):
            ids = [r.dialogue_id for r in page]
            reviews = store.latest_reviews(ids)
            edits = current_edits(store.conn, ids)
            for record in page:
                if record.dialogue_id in exclude:
                    continue
                versions = runs.get(record.run_id, {}).get("versions", {})
                record_edits = edits.get(record.dialogue_id, {})
                apply_edits(record, record_edits)  # reviewers' edits replace the generated text
                if on_record is not None:
                    on_record(record)
                ctx = Context(
                    reviews.get(record.dialogue_id, {}),
                    versions,
                    teachers,
                    verifier_version,
                    record_edits,
                    configs.get(record.run_id, "{}"),
                )
                for obj in formatter(record, ctx):
                    sink.write(obj)
    return sink.count


def _same_file(out: Path, db: Path) -> bool:
    try:
        return out.resolve() in {db.resolve(), Path(f"{db}-wal").resolve(), Path(f"{db}-shm").resolve()}
    except OSError:
        return False


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
