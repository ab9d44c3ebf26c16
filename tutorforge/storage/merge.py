"""`tutorforge merge`: combine corpus databases (the shards of a run, or any corpora) into one.

Every input is checked before anything is written: it must be a tutorforge database, and a run present in
two places must have the same settings. Then each input is copied into the output in one transaction,
table by table with `INSERT ... SELECT` over an attached database: runs, problems, dialogues and all their
rows (turns, drafts, generator labels, reviews, LLM calls) and the LLM response cache. Review leases are
not copied. A dialogue already in the output is a duplicate: the copy kept is the complete one, then the
one with a review decision, then the one merged first; the other is dropped with all its rows, so no row
is ever duplicated. Merging the same input twice changes nothing, so an interrupted merge can be rerun.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tutorforge.errors import BadInput
from tutorforge.storage.store import Store

# Child tables of `dialogues` copied as they are (in their insertion order).
_CHILDREN = ("turns", "drafts", "generator_labels")
# How good a copy of a dialogue is: complete beats failed, then a review decision beats none.
_RANK = """(CASE WHEN {t}.status = 'complete' THEN 2 ELSE 0 END) + EXISTS (
    SELECT 1 FROM {schema}.reviews r WHERE r.dialogue_id = {t}.dialogue_id
    AND r.decision IN ('approved', 'rejected'))"""


@dataclass
class MergeResult:
    """What one input brought: new runs and dialogues, dialogues that replaced a worse copy, and the ids of
    every dialogue that was already in the output (`kept_existing` of them kept the output's copy)."""

    source: Path
    runs: int = 0
    dialogues: int = 0
    replaced: int = 0
    duplicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def kept_existing(self) -> int:
        return len(self.duplicates) - self.replaced


def merge(inputs: Sequence[Path], out: Path) -> list[MergeResult]:
    """Merge `inputs` into the database `out` (created if absent), one transaction per input."""
    inputs = [Path(p) for p in inputs]
    _check_paths(inputs, out)
    _check_runs(inputs, out)
    with Store.open(out) as store:
        return [_merge_one(store, source) for source in inputs]


def _check_paths(inputs: Sequence[Path], out: Path) -> None:
    if not inputs:
        raise BadInput("merge: name at least one database to merge")
    seen: dict[Path, Path] = {}
    target = out.resolve()
    for path in inputs:
        real = path.resolve()
        if real == target:
            raise BadInput(f"{path}: is the output database (--db) itself")
        if real in seen:
            raise BadInput(f"{path}: named twice (also as {seen[real]})")
        seen[real] = path


def _check_runs(inputs: Sequence[Path], out: Path) -> None:
    """BadInput when an input is not a tutorforge database, or two files disagree on a run's settings."""
    runs: dict[str, tuple[dict, Path]] = {}
    sources = ([out] if out.exists() else []) + list(inputs)
    for path in sources:
        with Store.open(path, create=False) as store:
            for run_id, info in store.runs().items():
                known = runs.get(run_id)
                if known is None:
                    runs[run_id] = (info["config"], path)
                elif known[0] != info["config"]:
                    keys = sorted(
                        k
                        for k in set(known[0]) | set(info["config"])
                        if known[0].get(k) != info["config"].get(k)
                    )
                    raise BadInput(
                        f"{path}: run {run_id} has other settings than in {known[1]} "
                        f"({', '.join(keys)}); these are not shards of one run"
                    )


def _columns(store: Store, table: str) -> list[str]:
    return [row[1] for row in store.conn.execute(f"PRAGMA main.table_info({table})")]


def _merge_one(store: Store, source: Path) -> MergeResult:
    result = MergeResult(source)
    conn = store.conn
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    try:
        with store.transaction():
            result.notes += _version_notes(store, source)
            run_cols = ", ".join(_columns(store, "runs"))
            result.runs = conn.execute(
                f"INSERT INTO main.runs ({run_cols}) SELECT {run_cols} FROM src.runs"
                " WHERE run_id NOT IN (SELECT run_id FROM main.runs)"
            ).rowcount
            conn.execute(
                "UPDATE main.runs SET created_at = (SELECT s.created_at FROM src.runs s"
                " WHERE s.run_id = main.runs.run_id) WHERE created_at > (SELECT s.created_at FROM src.runs s"
                " WHERE s.run_id = main.runs.run_id)"
            )
            conn.execute("INSERT OR IGNORE INTO main.run_parts SELECT * FROM src.run_parts")
            cols = ", ".join(_columns(store, "problems"))
            conn.execute(f"INSERT OR IGNORE INTO main.problems ({cols}) SELECT {cols} FROM src.problems")
            _settle_duplicates(store, result)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_ids (dialogue_id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.merge_ids")
            conn.execute(
                "INSERT INTO temp.merge_ids SELECT dialogue_id FROM src.dialogues"
                " WHERE dialogue_id NOT IN (SELECT dialogue_id FROM main.dialogues)"
            )
            result.dialogues = _copy(store, "dialogues") - result.replaced
            for table in _CHILDREN:
                _copy(store, table)
            _copy_reviews(store)
            _copy(store, "llm_calls", skip=("id",))
            _copy_cache(store)
            conn.execute("DROP TABLE temp.merge_ids")
    finally:
        conn.execute("DETACH DATABASE src")
    return result


def _settle_duplicates(store: Store, result: MergeResult) -> None:
    """Record the dialogues already in the output; drop the output's copy where the input's is better."""
    rows = store.conn.execute(
        f"SELECT s.dialogue_id, {_RANK.format(t='s', schema='src')}, {_RANK.format(t='o', schema='main')}"
        " FROM src.dialogues s JOIN main.dialogues o ON o.dialogue_id = s.dialogue_id ORDER BY s.dialogue_id"
    ).fetchall()
    better = [(did,) for did, theirs, ours in rows if theirs > ours]
    result.duplicates = [did for did, _, _ in rows]
    result.replaced = len(better)
    # Deleting a dialogue deletes its turns, drafts, labels, reviews, leases and calls (ON DELETE CASCADE).
    store.conn.executemany("DELETE FROM main.dialogues WHERE dialogue_id = ?", better)


def _copy(store: Store, table: str, *, skip: Sequence[str] = ()) -> int:
    """Copy the rows of `table` that belong to the dialogues in merge_ids, in their insertion order."""
    cols = ", ".join(c for c in _columns(store, table) if c not in skip)
    return store.conn.execute(
        f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM src.{table}"
        " WHERE dialogue_id IN (SELECT dialogue_id FROM temp.merge_ids) ORDER BY rowid"
    ).rowcount


def _copy_reviews(store: Store) -> None:
    """Reviews keep their order and their `undoes` links, under ids shifted past the output's own."""
    offset = store.conn.execute("SELECT coalesce(max(id), 0) FROM main.reviews").fetchone()[0]
    cols = _columns(store, "reviews")
    shifted = ", ".join(f"{c} + {int(offset)}" if c in ("id", "undoes") else c for c in cols)
    store.conn.execute(
        f"INSERT INTO main.reviews ({', '.join(cols)}) SELECT {shifted} FROM src.reviews"
        " WHERE dialogue_id IN (SELECT dialogue_id FROM temp.merge_ids) ORDER BY id"
    )


def _copy_cache(store: Store) -> None:
    """The LLM response cache, so a resumed run on the merged database replays its replies."""
    row = store.conn.execute("SELECT sql FROM src.sqlite_master WHERE type = 'table' AND name = 'llm_cache'")
    schema = row.fetchone()
    if schema is None:
        return
    exists = store.conn.execute(
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'llm_cache'"
    )
    if exists.fetchone() is None:
        store.conn.execute(schema[0])
    cols = ", ".join(_columns(store, "llm_cache"))
    store.conn.execute(f"INSERT OR IGNORE INTO main.llm_cache ({cols}) SELECT {cols} FROM src.llm_cache")


def _version_notes(store: Store, source: Path) -> list[str]:
    """Runs recorded by other tutorforge or verifier versions in the input than in the output."""
    rows = store.conn.execute(
        "SELECT s.run_id, s.versions_json, o.versions_json FROM src.runs s"
        " JOIN main.runs o ON o.run_id = s.run_id WHERE s.versions_json != o.versions_json"
    )
    return [
        f"{source}: run {run_id} was generated with {json.loads(theirs)}, "
        f"the merged copy with {json.loads(ours)}"
        for run_id, theirs, ours in rows
    ]
