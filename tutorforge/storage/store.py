"""The SQLite store: one database file per corpus, one transaction per batch of finished dialogues."""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import orjson

from tutorforge import __version__
from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.inputs import InputError, read_regular
from tutorforge.outputs import database_files
from tutorforge.problems.model import Problem
from tutorforge.storage.record import DialogueRecord, Draft, GeneratorLabel, Turn
from tutorforge.storage.redact import redact_config, redact_text
from tutorforge.storage.schema import APP, DDL, MIGRATIONS, SCHEMA_VERSION
from tutorforge.verifiers.types import Flag, TurnVerdict

SQLITE_MAGIC = b"SQLite format 3\x00"
INCLUDE = ("approved", "all")
PAGE_SIZE = 256  # dialogues rebuilt per batch of queries
_IN_CHUNK = 500  # ids per `IN (...)` list

# One LLM call record (`record.usage["calls"]`, see tutorforge.llm.calls) as stored in `llm_calls`:
# (field, type, default). Keys not listed here are not stored.
CALL_SPEC: tuple[tuple[str, type, object], ...] = (
    ("role", str, ""),
    ("backend", str, ""),
    ("model", str, ""),
    ("input_tokens", int, 0),
    ("output_tokens", int, 0),
    ("cached_tokens", int, 0),
    ("latency_s", float, 0.0),
    ("cost_usd", float, 0.0),
    ("priced", bool, False),
    ("price_source", str, ""),
    ("status", str, "ok"),
    ("attempts", int, 1),
    ("error", str, ""),
    ("issues", list, []),
    ("finish_reason", str, ""),
    ("cache_hit", bool, False),
    ("response_id", str, ""),
    ("created_at", float, 0.0),
)
CALL_FIELDS = tuple(name for name, _, _ in CALL_SPEC)
_CALL_COLS = tuple(f"{name}_json" if kind is list else name for name, kind, _ in CALL_SPEC)


def _marks(n: int) -> str:
    return ",".join("?" * n)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


# Digits enough for an integer orjson would read as a float (it keeps 64 bits; json keeps them all).
_LONG_NUMBER = re.compile(r"\d{19}")


