"""Teacher errors for faulty teacher personas in LLM mode, injected by code into the model's draft.

A model asked to "sometimes get a number wrong" mostly does not (its other instructions tell it to
check every number), and when it does nobody knows where. Here the model writes a careful turn and, with
the persona's `error_rate`, code changes it: `false_arithmetic` nudges the result of the last `... = N` in
the draft by 1 to 3; `affirms_wrong_answer`, after a student turn the verifier found wrong, replaces the
draft by a plain confirmation. Each injected error is a `GeneratorLabel` on the turn.
"""

from __future__ import annotations

import random
import re

from tutorforge.dialogues.agents import DialogueView
from tutorforge.llm.scripted_phrases import AFFIRM_WRONG
from tutorforge.storage.record import GeneratorLabel

MAX_SCAN_CHARS = 4000  # a teacher turn is a few sentences; nothing past this is scanned
_RESULT = re.compile(r"=\s*\$?(\d{1,9})(?!\d|[.,/]\d)")  # a whole integer, not 1.5, 1,000 or 1/2


def _student_was_wrong(view: DialogueView) -> bool:
    last = next((t for t in reversed(view.turns) if t.role == "student"), None)
    return last is not None and last.verdict.has_error


def nudge_result(text: str, rng: random.Random) -> tuple[str, str] | None:
    """The text with the result of its last `= N` changed by 1 to 3, and what changed; None if it has none."""
    matches = list(_RESULT.finditer(text[:MAX_SCAN_CHARS]))
    if not matches:
        return None
    m = matches[-1]
    value = int(m.group(1))
    delta = rng.choice((-3, -2, -1, 1, 2, 3))
    if value + delta < 0:
        delta = -delta
    wrong = str(value + delta)
    return text[: m.start(1)] + wrong + text[m.end(1) :], f"changed the result {value} to {wrong}"


def inject_error(text: str, view: DialogueView) -> tuple[str, GeneratorLabel] | None:
    """The draft with a teacher error in it and its label, or None (no error this turn, or nowhere to put
    it). Draws from the dialogue's stream only for personas with an `error_rate`."""
    t = view.teacher.teacher
    if t.error_rate <= 0 or not t.error_kinds or view.rng.random() >= t.error_rate:
        return None
    kinds = sorted(k for k, w in t.error_kinds.items() if w > 0)
    kind = view.rng.choices(kinds, weights=[t.error_kinds[k] for k in kinds])[0]
    if kind == "affirms_wrong_answer" and _student_was_wrong(view):
        affirmation = AFFIRM_WRONG[view.rng.randrange(len(AFFIRM_WRONG))]
        label = GeneratorLabel(-1, "teacher", "teacher_error", kind, "confirmed a wrong student turn")
        return affirmation, label
    nudged = nudge_result(text, view.rng)
    if nudged is None:
        return None
    wrong, detail = nudged
    return wrong, GeneratorLabel(-1, "teacher", "teacher_error", "false_arithmetic", detail)
