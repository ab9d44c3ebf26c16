"""Reading the review trail: the `reviews` table is append-only, and a dialogue's current state (its
decision, the text of each edited turn) is folded from its rows in id order.

Row kinds (`decision`): `approved` and `rejected` decide; `undone` takes back the decision it names in
`undoes`; `edited` replaces one turn's text (`edits_json`: `[{turn, text, previous, original}]`, the
original stays in `turns`); `note` holds a remark.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutorforge.problems.model import Problem
from tutorforge.storage.record import DialogueRecord

if TYPE_CHECKING:
    from tutorforge.verifiers.types import VerifyContext

DECISIONS = ("approved", "rejected")
_CHUNK = 500


@dataclass(frozen=True)
class TurnEdit:
    """The current text of an edited turn, who edited it last and when, and the generated original."""

    turn: int
    text: str
    original: str
    reviewer: str
    edited_at: float

    def to_dict(self) -> dict:
        return {
            "turn_index": self.turn,
            "text": self.text,
            "original_text": self.original,
            "reviewer": self.reviewer,
            "edited_at": self.edited_at,
        }


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def current_edits(conn: sqlite3.Connection, dialogue_ids: Sequence[str]) -> dict[str, dict[int, TurnEdit]]:
    """dialogue_id -> turn index -> its edit, for turns whose current text differs from the original."""
    out: dict[str, dict[int, TurnEdit]] = {}
    for chunk in _chunks(list(dialogue_ids)):
        rows = conn.execute(
            "SELECT dialogue_id, reviewer, decided_at, edits_json FROM reviews"
            f" WHERE dialogue_id IN ({','.join('?' * len(chunk))}) AND edits_json != '[]' ORDER BY id",
            chunk,
        )
        for did, reviewer, at, edits_json in rows:
            turns = out.setdefault(did, {})
            for e in json.loads(edits_json):
                turns[int(e["turn"])] = TurnEdit(int(e["turn"]), e["text"], e["original"], reviewer, at)
    for did in list(out):
        out[did] = {i: e for i, e in sorted(out[did].items()) if e.text != e.original}
        if not out[did]:
            del out[did]
    return out


def verify_context(problem: Problem) -> VerifyContext:
    """What the verifier is told about a stored dialogue's problem, as during generation (no turns yet)."""
    from tutorforge.verifiers.types import VerifyContext

    steps = [step.claim for step in problem.steps]
    return VerifyContext(
        problem.statement, problem.answer, list(problem.unknowns), subject=problem.subject, steps=steps
    )


def apply_edits(record: DialogueRecord, edits: dict[int, TurnEdit]) -> None:
    """Give the record's edited turns their current text and the verifier's verdict on that text (the
    turns before each one as its history, as during generation)."""
    if not edits:
        return
    from tutorforge.verifiers import verify_turn
    from tutorforge.verifiers.types import PriorTurn

    ctx = verify_context(record.problem)
    for turn in record.turns:
        edit = edits.get(turn.index)
        if edit is not None:
            turn.text = edit.text
            turn.verdict = verify_turn(edit.text, turn.role, ctx)
        ctx.history.append(PriorTurn(turn.role, turn.text, turn.verdict))


def current_decision(conn: sqlite3.Connection, dialogue_id: str) -> tuple[int, str, str, float] | None:
    """The current decision row (id, decision, reviewer, decided_at) of a dialogue, or None."""
    row = conn.execute(
        "SELECT id, decision, reviewer, decided_at FROM reviews WHERE dialogue_id = ?"
        " AND decision IN ('approved', 'rejected', 'undone') ORDER BY id DESC LIMIT 1",
        (dialogue_id,),
    ).fetchone()
    return None if row is None or row[1] == "undone" else row


def history(conn: sqlite3.Connection, dialogue_id: str) -> list[dict]:
    """Every review row of a dialogue, oldest first."""
    rows = conn.execute(
        "SELECT id, reviewer, decided_at, decision, reason, note, edits_json, undoes FROM reviews"
        " WHERE dialogue_id = ? ORDER BY id",
        (dialogue_id,),
    )
    return [
        {
            "id": rid,
            "reviewer": reviewer,
            "decided_at": at,
            "decision": decision,
            "reason": reason,
            "note": note,
            "edits": json.loads(edits_json),
            "undoes": undoes,
        }
        for rid, reviewer, at, decision, reason, note, edits_json, undoes in rows
    ]
