"""The LLM teacher's reply: a short hidden plan (its move and the error it targets) and the message.

Moves follow MathDial's taxonomy of teacher moves (Macina et al., 2023):

- focus: points the student at one step, quantity or rule to look at next ("Look at the 3 in 3x.");
- probing: asks the student to explain or check their own reasoning ("How did you get 20?");
- telling: states a step's result, a correction or the answer;
- generic: anything else (greeting, encouragement, closing).

The plan travels as structured output (`PLAN_SCHEMA`) and is stored on the turn as `Turn.move` and
`Turn.target`; only `message` becomes the turn's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutorforge.llm.base import Schema
from tutorforge.llm.critique import extract_json

MOVES = ("focus", "probing", "telling", "generic")
MAX_TARGET_CHARS = 80

PLAN_SCHEMA = Schema(
    "tutor_turn",
    {
        "type": "object",
        "properties": {
            "move": {"type": "string", "enum": list(MOVES)},
            "target": {"type": "string"},
            "message": {"type": "string"},
        },
        "required": ["move", "target", "message"],
        "additionalProperties": False,
    },
    "The tutor's hidden plan for this turn (its move and the student error it targets) and its message.",
)
_TARGET_SPACE = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class TeacherPlan:
    move: str  # one of MOVES, or "" when the reply had no usable plan
    target: str  # the error addressed, as a short kebab-case name ("" for none)
    message: str


def normalise_target(text: str) -> str:
    """The target as a short kebab-case name ("sign-slip", "false-arithmetic"); "" for none."""
    name = _TARGET_SPACE.sub("-", text[: MAX_TARGET_CHARS * 2].lower()).strip("-")[:MAX_TARGET_CHARS]
    return "" if name in ("none", "n-a", "na", "no-error", "nothing") else name


def parse_plan(text: str) -> TeacherPlan | None:
    """The plan in a reply (native structured output or a JSON object in the text); None when the reply
    holds no object with a non-empty `message`. An unknown move is kept as "" rather than guessed."""
    data = extract_json(text)
    if data is None or not isinstance(data.get("message"), str) or not data["message"].strip():
        return None
    move = str(data.get("move") or "").strip().lower()
    target = data.get("target")
    return TeacherPlan(
        move if move in MOVES else "",
        normalise_target(target) if isinstance(target, str) else "",
        data["message"].strip(),
    )
