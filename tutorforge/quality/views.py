"""The part of a dialogue the quality metrics read, from a stored record or from another corpus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from tutorforge.storage.record import DialogueRecord

Move = str  # "ask" | "tell" | "other"
NO_FLAGS: frozenset[str] = frozenset()

# MathDial's teacher moves (stored on teacher turns, tagged in MathDial) and whether each asks or tells.
TAG_MOVES: dict[str, Move] = {"focus": "ask", "probing": "ask", "telling": "tell", "generic": "other"}

# The scripted backend's teacher acts and their moves. LLM turns (acts "open", "respond", "close" that
# say where a turn stands, not what it does) are classified from their text.
SCRIPTED_MOVES: dict[str, Move] = {
    "open": "ask",
    "praise_next": "ask",
    "hint": "ask",
    "reveal": "tell",
    "close": "other",
}


class TurnView(NamedTuple):
    """One spoken turn: role, text, its move when known (an act or a move tag), its flag kinds, and its
    MathDial move tag (focus, probing, telling, generic) when it has one."""

    role: str  # teacher | student
    text: str
    move: Move | None = None
    flags: frozenset[str] = NO_FLAGS
    tag: str = ""


@dataclass(frozen=True, slots=True)
class DialogueView:
    """A dialogue as the metrics see it.

    `solved`: True when the source says the student reached the answer (end reason `solved`, MathDial's
    self-correctness), False when it says not, None when it does not say. `held`: the student's
    misconceptions (None when the source does not say); `shown`: those its turns carried (generator
    labels); `attempt_first`: the dialogue opens from the student's own attempt; `review_status`: as stored.
    """

    dialogue_id: str
    answer: str
    problem: str
    turns: tuple[TurnView, ...]
    solved: bool | None = None
    complete: bool = True
    family: str = ""
    subject: str = ""
    personas: dict[str, str] = field(default_factory=dict)
    held: tuple[str, ...] | None = None
    shown: frozenset[str] = NO_FLAGS
    attempt_first: bool = False
    review_status: str = ""


def view_of_record(record: DialogueRecord) -> DialogueView:
    """The view of a stored dialogue (teacher and student turns only)."""
    moves = SCRIPTED_MOVES if record.backend == "scripted" else {}
    held = record.meta.get("held")
    return DialogueView(
        dialogue_id=record.dialogue_id,
        answer=record.problem.answer,
        problem=record.problem.statement,
        turns=tuple(
            TurnView(
                t.role,
                t.text,
                (TAG_MOVES.get(t.move) or moves.get(t.act)) if t.role == "teacher" else None,
                frozenset(f.kind for f in t.verdict.flags) if t.verdict.flags else NO_FLAGS,
                t.move,
            )
            for t in record.turns
            if t.role in ("teacher", "student")
        ),
        solved=record.end_reason == "solved" if record.status == "complete" else None,
        complete=record.status == "complete",
        family=record.problem.family,
        subject=record.problem.subject,
        personas={"teacher": record.teacher, "student": record.student, "critic": record.critic},
        held=None if held is None else tuple(held),
        shown=frozenset(
            lb.misconception
            for lb in record.labels
            if lb.kind == "student_misconception" and lb.role == "student"
        )
        & frozenset(held or ()),
        attempt_first=bool(record.turns) and record.turns[0].role == "student",
        review_status=record.review_status,
    )
