"""The part of a dialogue the quality metrics read, from a stored record or from another corpus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from tutorforge.dialogues.record import DialogueRecord

Move = str  # "ask" | "tell" | "other"
NO_FLAGS: frozenset[str] = frozenset()

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
    """One spoken turn: role, text, its move when known (an act or a move tag), its flag kinds."""

    role: str  # teacher | student
    text: str
    move: Move | None = None
    flags: frozenset[str] = NO_FLAGS


@dataclass(frozen=True, slots=True)
class DialogueView:
    """A dialogue as the metrics see it.

    `solved`: True when the source says the student reached the answer (end reason `solved`, MathDial's
    self-correctness), False when it says not, None when it does not say.
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


def view_of_record(record: DialogueRecord) -> DialogueView:
    """The view of a stored dialogue (teacher and student turns only)."""
    moves = SCRIPTED_MOVES if record.backend == "scripted" else {}
    return DialogueView(
        dialogue_id=record.dialogue_id,
        answer=record.problem.answer,
        problem=record.problem.statement,
        turns=tuple(
            TurnView(
                t.role,
                t.text,
                moves.get(t.act) if t.role == "teacher" else None,
                frozenset(f.kind for f in t.verdict.flags) if t.verdict.flags else NO_FLAGS,
            )
            for t in record.turns
            if t.role in ("teacher", "student")
        ),
        solved=record.end_reason == "solved" if record.status == "complete" else None,
        complete=record.status == "complete",
        family=record.problem.family,
        subject=record.problem.subject,
        personas={"teacher": record.teacher, "student": record.student, "critic": record.critic},
    )
