"""The review queue in the SQLite store: pending dialogues in priority order, one lease per dialogue,
and every decision, edit and note as one transaction appended to the `reviews` trail.

Several reviewers (processes) can work on one database: a reviewer's session holds at most one lease;
a lease expires `lease_seconds` after it was last renewed, so a crashed reviewer's dialogue returns to
the queue; a decision succeeds only on a pending dialogue that no other session holds.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.review.policy import QUEUE_ORDER, priority, priority_sql
from tutorforge.review.trail import TurnEdit, current_decision, current_edits, history
from tutorforge.storage.record import DialogueRecord
from tutorforge.storage.store import Store

LEASE_SECONDS = 120.0
MAX_TEXT = 20_000  # characters in an edited turn, a reason or a note

# Pending complete dialogues, walked in priority order through the `dialogues_queue` partial index.
_QUEUE_FROM = (
    "FROM dialogues AS d INDEXED BY dialogues_queue"
    " LEFT JOIN review_leases AS l ON l.dialogue_id = d.dialogue_id AND l.expires_at > ?"
)
_QUEUE_WHERE = "d.review_status = 'pending' AND d.status = 'complete'"
_QUEUE_ORDER = f"ORDER BY {priority_sql('d.review_reasons_json')}, d.run_id, d.idx"


class ReviewConflict(RuntimeFailure):
    """The dialogue is held by another reviewer, already decided, or changed since."""


@dataclass(frozen=True)
class QueueFilter:
    """Only dialogues with a verifier flag of this kind (`flag`) or queued for this reason (`reason`)."""

    field: Literal["flag", "reason"]
    value: str

    @property
    def label(self) -> str:
        return f"{self.field}: {self.value}"

    def sql(self) -> str:
        if self.field == "flag":
            return "EXISTS (SELECT 1 FROM json_each(d.verdict_summary_json, '$.flags') WHERE key = ?)"
        return "EXISTS (SELECT 1 FROM json_each(d.review_reasons_json) WHERE value = ?)"


@dataclass(frozen=True)
class QueueItem:
    """One pending dialogue as the queue lists it."""

    dialogue_id: str
    reasons: list[str]
    priority: int
    flags: dict[str, int]
    held_by: str  # the reviewer holding a live lease, "" when free

    def to_dict(self) -> dict:
        return {
            "dialogue_id": self.dialogue_id,
            "reasons": self.reasons,
            "priority": self.priority,
            "flags": self.flags,
            "held_by": self.held_by,
        }


@dataclass
class ReviewItem:
    """A dialogue under review: the stored record (original texts), its current edits and its trail."""

    record: DialogueRecord
    edits: dict[int, TurnEdit]
    history: list[dict]


def _text(value: str, what: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise BadInput(f"{what}: must not be empty")
    if len(value) > MAX_TEXT:
        raise BadInput(f"{what}: {len(value)} characters, at most {MAX_TEXT}")
    return value


class ReviewSession:
    """One reviewer's session on a store: lists the queue, holds one lease, records decisions."""

    def __init__(
        self,
        store: Store,
        reviewer: str,
        *,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.reviewer = reviewer
        self.holder = uuid.uuid4().hex
        self.lease_seconds = lease_seconds
        self.clock = clock

    # -- the queue ---------------------------------------------------------------------------------

    def items(self, filt: QueueFilter | None = None, limit: int | None = None) -> list[QueueItem]:
        """Pending dialogues in priority order (teacher errors first), with who holds each."""
        where, params = self._where(filt)
        rows = self.store.conn.execute(
            "SELECT d.dialogue_id, d.review_reasons_json, d.verdict_summary_json, l.reviewer"
            f" {_QUEUE_FROM} WHERE {where} {_QUEUE_ORDER} LIMIT ?",
            (self.clock(), *params, -1 if limit is None else limit),
        )
        out = []
        for did, reasons_json, summary_json, holder in rows:
            reasons = json.loads(reasons_json)
            flags = json.loads(summary_json).get("flags", {})
            out.append(QueueItem(did, reasons, priority(reasons), flags, holder or ""))
        return out

    def count(self, filt: QueueFilter | None = None) -> int:
        """How many dialogues are pending (under the filter)."""
        where, params = self._where(filt)
        sql = f"SELECT count(*) FROM dialogues AS d INDEXED BY dialogues_queue WHERE {where}"
        return self.store.conn.execute(sql, params).fetchone()[0]

    def by_priority(self) -> list[tuple[str, int]]:
        """Pending dialogues counted by their first (most urgent) reason, in queue order; read from the
        queue index alone, so cheap however long the queue."""
        rows = self.store.conn.execute(
            f"SELECT {priority_sql('d.review_reasons_json')}, count(*)"
            f" FROM dialogues AS d INDEXED BY dialogues_queue WHERE {_QUEUE_WHERE} GROUP BY 1 ORDER BY 1"
        )
        return [(QUEUE_ORDER[n - 1] if n <= len(QUEUE_ORDER) else "other", count) for n, count in rows]

    def filters(self) -> list[tuple[QueueFilter, int]]:
        """The filters that match something pending, each with its count: reasons, then flag kinds."""
        q = self.store.conn.execute
        reasons = q(
            "SELECT r.value, count(*) FROM dialogues AS d INDEXED BY dialogues_queue,"
            f" json_each(d.review_reasons_json) AS r WHERE {_QUEUE_WHERE} GROUP BY 1"
        ).fetchall()
        flags = q(
            "SELECT f.key, count(*) FROM dialogues AS d INDEXED BY dialogues_queue,"
            f" json_each(d.verdict_summary_json, '$.flags') AS f WHERE {_QUEUE_WHERE} GROUP BY 1 ORDER BY 1"
        ).fetchall()
        by_reason = sorted(reasons, key=lambda r: (priority([r[0]]), r[0]))
        return [(QueueFilter("reason", k), n) for k, n in by_reason] + [
            (QueueFilter("flag", k), n) for k, n in flags
        ]

    def _where(self, filt: QueueFilter | None) -> tuple[str, list]:
        if filt is None:
            return _QUEUE_WHERE, []
        return f"{_QUEUE_WHERE} AND {filt.sql()}", [filt.value]

    # -- leases ------------------------------------------------------------------------------------

    def claim(self, dialogue_id: str) -> None:
        """Hold the dialogue (releasing any other this session holds); ReviewConflict if it cannot be."""
        with self.store.transaction() as conn:
            self._take(conn, dialogue_id)
            self._lease(conn, dialogue_id)

    def claim_next(self, filt: QueueFilter | None = None, exclude: Sequence[str] = ()) -> str | None:
        """Hold the first pending dialogue no one else holds (under the filter, not in `exclude`)."""
        where, params = self._where(filt)
        with self.store.transaction() as conn:
            row = conn.execute(
                f"SELECT d.dialogue_id {_QUEUE_FROM} WHERE {where}"
                " AND (l.holder IS NULL OR l.holder = ?)"
                " AND d.dialogue_id NOT IN (SELECT value FROM json_each(?))"
                f" {_QUEUE_ORDER} LIMIT 1",
                (self.clock(), *params, self.holder, json.dumps(list(exclude))),
            ).fetchone()
            if row is None:
                self._release(conn)
                return None
            self._lease(conn, row[0])
        return row[0]

    def renew(self) -> bool:
        """Extend this session's lease; False when it has none (never taken, released, or lost)."""
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE review_leases SET expires_at = ? WHERE holder = ?",
                (self.clock() + self.lease_seconds, self.holder),
            )
        return cur.rowcount > 0

    def held(self) -> str | None:
        """The dialogue this session holds, if any."""
        row = self.store.conn.execute(
            "SELECT dialogue_id FROM review_leases WHERE holder = ?", (self.holder,)
        ).fetchone()
        return row[0] if row else None

    def release(self) -> None:
        """Give back this session's lease."""
        with self.store.transaction() as conn:
            self._release(conn)

    def _release(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM review_leases WHERE holder = ?", (self.holder,))

    def _lease(self, conn: sqlite3.Connection, dialogue_id: str) -> None:
        now = self.clock()
        conn.execute(
            "DELETE FROM review_leases WHERE holder = ? AND dialogue_id != ?", (self.holder, dialogue_id)
        )
        conn.execute(
            "INSERT INTO review_leases VALUES (?,?,?,?,?) ON CONFLICT (dialogue_id) DO UPDATE SET"
            " reviewer = excluded.reviewer, holder = excluded.holder,"
            " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at",
            (dialogue_id, self.reviewer, self.holder, now, now + self.lease_seconds),
        )

    def _take(self, conn: sqlite3.Connection, dialogue_id: str, *, pending: bool = True) -> None:
        """Inside a transaction: check the dialogue exists, is complete and (with `pending`) still
        pending, and that no other session holds a live lease on it."""
        row = conn.execute(
            "SELECT status, review_status FROM dialogues WHERE dialogue_id = ?", (dialogue_id,)
        ).fetchone()
        if row is None:
            raise BadInput(f"{self.store.path}: no dialogue {dialogue_id!r}")
        status, review_status = row
        if status != "complete":
            raise BadInput(f"dialogue {dialogue_id} failed during generation; rerun generate to redo it")
        if pending and review_status != "pending":
            decision = current_decision(conn, dialogue_id)
            by = (
                f" by {decision[2]} at {time.strftime('%Y-%m-%d %H:%M', time.localtime(decision[3]))}"
                if decision
                else " by the review policy"
            )
            raise ReviewConflict(f"dialogue {dialogue_id} is already {review_status}{by}")
        lease = conn.execute(
            "SELECT holder, reviewer FROM review_leases WHERE dialogue_id = ? AND expires_at > ?",
            (dialogue_id, self.clock()),
        ).fetchone()
        if lease and lease[0] != self.holder:
            raise ReviewConflict(f"dialogue {dialogue_id} is held by {lease[1]}")

    # -- decisions ---------------------------------------------------------------------------------

    def approve(self, dialogue_id: str, note: str = "") -> int:
        """Approve a pending dialogue (one transaction); returns the review row's id."""
        return self._decide(dialogue_id, "approved", "", _text(note, "note", required=False))

    def reject(self, dialogue_id: str, reason: str, note: str = "") -> int:
        """Reject a pending dialogue with a reason (one transaction); returns the review row's id."""
        reason = _text(reason, "reason", required=True)
        return self._decide(dialogue_id, "rejected", reason, _text(note, "note", required=False))

    def _decide(self, dialogue_id: str, decision: str, reason: str, note: str) -> int:
        with self.store.transaction() as conn:
            self._take(conn, dialogue_id)
            review_id = self._append(conn, dialogue_id, decision, reason=reason, note=note)
            conn.execute(
                "UPDATE dialogues SET review_status = ? WHERE dialogue_id = ?", (decision, dialogue_id)
            )
            conn.execute("DELETE FROM review_leases WHERE dialogue_id = ?", (dialogue_id,))
        return review_id

    def edit(self, dialogue_id: str, turn_index: int, text: str) -> int | None:
        """Replace a turn's text in a pending dialogue (the original stays in `turns`); returns the review
        row's id, or None when the text is unchanged."""
        text = _text(text, f"turn {turn_index}", required=True)
        with self.store.transaction() as conn:
            self._take(conn, dialogue_id)
            row = conn.execute(
                "SELECT text FROM turns WHERE dialogue_id = ? AND turn_index = ?", (dialogue_id, turn_index)
            ).fetchone()
            if row is None:
                raise BadInput(f"dialogue {dialogue_id} has no turn {turn_index}")
            original = row[0]
            edit = current_edits(conn, [dialogue_id]).get(dialogue_id, {}).get(turn_index)
            previous = edit.text if edit else original
            if text == previous:
                return None
            change = {"turn": turn_index, "text": text, "previous": previous, "original": original}
            review_id = self._append(conn, dialogue_id, "edited", edits=[change])
            self._lease(conn, dialogue_id)
        return review_id

    def note(self, dialogue_id: str, text: str) -> int:
        """Attach a note to a pending dialogue; returns the review row's id."""
        text = _text(text, "note", required=True)
        with self.store.transaction() as conn:
            self._take(conn, dialogue_id)
            return self._append(conn, dialogue_id, "note", note=text)

    def undo(self, review_id: int) -> str:
        """Take back this reviewer's decision or edit `review_id` (appending a row that says so); the
        dialogue is pending again and held by this session. Returns the dialogue id."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT dialogue_id, reviewer, decision, edits_json FROM reviews WHERE id = ?", (review_id,)
            ).fetchone()
            if row is None or row[1] != self.reviewer:
                raise ReviewConflict(f"review {review_id} is not one of {self.reviewer}'s")
            dialogue_id, _, decision, edits_json = row
            if decision in ("approved", "rejected"):
                current = current_decision(conn, dialogue_id)
                if current is None or current[0] != review_id:
                    raise ReviewConflict(f"dialogue {dialogue_id} was decided again since; not undone")
                self._take(conn, dialogue_id, pending=False)
                self._append(conn, dialogue_id, "undone", reason=decision, undoes=review_id)
                conn.execute(
                    "UPDATE dialogues SET review_status = 'pending' WHERE dialogue_id = ?", (dialogue_id,)
                )
            elif decision == "edited":
                self._take(conn, dialogue_id)
                edits = current_edits(conn, [dialogue_id]).get(dialogue_id, {})
                restore = []
                for e in json.loads(edits_json):
                    now = edits[e["turn"]].text if e["turn"] in edits else e["original"]
                    if now != e["text"]:
                        raise ReviewConflict(f"turn {e['turn']} of {dialogue_id} was edited again since")
                    restore.append({**e, "text": e["previous"], "previous": e["text"]})
                self._append(conn, dialogue_id, "edited", edits=restore, undoes=review_id)
            else:
                raise ReviewConflict(f"review {review_id} is a {decision}, which cannot be undone")
            self._lease(conn, dialogue_id)
        return dialogue_id

    def _append(
        self,
        conn: sqlite3.Connection,
        dialogue_id: str,
        decision: str,
        *,
        reason: str = "",
        note: str = "",
        edits: list[dict] | None = None,
        undoes: int | None = None,
    ) -> int:
        cur = conn.execute(
            "INSERT INTO reviews (dialogue_id, reviewer, decided_at, decision, reason, note, edits_json,"
            " undoes) VALUES (?,?,?,?,?,?,?,?)",
            (
                dialogue_id,
                self.reviewer,
                self.clock(),
                decision,
                reason,
                note,
                json.dumps(edits or [], ensure_ascii=False),
                undoes,
            ),
        )
        return int(cur.lastrowid)

    # -- reading -----------------------------------------------------------------------------------

    def load(self, dialogue_id: str) -> ReviewItem:
        """The dialogue with its current edits and review trail."""
        records = self.store.dialogues_by_id([dialogue_id])
        if not records:
            raise BadInput(f"{self.store.path}: no dialogue {dialogue_id!r}")
        conn = self.store.conn
        return ReviewItem(
            records[0], current_edits(conn, [dialogue_id]).get(dialogue_id, {}), history(conn, dialogue_id)
        )
