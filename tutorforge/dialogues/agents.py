"""What the graph asks of agents: the same nodes drive the scripted backend and the LLM backends."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal, Protocol

from tutorforge.personas.schema import CriticPersona, StudentPersona, TeacherPersona
from tutorforge.problems.model import Problem
from tutorforge.storage.record import Draft, GeneratorLabel, Turn
from tutorforge.verifiers.types import TurnVerdict


@dataclass
class Utterance:
    """One agent reply, before the verifier has seen it."""

    text: str
    act: str = ""
    work: dict = field(default_factory=dict)  # structured content: step index, value, final answer, ...
    ends: bool = False  # the speaker closes the conversation
    labels: list[GeneratorLabel] = field(default_factory=list)  # injected errors; `turn` is set by the graph
    move: str = ""  # a teacher turn's move: focus | probing | telling | generic (MathDial's taxonomy)
    target: str = ""  # the student error the teacher turn addresses (misconception id or flag kind)
    calls: list[dict] = field(default_factory=list)  # LLM call records (model, tokens, latency)


@dataclass
class CriticDecision:
    """What the critic said (`verdict`, `feedback`, `scores`: stored as the turn's or draft's critic JSON),
    whether a verifier error sends the draft back whatever the critic said, and `note`, the reason in
    plain words the teacher reads when it revises."""

    verdict: Literal["accept", "revise"]
    feedback: str = ""
    scores: dict = field(default_factory=dict)  # MRBench dimensions, for LLM critics
    unparseable: bool = False
    calls: list[dict] = field(default_factory=list)
    forced_by_verifier: bool = False
    note: str = ""

    @property
    def revise(self) -> bool:
        """The draft goes back to the teacher: the critic asked for it or the verifier forced it."""
        return self.verdict == "revise" or self.forced_by_verifier

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "feedback": self.feedback,
            "scores": self.scores,
            "unparseable": self.unparseable,
        }


@dataclass
class DialogueView:
    """What an agent may read: the problem, the personas and the turns so far. Never generator labels.

    `opening` is "tutor" (the teacher speaks first) or "attempt" (the student first shows its own worked
    attempt: `student()` is called with no turns and answers with act "attempt"). `misconception` is the
    one drawn for this dialogue among the student's that can show on the problem ("" when none).
    `student_name` is how the student is addressed, drawn apart from the persona."""

    problem: Problem
    teacher: TeacherPersona
    student: StudentPersona
    critic: CriticPersona
    turns: list[Turn]
    rng: random.Random
    max_turns: int
    opening: str = "tutor"
    misconception: str = ""
    student_name: str = ""
    drafts: list[Draft] = field(default_factory=list)  # the current teacher turn's rejected drafts

    @property
    def student_display(self) -> str:
        """The one name the student goes by in this dialogue."""
        return self.student_name or self.student.display_name


class Agents(Protocol):
    """One implementation per backend. A backend whose `student()` writes the opening attempt (called
    with no turns) says so with a class attribute `writes_attempts = True`."""

    async def teacher(self, view: DialogueView, feedback: str | None) -> Utterance: ...

    async def student(self, view: DialogueView) -> Utterance: ...

    async def critic(self, view: DialogueView, draft: Utterance, verdict: TurnVerdict) -> CriticDecision: ...
