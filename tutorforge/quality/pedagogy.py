"""Pedagogy metrics: MathDial's Success@k and Telling@k, asking versus telling, turns to solution.

Definitions (k counts teacher turns; docs/quality.md has the table):

- A student turn *states the answer* when it names every value of the reference answer and its last
  number is one of them (numeric answers: "x = 2 or x = 5", "1/24", "$1,200"), or contains the
  normalised answer (expressions: "20(5x + 4)^3"); a `wrong_final_answer` flag overrules the text.
- The dialogue is *solved at k* when the first student turn stating the answer follows exactly k
  teacher turns. A dialogue its source calls solved (end reason `solved`, MathDial's self-correctness)
  in which no turn matches is solved at its last student turn; one its source calls unsolved never is.
- A teacher turn's move is known from a scripted act (`reveal` tells; `open`, `praise_next`, `hint`
  ask; `close` is other) or a MathDial tag (`telling` tells; `focus`, `probing` ask; `generic` is
  other); a `reveals_answer` flag makes any turn tell. A turn without a known move (LLM turns) *tells*
  when, outside its questions and the problem statement, it states the answer before the student has,
  or when it opens a worked step ("here's how", "the answer is", ...); otherwise it *asks* when it has
  a question mark; otherwise it tells when it directs or works a calculation ("you need to",
  "don't forget", "3 x 4 = 12"), else it is other.
- Success@k: share of dialogues solved at some k' <= k.
- Telling@k: share of dialogues with a telling teacher turn among their first k teacher turns, before
  the student stated the answer.
- Ask share: asking teacher turns / (asking + telling) teacher turns, over the corpus.
- Answer told: share of dialogues in which a telling turn before the student's answer states the
  answer (or carries a `reveals_answer` flag).
- Turns to solution: teacher turns before the answer, over solved dialogues.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from tutorforge.quality.views import DialogueView, Move

KS = (1, 2, 3, 5, 10)
_NUMBER = re.compile(r"(?<![\w.)])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.)])-?\d+(?:\.\d+)?(?:/\d+)?")
_ASSIGNED = re.compile(r"^\s*[a-z]\w*\s*=\s*", re.I)
_PARTS = re.compile(r"\s*(?:,|;|\bor\b|\band\b)\s*", re.I)
_UNIT = re.compile(r"[$%€£]")
_THOUSANDS = re.compile(r"(\d),(\d{3})\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Telling cues: strong ones tell even in a question; weak ones (directives, a worked calculation) tell
# only in a turn that asks nothing.
_TELL_STRONG = re.compile(
    r"\b(?:the (?:correct |right |final )?(?:answer|solution|result) (?:is|was|should be)"
    r"|here'?s (?:how|the (?:worked )?step|the reasoning|the solution)"
    r"|let me show|i'?ll (?:walk|show)|watch how|the step is|you should (?:get|have got)"
    r"|it should be|that gives you|the trick is)\b",
    re.I,
)
_TELL_WEAK = re.compile(
    r"\b(?:you|we) (?:need|have|want) to\b|\byou should\b|\bdon'?t forget\b|\bremember (?:to|that)\b"
    r"|\byou forgot\b|\bforget about\b|\d\s*[-+*/x×]\s*\$?\d[\d.,]*\s*=\s*\$?-?\d",
    re.I,
)


@dataclass(frozen=True)
class Answer:
    """A reference answer as values to find (numeric answers) or a normalised expression."""

    values: frozenset[Fraction]
    expression: str

    @classmethod
    def parse(cls, answer: str) -> Answer:
        parts = [p for p in _PARTS.split(_THOUSANDS.sub(r"\1\2", answer.strip())) if p]
        values = []
        for part in parts:
            body = _UNIT.sub("", _ASSIGNED.sub("", part)).strip().rstrip(".")
            number = _fraction(body.replace(",", "")) if _NUMBER.fullmatch(body) else None
            if number is None:
                return cls(frozenset(), _normalise(answer))
            values.append(number)
        return cls(frozenset(values), "")

    def stated_in(self, text: str) -> bool:
        """Whether the text states this answer (see the module docstring)."""
        if not self.values:
            return bool(self.expression) and self.expression in _normalise(text)
        found = _NUMBER.findall(text)
        if not found or _fraction(found[-1].replace(",", "")) not in self.values:
            return False
        return self.values.issubset(_fraction(m.replace(",", "")) for m in found)


@functools.lru_cache(maxsize=1 << 16)
def _fraction(text: str) -> Fraction | None:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text.lower().replace("×", "*").replace("−", "-").replace("·", "*")).rstrip(".")


@dataclass(frozen=True)
class DialoguePedagogy:
    """One dialogue's figures: teacher turns before the answer and before the first telling turn
    (None when it never happens), and its teacher moves."""

    solved_at: int | None
    told_at: int | None
    answer_told: bool
    moves: tuple[Move, ...]


def analyse(view: DialogueView) -> DialoguePedagogy:
    """Walk the turns once: classify each teacher turn, find where the student states the answer."""
    answer = Answer.parse(view.answer)
    teacher_turns = 0
    solved_at = told_at = None
    answer_told = False
    last_student = None
    moves: list[Move] = []
    for turn in view.turns:
        if turn.role == "teacher":
            teacher_turns += 1
            before = solved_at is None
            move = turn.move
            states = before and move in (None, "tell") and answer.stated_in(_statements(turn.text, view))
            if "reveals_answer" in turn.flags:
                move = "tell"
            elif move is None:
                move = classify_text(turn.text, states)
            moves.append(move)
            if move == "tell" and before:
                told_at = told_at or teacher_turns
                answer_told = answer_told or states or "reveals_answer" in turn.flags
        elif turn.role == "student":
            last_student = teacher_turns
            if (
                solved_at is None
                and view.solved is not False
                and "wrong_final_answer" not in turn.flags
                and answer.stated_in(turn.text)
            ):
                solved_at = teacher_turns
    if solved_at is None and view.solved and last_student is not None:
        solved_at = last_student
    return DialoguePedagogy(solved_at, told_at, answer_told, tuple(moves))


def _statements(text: str, view: DialogueView) -> str:
    """A teacher turn without the problem statement and without its questions."""
    if view.problem:
        text = text.replace(view.problem, " ")
    return " ".join(s for s in _SENTENCE_END.split(text) if not s.rstrip().endswith("?"))


def classify_text(text: str, states_answer: bool = False) -> Move:
    """A teacher turn's move from its text alone: tell, ask (a question) or other."""
    if states_answer or _TELL_STRONG.search(text):
        return "tell"
    if "?" in text:
        return "ask"
    return "tell" if _TELL_WEAK.search(text) else "other"


