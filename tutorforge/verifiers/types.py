"""Verdicts and flags: what the verifier says about one turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["teacher", "student"]
Status = Literal["ok", "error", "unverifiable", "no_claims"]
Severity = Literal["error", "info"]

# Flag kinds. `reveals_answer` is pedagogy (severity info); the others are errors.
FLAG_KINDS = (
    "false_arithmetic",
    "invalid_step",
    "wrong_final_answer",
    "affirms_wrong_answer",
    "reveals_answer",
    "unparseable",
)


@dataclass(frozen=True)
class Flag:
    """One finding, with the exact span of the turn's text it is about."""

    kind: str
    claim: str
    span: tuple[int, int]
    detail: str
    severity: Severity = "error"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "claim": self.claim,
            "span": [self.span[0], self.span[1]],
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Flag:
        return cls(
            kind=d["kind"],
            claim=d.get("claim", ""),
            span=(int(d["span"][0]), int(d["span"][1])),
            detail=d.get("detail", ""),
            severity=d.get("severity", "error"),
        )


@dataclass
class TurnVerdict:
    """The verdict on one turn."""

    status: Status
    flags: list[Flag] = field(default_factory=list)
    claims: int = 0  # how many claims were extracted

    @property
    def has_error(self) -> bool:
        return any(f.severity == "error" for f in self.flags)

    def to_dict(self) -> dict:
        return {"status": self.status, "claims": self.claims, "flags": [f.to_dict() for f in self.flags]}


def status_for(flags: list[Flag], claims: int, unverifiable: bool) -> Status:
    """A turn's status: `error` on any error flag, else `unverifiable` if a claim could not be checked,
    else `ok` when it made claims and `no_claims` when it made none."""
    if any(f.severity == "error" for f in flags):
        return "error"
    if unverifiable:
        return "unverifiable"
    return "ok" if claims else "no_claims"


@dataclass
class PriorTurn:
    """A turn already spoken, with its verdict when known."""

    role: Role
    text: str
    verdict: TurnVerdict | None = None


@dataclass
class VerifyContext:
    """What the verifier knows besides the turn: the problem, its reference answer, the turns so far.

    Generator labels are never part of it.
    """

    problem: str
    answer: str | None = None
    unknowns: list[str] = field(default_factory=list)
    history: list[PriorTurn] = field(default_factory=list)
    # Optional: the reference solution's step claims, plain text ("109 + 50 = 159"). With them, a true
    # computation on a step's numbers that reaches another result ("109 - 50 = 59") is an invalid step.
    steps: list[str] = field(default_factory=list)
    # Optional: the subject, whose pack may add checkers or turn the built-in math checks off
    # (tutorforge.verifiers.extra).
    subject: str = "math"
