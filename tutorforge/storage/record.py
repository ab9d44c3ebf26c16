"""The finished dialogue as the runner hands it to storage and export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tutorforge.problems.model import Problem
from tutorforge.verifiers.types import TurnVerdict

ReviewStatus = Literal["approved", "pending", "rejected"]


@dataclass
class GeneratorLabel:
    """An error the generator injected on purpose. Never shown to the verifier or the critic."""

    turn: int
    role: str
    kind: str  # student_misconception | student_slip | teacher_error
    misconception: str  # misconception id, or the teacher error kind
    detail: str = ""

    def to_dict(self) -> dict:
        return {
            "turn": self.turn,
            "role": self.role,
            "kind": self.kind,
            "misconception": self.misconception,
            "detail": self.detail,
        }


@dataclass
class Draft:
    """A teacher draft sent back for revision, kept as revision history. `critic` is what the critic said
    about it; `forced_by_verifier` is set when a verifier error sent it back (whatever the critic said)."""

    text: str
    verdict: TurnVerdict
    critic: dict = field(default_factory=dict)
    forced_by_verifier: bool = False

    @property
    def rejected_by(self) -> list[str]:
        """Who sent the draft back: "critic" (its verdict was revise), "verifier", or both."""
        by = ["critic"] if self.critic.get("verdict") == "revise" else []
        return [*by, "verifier"] if self.forced_by_verifier else by


@dataclass
class Turn:
    index: int
    role: str  # teacher | student
    text: str
    act: str  # the dialogue act, e.g. greet, hint, praise, attempt, final_answer
    verdict: TurnVerdict
    drafts: list[Draft] = field(default_factory=list)
    critic: dict = field(default_factory=dict)
    work: dict = field(default_factory=dict)  # structured content of the turn (step, value, final answer)
    move: str = ""  # a teacher turn's pedagogical move (MathDial): focus | probing | telling | generic
    target: str = ""  # the student error a teacher turn addresses (misconception id or flag kind), if any


@dataclass
class DialogueRecord:
    dialogue_id: str
    run_id: str
    index: int
    problem: Problem
    teacher: str
    student: str
    critic: str
    persona_versions: dict[str, str]
    backend: str
    models: dict[str, str]
    seed: int
    turns: list[Turn] = field(default_factory=list)
    labels: list[GeneratorLabel] = field(default_factory=list)
    status: Literal["complete", "failed"] = "complete"
    end_reason: str = ""  # solved | max_turns | ended_by_agent | error
    error: str = ""
    review_status: ReviewStatus = "approved"
    review_reasons: list[str] = field(default_factory=list)
    started_at: float = 0.0
    finished_at: float = 0.0
    usage: dict = field(default_factory=dict)
    # how the dialogue was set up: student_name, misconception (the one drawn to show, or ""), opening
    meta: dict = field(default_factory=dict)

    def verdict_summary(self) -> dict:
        """Counts of turn statuses and flag kinds."""
        statuses: dict[str, int] = {}
        flags: dict[str, int] = {}
        for t in self.turns:
            statuses[t.verdict.status] = statuses.get(t.verdict.status, 0) + 1
            for f in t.verdict.flags:
                flags[f.kind] = flags.get(f.kind, 0) + 1
        return {"turns": statuses, "flags": flags}
