"""The problem record every source produces and every agent reads."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field


class Variant(BaseModel):
    """How one misconception changes a reference step (used by the scripted student)."""

    claim: str = Field(description="the wrong math claim, plain text, e.g. '1/3 + 1/4 = 2/7'")
    result: str = Field(description="the wrong value the step arrives at, plain text")
    explanation: str = Field(default="", description="what went wrong, in a teacher's words")


class Step(BaseModel):
    """One reference solution step."""

    ask: str = Field(description="a question that prompts the student to do this step")
    text: str = Field(description="the step explained in words, containing `claim` verbatim")
    claim: str = Field(description="the step's math as plain text the verifier can check, e.g. '12 + 3 = 15'")
    result: str = Field(description="the value the step arrives at, plain text")
    variants: dict[str, Variant] = Field(
        default_factory=dict, description="misconception id -> the step as that misconception makes it"
    )


class Problem(BaseModel):
    """A math problem with its reference answer and solution steps."""

    problem_id: str
    statement: str
    answer: str = Field(description="reference final answer, plain text (e.g. '10', '3/4', 'x = 2 or x = 5')")
    steps: list[Step] = Field(default_factory=list)
    family: str
    difficulty: int = 1
    seed: int | None = None
    source: str = "generated"
    subject: str = "math"
    unknowns: list[str] = Field(default_factory=list, description="names of the unknowns, e.g. ['x']")
    answer_unit: str = Field(default="", description="noun for the answer in words, e.g. 'spoons'")
    meta: dict = Field(default_factory=dict)

    @staticmethod
    def make_id(family: str, statement: str) -> str:
        """A stable id from the family and statement."""
        digest = hashlib.sha1(f"{family}\x00{statement}".encode()).hexdigest()[:12]
        return f"{family}-{digest}"
