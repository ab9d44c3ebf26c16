"""Teacher moves and misconceptions: what the teachers do, and whether the students' misconceptions show.

- Move mix: shares of MathDial's moves (focus, probing, telling, generic) among teacher turns with a
  move, over the corpus and per teacher persona, next to MathDial's own (`MATHDIAL_MOVES`).
- Teacher opener: the first four words of a teacher turn; the most frequent one's share of teacher turns.
- Misconception show rate: among dialogues whose student holds a misconception, the share in which one
  of them showed (a generator label on a student turn); per student persona and misconception.
- Opened from an attempt: share of those dialogues (and of all) whose first turn is the student's attempt.
- Auto-approved unsolved: approved dialogues that did not end solved.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from tutorforge.quality.views import DialogueView

MOVES = ("focus", "probing", "telling", "generic")
# MathDial's test split (599 dialogues, 3,699 tagged teacher turns); `scripts/bench_pedagogy.py` recounts it.
MATHDIAL_MOVES: dict[str, float] = {"focus": 0.3404, "probing": 0.2574, "telling": 0.1617, "generic": 0.2406}
_WORD = re.compile(r"[\w']+")
OPENER_WORDS = 4


def opener(text: str) -> str:
    """The first four words of a turn, lower-cased (the first 200 characters are enough)."""
    return " ".join(_WORD.findall(text[:200].lower())[:OPENER_WORDS])


def _shares(counts: Counter[str]) -> dict[str, float]:
    total = counts.total()
    return {m: round(counts[m] / total, 4) for m in MOVES} if total else {}


class PedagogyMix:
    """Move mix, openers, misconception show rate and opening, fed one dialogue view at a time."""

    def __init__(self) -> None:
        self.moves: Counter[str] = Counter()
        self.by_teacher: dict[str, Counter[str]] = defaultdict(Counter)
        self.openers: Counter[str] = Counter()
        self.teacher_turns = 0
        self.dialogues = 0
        self.attempt_first = 0
        self.holding = 0
        self.holding_shown = 0
        self.holding_attempt = 0
        self.by_student: dict[str, Counter[str]] = defaultdict(Counter)
        self.approved_unsolved = 0

    def add(self, view: DialogueView) -> None:
        if not view.complete:
            return
        self.dialogues += 1
        teacher = view.personas.get("teacher", "")
        for turn in view.turns:
            if turn.role != "teacher":
                continue
            self.teacher_turns += 1
            self.openers[opener(turn.text)] += 1
            if turn.tag:
                self.moves[turn.tag] += 1
                self.by_teacher[teacher][turn.tag] += 1
        self.attempt_first += view.attempt_first
        if view.held:
            self.holding += 1
            self.holding_shown += bool(view.shown)
            self.holding_attempt += view.attempt_first
            row = self.by_student[view.personas.get("student", "")]
            row["dialogues"] += 1
            row["shown"] += bool(view.shown)
            row.update(f"shown:{m}" for m in view.shown)
        if view.review_status == "approved" and view.solved is False:
            self.approved_unsolved += 1

    def figures(self) -> dict:
        """Every figure as a plain JSON value (shares are None when nothing was counted)."""
        top, count = self.openers.most_common(1)[0] if self.openers else ("", 0)

        def share(n: int, of: int) -> float | None:
            return round(n / of, 4) if of else None

        return {
            "moves": {
                "counts": {m: self.moves[m] for m in MOVES},
                "share": _shares(self.moves),
                "by_teacher": {
                    t: {"turns": c.total(), "share": _shares(c)} for t, c in sorted(self.by_teacher.items())
                },
            },
            "opener": {"top": top, "share": share(count, self.teacher_turns)},
            "misconception": {
                "dialogues": self.holding,
                "shown": self.holding_shown,
                "show_rate": share(self.holding_shown, self.holding),
                "by_student": {
                    s: {
                        "dialogues": c["dialogues"],
                        "shown": c["shown"],
                        "misconceptions": {k[6:]: n for k, n in sorted(c.items()) if k.startswith("shown:")},
                    }
                    for s, c in sorted(self.by_student.items())
                },
            },
            "attempt_share": share(self.holding_attempt, self.holding),
            "attempt_share_all": share(self.attempt_first, self.dialogues),
            "approved_unsolved": self.approved_unsolved,
        }
