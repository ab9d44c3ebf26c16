"""Role-aware checks: a teacher who confirms a student's error, a teacher who gives the answer away."""

from __future__ import annotations

import re
from collections.abc import Callable

from tutorforge.verifiers.types import PriorTurn, TurnVerdict

STUDENT_ERRORS = ("false_arithmetic", "invalid_step", "wrong_final_answer")

_AFFIRM = re.compile(
    r"^\W*(?:(?:hi|hey|hello)\s+)?(?:(?-i:[A-Z][a-z]{1,15})\s*[,!]\s*)?(?:(?:ok|okay|alright|all\s+right|oh|so)\b\W*)?"
    r"(?:(?:very\s+)?(?:great|good|nice|excellent|awesome|fantastic|wonderful|brilliant|super|terrific|"
    r"outstanding|superb|amazing|lovely|cool)(?:\s+(?:job|work|thinking|going|reasoning|stuff|one))?|"
    r"that'?s\s+(?:right|correct|it|exactly\s+right|perfect|spot\s+on|true|the\s+one)|"
    r"that\s+is\s+(?:right|correct|it|true)|you'?re\s+(?:right|correct)|you\s+are\s+(?:right|correct)|"
    r"correct|exactly|yes|yep|yeah|yup|right!|(?:very\s+)?well\s+done|perfect|spot\s+on|"
    r"you(?:'ve|\s+have)?\s+got\s+it|absolutely|bingo|nicely\s+done|precisely|indeed|"
    r"that'?s\s+(?:the\s+)?(?:right|correct)\s+answer|you\s+nailed\s+it|you\s+did\s+it)\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:not\s+quite|not\s+exactly|not\s+right|not\s+correct|not\s+true|isn't|is\s+not|wasn't|but|however|"
    r"although|though|close|almost|nearly|careful|check|mistake|error|wrong|incorrect|try\s+again|another\s+look|"
    r"look\s+again|re-?check|double[- ]check|are\s+you\s+sure|hmm+|good\s+try|nice\s+try|good\s+attempt|"
    r"nice\s+attempt|good\s+effort|revisit|reconsider|actually|wait|oops|hold\s+on|let's\s+see|let\s+me\s+see|"
    r"slip|typo|off\s+by|recalculate|redo)\b",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?\n]*[.!?\n]*")


def affirmation(text: str) -> tuple[int, int] | None:
    """The span of an unhedged confirmation opening the turn ("Great job!", "That's right."), if any."""
    m = _AFFIRM.match(text)
    if not m:
        return None
    sentences = [s for s in _SENTENCE.findall(text[:600]) if s.strip()][:2]
    head = " ".join(sentences)
    if _HEDGE.search(head) or any(re.match(r"\W*no\b", s, re.I) for s in sentences):
        return None
    if sentences and sentences[0].rstrip().endswith("?"):
        return None
    return m.start(), m.end()


def student_error(verdict: TurnVerdict) -> str | None:
    """A short description of the first error in a student turn's verdict, if it has one."""
    for f in verdict.flags:
        if f.severity == "error" and f.kind in STUDENT_ERRORS:
            return f"{f.kind} in {f.claim[:80]!r}"
    return None


def student_has_stated(history: list[PriorTurn], states_answer: Callable[[str], bool]) -> bool:
    """Whether any earlier student turn already states the reference answer."""
    return any(turn.role == "student" and states_answer(turn.text) for turn in history)