class PedagogyTally:
    """Pedagogy figures accumulated over dialogues."""

    def __init__(self) -> None:
        self.dialogues = 0
        self.solved_at: Counter[int] = Counter()
        self.told_at: Counter[int] = Counter()
        self.answer_told = 0
        self.moves: Counter[str] = Counter()

    def add(self, view: DialogueView) -> None:
        p = analyse(view)
        self.dialogues += 1
        if p.solved_at is not None:
            self.solved_at[p.solved_at] += 1
        if p.told_at is not None:
            self.told_at[p.told_at] += 1
        self.answer_told += p.answer_told
        self.moves.update(p.moves)

    def figures(self) -> dict:
        """Success@k, Telling@k (k in KS and any), ask share, moves, turns to solution, answer told."""
        n = self.dialogues

        def share(count: int) -> float | None:
            return round(count / n, 4) if n else None

        def at(counter: Counter[int], k: int) -> float | None:
            return share(sum(c for j, c in counter.items() if j <= k))

        ask, tell = self.moves["ask"], self.moves["tell"]
        solved = sorted(self.solved_at.elements())
        return {
            "dialogues": n,
            "success_at": {str(k): at(self.solved_at, k) for k in KS},
            "telling_at": {str(k): at(self.told_at, k) for k in KS},
            "success": share(self.solved_at.total()),
            "telling": share(self.told_at.total()),
            "answer_told": share(self.answer_told),
            "teacher_moves": {m: self.moves[m] for m in ("ask", "tell", "other")},
            "ask_share": round(ask / (ask + tell), 4) if ask + tell else None,
            "turns_to_solution": {
                "mean": round(statistics.fmean(solved), 2) if solved else None,
                "median": statistics.median(solved) if solved else None,
            },
        }