def _loads(text: str) -> object:
    """JSON text to a value: orjson (reading a large corpus spends much of its time here), the standard
    parser for what orjson refuses (NaN) or reads otherwise (huge integers), none for empty values."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


# Columns read back, in the order _decoded and _turns unpack them.
_DIALOGUE_COLS = (
    "dialogue_id",
    "run_id",
    "idx",
    "problem_id",
    "teacher",
    "student",
    "critic",
    "persona_versions_json",
    "backend",
    "models_json",
    "seed",
    "status",
    "end_reason",
    "error",
    "review_status",
    "review_reasons_json",
    "started_at",
    "finished_at",
    "usage_json",
    "meta_json",
)
_PROBLEM_COLS = (
    "problem_id",
    "source",
    "family",
    "subject",
    "difficulty",
    "seed",
    "statement",
    "answer",
    "unknowns_json",
    "answer_unit",
    "steps_json",
    "meta_json",
)
_TURN_COLS = (
    "turn_index",
    "role",
    "text",
    "act",
    "status",
    "claims",
    "flags_json",
    "critic_json",
    "work_json",
    "move",
    "target",
)
_DRAFT_COLS = ("turn_index", "text", "status", "claims", "flags_json", "critic_json", "forced_by_verifier")
_LABEL_COLS = ("turn_index", "role", "kind", "misconception", "detail")
_INSERT_PROBLEM = (
    "INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (problem_id) DO UPDATE SET"
    " source=excluded.source, family=excluded.family, subject=excluded.subject,"
    " difficulty=excluded.difficulty, seed=excluded.seed, statement=excluded.statement,"
    " answer=excluded.answer, unknowns_json=excluded.unknowns_json, answer_unit=excluded.answer_unit,"
    " steps_json=excluded.steps_json, meta_json=excluded.meta_json"
)
_INSERT_DIALOGUE = f"INSERT INTO dialogues VALUES ({_marks(22)})"
_INSERT_TURN = f"INSERT INTO turns VALUES ({_marks(12)})"
_INSERT_DRAFT = "INSERT INTO drafts VALUES (?,?,?,?,?,?,?,?,?)"
_INSERT_LABEL = "INSERT INTO generator_labels VALUES (?,?,?,?,?,?)"
_INSERT_CALL = (
    f"INSERT INTO llm_calls (dialogue_id, {', '.join(_CALL_COLS)}) VALUES ({_marks(len(_CALL_COLS) + 1)})"
)


def _json(value: object, empty: str) -> str:
    """JSON text, skipping the encoder for the common empty value."""
    return _dumps(value) if value else empty


def _chunks(items: Sequence, size: int = _IN_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """A tutorforge database. Not safe for concurrent use from several threads; one writer at a time."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> Store:
        """Open (or, with `create`, create) the database at `path`.

        Anything that is not a compatible tutorforge database raises BadInput and is left untouched.
        """
        path = Path(path)
        _check_path(path, create)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        except sqlite3.Error as exc:
            raise BadInput(f"{path}: cannot open the database ({exc})") from exc
        try:
            fresh = _check_schema(conn, path)
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            store = cls(conn, path)
            if fresh:
                store._create_schema()
        except BadInput:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise BadInput(f"{path}: cannot use the database ({exc})") from exc
        if mode.lower() != "wal":  # e.g. a file system without shared memory: still correct, only slower
            conn.execute("PRAGMA synchronous=FULL")
        return store

    def _create_schema(self) -> None:
        with self.transaction() as conn:
            for statement in DDL:
                conn.execute(statement)
            conn.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("app", APP), ("created_with", __version__)],
            )

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- runs --------------------------------------------------------------------------------------

    def ensure_run(self, run_id: str, config: dict, seed: int, versions: dict) -> None:
        """Record a run once; later calls with the same id keep the first record."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?) ON CONFLICT (run_id) DO NOTHING",
                (run_id, time.time(), _dumps(redact_config(config)), int(seed), _dumps(versions)),
            )

    def runs(self) -> dict[str, dict]:
        """run_id -> {created_at, config, seed, versions}, oldest first."""
        rows = self.conn.execute(
            "SELECT run_id, created_at, config_json, seed, versions_json FROM runs ORDER BY created_at"
        )
        return {
            run_id: {
                "created_at": created,
                "config": _loads(config),
                "seed": seed,
                "versions": _loads(versions),
            }
            for run_id, created, config, seed, versions in rows
        }

    def record_part(self, run_id: str, shard: str, started_at: float, saved: int) -> None:
        """Record that one `generate` command worked on the run (its shard "I/N", or "" for the whole run)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO run_parts VALUES (?,?,?,?,?)",
                (run_id, shard, started_at, time.time(), int(saved)),
            )

    def run_parts(self) -> dict[str, list[dict]]:
        """run_id -> the commands that worked on it ({shard, started_at, finished_at, saved}), in order."""
        parts: dict[str, list[dict]] = {}
        rows = self.conn.execute(
            "SELECT run_id, shard, started_at, finished_at, saved FROM run_parts ORDER BY run_id, started_at"
        )
        for run_id, shard, started, finished, saved in rows:
            parts.setdefault(run_id, []).append(
                {"shard": shard, "started_at": started, "finished_at": finished, "saved": saved}
            )
        return parts

    def done_indices(self, run_id: str) -> set[int]:
        """Indices of the run's complete dialogues (failed ones are to be redone)."""
        rows = self.conn.execute(
            "SELECT idx FROM dialogues WHERE run_id = ? AND status = 'complete'", (run_id,)
        )
        return {idx for (idx,) in rows}

    # -- writing -----------------------------------------------------------------------------------

    def save_dialogues(self, records: Sequence[DialogueRecord]) -> None:
        """Save finished dialogues in one transaction: all of them or, on any error, none.

        A failed dialogue already stored under the same (run_id, index) is replaced, its LLM calls kept
        (they were paid for); a complete one is never overwritten (RuntimeFailure).
        """
        if not records:
            return
        rows = _Rows()
        for record in records:
            rows.add(record)
        try:
            with self.transaction() as conn:
                self._check_targets(conn, records)
                paid = _earlier_calls(conn, [r.dialogue_id for r in records])
                conn.executemany(
                    "DELETE FROM dialogues WHERE run_id = ? AND idx = ? AND status = 'failed'", rows.keys
                )
                conn.executemany(_INSERT_PROBLEM, list(rows.problems.values()))
                conn.executemany(_INSERT_DIALOGUE, rows.dialogues)
                conn.executemany(_INSERT_TURN, rows.turns)
                conn.executemany(_INSERT_DRAFT, rows.drafts)
                conn.executemany(_INSERT_LABEL, rows.labels)
                conn.executemany(_INSERT_CALL, paid)
                conn.executemany(_INSERT_CALL, rows.calls)
        except sqlite3.Error as exc:
            raise RuntimeFailure(f"{self.path}: could not save {len(records)} dialogues ({exc})") from exc

    def _check_targets(self, conn: sqlite3.Connection, records: Sequence[DialogueRecord]) -> None:
        by_run: dict[str, list[int]] = defaultdict(list)
        for r in records:
            by_run[r.run_id].append(r.index)
        known = {
            run_id
            for chunk in _chunks(list(by_run))
            for (run_id,) in conn.execute(
                f"SELECT run_id FROM runs WHERE run_id IN ({_marks(len(chunk))})", chunk
            )
        }
        for run_id, indices in by_run.items():
            if run_id not in known:
                raise RuntimeFailure(f"{self.path}: run {run_id} is not recorded; call ensure_run first")
            for chunk in _chunks(indices):
                done = conn.execute(
                    f"SELECT idx FROM dialogues WHERE run_id = ? AND status = 'complete'"
                    f" AND idx IN ({_marks(len(chunk))}) LIMIT 1",
                    (run_id, *chunk),
                ).fetchone()
                if done:
                    raise RuntimeFailure(
                        f"{self.path}: run {run_id} dialogue {done[0]} is already complete; not overwritten"
                    )

    # -- reading -----------------------------------------------------------------------------------

    def iter_dialogues(
        self, include: str = "approved", run_id: str | None = None
    ) -> Iterator[DialogueRecord]:
        """Stored dialogues in (run_id, index) order: approved complete ones, or with "all" every one."""
        for page in self.iter_pages(include, run_id):
            yield from page

    def iter_pages(
        self,
        include: str = "approved",
        run_id: str | None = None,
        page_size: int = PAGE_SIZE,
        *,
        lower: tuple[str, int] | None = None,
        upper: tuple[str, int] | None = None,
    ) -> Iterator[list[DialogueRecord]]:
        """Like `iter_dialogues`, a page of records at a time (a handful of queries per page); only the
        dialogues with `lower <= (run_id, idx) < upper` where those bounds are given."""
        where, params = self._selection(include, run_id)
        if upper is not None:
            where.append("(run_id, idx) < (?, ?)")
            params.extend(upper)
        last: tuple[str, int] | None = None
        while True:
            cond = list(where)
            if last is not None:
                cond.append("(run_id, idx) > (?, ?)")
            elif lower is not None:
                cond.append("(run_id, idx) >= (?, ?)")
            sql = f"SELECT {', '.join(_DIALOGUE_COLS)} FROM dialogues"
            if cond:
                sql += " WHERE " + " AND ".join(cond)
            bound = last or lower or ()
            rows = self.conn.execute(
                sql + " ORDER BY run_id, idx LIMIT ?", (*params, *bound, page_size)
            ).fetchall()
            if not rows:
                return
            try:
                page = self._rebuild(rows)
            except (ValueError, KeyError, TypeError) as exc:
                raise RuntimeFailure(
                    f"{self.path}: unreadable dialogue between {rows[0][0]} and {rows[-1][0]} ({exc})"
                ) from exc
            yield page
            last = (rows[-1][1], rows[-1][2])

    def split_keys(
        self, include: str = "approved", run_id: str | None = None, parts: int = 2, *, min_size: int = 1
    ) -> list[tuple[str, int]]:
        """The (run_id, idx) keys that cut the selected dialogues into `parts` runs of about equal size
        and at least `min_size` each (fewer runs when there are not enough), for `iter_pages(lower=...,
        upper=...)`."""
        where, params = self._selection(include, run_id)
        sql_where = (" WHERE " + " AND ".join(where)) if where else ""
        total = self.conn.execute(f"SELECT count(*) FROM dialogues{sql_where}", params).fetchone()[0]
        parts = min(parts, total // max(1, min_size))
        keys: list[tuple[str, int]] = []
        for k in range(1, parts):
            row = self.conn.execute(
                f"SELECT run_id, idx FROM dialogues{sql_where} ORDER BY run_id, idx LIMIT 1 OFFSET ?",
                (*params, total * k // parts),
            ).fetchone()
            if row is not None and (not keys or tuple(row) > keys[-1]):
                keys.append(tuple(row))
        return keys

    @staticmethod
    def _selection(include: str, run_id: str | None) -> tuple[list[str], list[object]]:
        """WHERE terms and parameters selecting the dialogues of `include` (and of one run)."""
        if include not in INCLUDE:
            raise BadInput(f"--include: {include!r} is not one of {', '.join(INCLUDE)}")
        where: list[str] = []
        params: list[object] = []
        if include == "approved":
            where.append("review_status = 'approved' AND status = 'complete'")
        if run_id is not None:
            where.append("run_id = ?")
            params.append(run_id)
        return where, params

    def latest_reviews(self, dialogue_ids: Sequence[str]) -> dict[str, dict]:
        """dialogue_id -> its current decision {reviewer, decided_at, decision, reason, note}: the latest
        `approved` or `rejected` row, unless an `undone` row came after it (edits and notes are not
        decisions)."""
        out: dict[str, dict] = {}
        for chunk in _chunks(dialogue_ids):
            rows = self.conn.execute(
                "SELECT dialogue_id, reviewer, decided_at, decision, reason, note FROM reviews"
                f" WHERE dialogue_id IN ({_marks(len(chunk))})"
                " AND decision IN ('approved', 'rejected', 'undone') ORDER BY id",
                chunk,
            )
            for did, reviewer, decided_at, decision, reason, note in rows:
                if decision == "undone":
                    out.pop(did, None)
                    continue
                out[did] = {
                    "reviewer": reviewer,
                    "decided_at": decided_at,
                    "decision": decision,
                    "reason": reason,
                    "note": note,
                }
        return out

    def dialogues_by_id(self, dialogue_ids: Sequence[str]) -> list[DialogueRecord]:
        """The stored dialogues with these ids (any status), in the order given; unknown ids are left out."""
        rows = []
        for chunk in _chunks(dialogue_ids):
            rows += self.conn.execute(
                f"SELECT {', '.join(_DIALOGUE_COLS)} FROM dialogues"
                f" WHERE dialogue_id IN ({_marks(len(chunk))})",
                chunk,
            ).fetchall()
        try:
            by_id = {r.dialogue_id: r for r in self._rebuild(rows)} if rows else {}
        except (ValueError, KeyError, TypeError) as exc:
            raise RuntimeFailure(
                f"{self.path}: unreadable dialogue among {dialogue_ids[:3]} ({exc})"
            ) from exc
        return [by_id[did] for did in dialogue_ids if did in by_id]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = (
            "runs",
            "problems",
            "dialogues",
            "turns",
            "drafts",
            "generator_labels",
            "reviews",
            "llm_calls",
        )
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def _children(self, table: str, cols: tuple[str, ...], ids: list[str]) -> dict[str, list[tuple]]:
        """dialogue_id -> its rows of `table` in insertion order."""
        out: dict[str, list[tuple]] = defaultdict(list)
        for chunk in _chunks(ids):
            rows = self.conn.execute(
                f"SELECT dialogue_id, {', '.join(cols)} FROM {table}"
                f" WHERE dialogue_id IN ({_marks(len(chunk))}) ORDER BY rowid",
                chunk,
            )
            for row in rows:
                out[row[0]].append(row[1:])
        return out

    def _problems(self, problem_ids: list[str]) -> dict[str, Problem]:
        out: dict[str, Problem] = {}
        for chunk in _chunks(problem_ids):
            rows = self.conn.execute(
                f"SELECT {', '.join(_PROBLEM_COLS)} FROM problems WHERE problem_id IN ({_marks(len(chunk))})",
                chunk,
            )
            for row in rows:
                out[row[0]] = Problem.model_validate(_decoded(_PROBLEM_COLS, row))
        return out

    def _rebuild(self, rows: list[tuple]) -> list[DialogueRecord]:
        """Records from a page of dialogue rows, with one query per child table for the whole page."""
        ids = [row[0] for row in rows]
        problems = self._problems(sorted({row[3] for row in rows}))
        turns = self._children("turns", _TURN_COLS, ids)
        drafts = self._children("drafts", _DRAFT_COLS, ids)
        labels = self._children("generator_labels", _LABEL_COLS, ids)
        calls = self._children("llm_calls", _CALL_COLS, ids)
        records = []
        for row in rows:
            d = _decoded(_DIALOGUE_COLS, row)
            did = d["dialogue_id"]
            d["usage"]["calls"] = [_call_dict(c) for c in calls.get(did, ())]
            records.append(
                DialogueRecord(
                    index=d.pop("idx"),
                    problem=problems[d.pop("problem_id")],
                    turns=_turns(turns.get(did, ()), drafts.get(did, ())),
                    labels=[GeneratorLabel(*label) for label in labels.get(did, ())],
                    **d,
                )
            )
        return records


def _decoded(cols: tuple[str, ...], row: tuple) -> dict:
    """A row as a dict; `x_json` columns are decoded and named `x`."""
    return {
        name: _loads(v) if is_json else v for (name, is_json), v in zip(_column_names(cols), row, strict=True)
    }


@functools.cache
def _column_names(cols: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """(name, holds JSON) per column: `x_json` is named `x`."""
    return tuple((c.removesuffix("_json"), c.endswith("_json")) for c in cols)


def _turns(turn_rows: Sequence[tuple], draft_rows: Sequence[tuple]) -> list[Turn]:
    by_turn: dict[int, list[Draft]] = defaultdict(list)
    for turn_index, text, status, claims, flags, critic, forced in draft_rows:
        verdict = _verdict(status, claims, flags)
        by_turn[turn_index].append(Draft(text, verdict, _loads(critic), bool(forced)))
    return [
        Turn(
            index,
            role,
            text,
            act,
            _verdict(status, claims, flags),
            by_turn.get(index, []),
            _loads(critic),
            _loads(work),
            move,
            target,
        )
        for index, role, text, act, status, claims, flags, critic, work, move, target in turn_rows
    ]


def _verdict(status: str, claims: int, flags_json: str) -> TurnVerdict:
    if flags_json == "[]":  # most turns: no parsing
        return TurnVerdict(status, [], claims)  # type: ignore[arg-type]
    flags = [Flag.from_dict(f) for f in _loads(flags_json)]
    return TurnVerdict(status, flags, claims)  # type: ignore[arg-type]


class _Rows:
    """The rows of a batch of records, built before the transaction opens."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, int]] = []
        self.problems: dict[str, tuple] = {}
        self.dialogues: list[tuple] = []
        self.turns: list[tuple] = []
        self.drafts: list[tuple] = []
        self.labels: list[tuple] = []
        self.calls: list[tuple] = []

    def add(self, r: DialogueRecord) -> None:
        did = r.dialogue_id
        p = r.problem
        self.keys.append((r.run_id, r.index))
        self.problems[p.problem_id] = (
            p.problem_id,
            p.source,
            p.family,
            p.subject,
            p.difficulty,
            p.seed,
            p.statement,
            p.answer,
            _json(p.unknowns, "[]"),
            p.answer_unit,
            _json([s.model_dump() for s in p.steps], "[]"),
            _json(p.meta, "{}"),
        )
        usage = {k: v for k, v in r.usage.items() if k != "calls"}
        self.dialogues.append(
            (
                did,
                r.run_id,
                r.index,
                p.problem_id,
                r.teacher,
                r.student,
                r.critic,
                _json(r.persona_versions, "{}"),
                r.backend,
                _json(r.models, "{}"),
                r.seed,
                r.status,
                r.end_reason,
                redact_text(r.error),
                r.review_status,
                _json(r.review_reasons, "[]"),
                _dumps(r.verdict_summary()),
                len(r.turns),
                float(r.started_at),
                float(r.finished_at),
                _json(usage, "{}"),
                _json(r.meta, "{}"),
            )
        )
        for t in r.turns:
            v = t.verdict
            self.turns.append(
                (
                    did,
                    t.index,
                    t.role,
                    t.text,
                    t.act,
                    v.status,
                    v.claims,
                    _json([f.to_dict() for f in v.flags], "[]"),
                    _json(t.critic, "{}"),
                    _json(t.work, "{}"),
                    t.move,
                    t.target,
                )
            )
            for n, d in enumerate(t.drafts):
                dv = d.verdict
                self.drafts.append(
                    (
                        did,
                        t.index,
                        n,
                        d.text,
                        dv.status,
                        dv.claims,
                        _json([f.to_dict() for f in dv.flags], "[]"),
                        _json(d.critic, "{}"),
                        int(d.forced_by_verifier),
                    )
                )
        for label in r.labels:
            self.labels.append((did, label.turn, label.role, label.kind, label.misconception, label.detail))
        for call in r.usage.get("calls", ()):
            self.calls.append(_call_row(did, call, r.finished_at))


def _call_row(dialogue_id: str, call: dict, finished_at: float) -> tuple:
    """One `llm_calls` row: the CALL_SPEC fields only, errors scrubbed of anything like a key."""
    values: list[object] = [dialogue_id]
    for name, kind, default in CALL_SPEC:
        value = call.get(name)
        if value is None:
            value = finished_at if name == "created_at" else default
        if kind is list:
            values.append(redact_text(_json(list(value), "[]")))
        elif kind is str:
            values.append(redact_text(str(value)))
        else:
            values.append(kind(value))
    return tuple(values)


def _earlier_calls(conn: sqlite3.Connection, dialogue_ids: list[str]) -> list[tuple]:
    """The stored `llm_calls` rows of these dialogues (failed attempts about to be replaced), in order."""
    rows: list[tuple] = []
    for chunk in _chunks(dialogue_ids):
        rows += conn.execute(
            f"SELECT dialogue_id, {', '.join(_CALL_COLS)} FROM llm_calls"
            f" WHERE dialogue_id IN ({_marks(len(chunk))}) ORDER BY id",
            chunk,
        ).fetchall()
    return rows


def _call_dict(row: tuple) -> dict:
    out = {}
    for (name, kind, _), value in zip(CALL_SPEC, row, strict=True):
        out[name] = _loads(value) if kind is list else bool(value) if kind is bool else value
    return out


@contextmanager
def database_errors(path: Path) -> Iterator[None]:
    """Around a command's use of the database at `path`: SQLite finding it damaged (or failing another
    way) is bad input naming the file, with how to recover what it holds, not a traceback."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        if any(word in message for word in ("malformed", "not a database", "corrupt")):
            raise BadInput(
                f"{path}: the database is damaged ({message}); recover what it holds with "
                f"`sqlite3 {path} .recover | sqlite3 recovered.db` and use recovered.db"
            ) from None
        raise RuntimeFailure(f"{path}: the database failed ({message})") from None


@contextmanager
def created_for(path: Path) -> Iterator[None]:
    """Around a command that may create the database at `path`: when it fails before storing anything
    (no dialogue, no cached reply), the file it created is removed, so a rejected command leaves none."""
    fresh = not os.path.lexists(path)
    try:
        yield
    except BaseException:
        if fresh and os.path.lexists(path):
            _remove_if_unused(path)
        raise


def _remove_if_unused(path: Path) -> None:
    try:
        conn = sqlite3.connect(path)
        try:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            used = sum(
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("dialogues", "llm_cache")
                if table in tables
            )
        finally:
            conn.close()
    except sqlite3.Error:
        return
    if not used:
        for file in database_files(path):
            file.unlink(missing_ok=True)


def _check_path(path: Path, create: bool) -> None:
    """Refuse, before SQLite touches anything, a path that cannot be (or is not) a database file."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a database file")
    if not path.exists():
        if not create:
            raise BadInput(f"{path}: no such database")
        parent = path.parent
        if not parent.is_dir():
            raise BadInput(f"{path}: directory {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise BadInput(f"{path}: directory {parent} is not writable")
        return
    try:
        header = read_regular(path, len(SQLITE_MAGIC), head=True)
    except InputError as exc:
        raise BadInput(f"{path}: {exc}") from None
    if header and header != SQLITE_MAGIC:
        raise BadInput(f"{path}: not a SQLite database")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        raise BadInput(f"{path}: the database or its directory is not writable")


def _check_schema(conn: sqlite3.Connection, path: Path) -> bool:
    """True for an empty database (to be created); BadInput for anything but a compatible tutorforge one."""
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{path}: not a SQLite database ({exc})") from exc
    if not tables:
        return True
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    except sqlite3.Error:
        meta = {}
    if meta.get("app") != APP:
        raise BadInput(f"{path}: not a tutorforge database")
    version = meta.get("schema_version", "")
    if version.isdigit() and int(version) in MIGRATIONS:
        _migrate(conn, path)
        return False
    if version != str(SCHEMA_VERSION):
        newer = version.isdigit() and int(version) > SCHEMA_VERSION
        raise BadInput(
            f"{path}: database schema version {version or '?'} "
            + ("is newer than this tutorforge" if newer else "is not supported")
            + f" (tutorforge {__version__} reads version {SCHEMA_VERSION})"
        )
    return False


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring an older database to SCHEMA_VERSION in one transaction (unless another process just did)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
        while version in MIGRATIONS:
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            version += 1
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        raise BadInput(f"{path}: cannot upgrade the database schema ({exc})") from exc
    conn.execute("COMMIT")
