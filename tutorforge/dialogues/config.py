"""The generation settings, and the run identity that makes a rerun resume instead of starting over."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tutorforge.dialogues.mixture import Mix
from tutorforge.dialogues.shard import AUTO, Shard, shard_of
from tutorforge.llm.ratelimit import RateLimit

MAX_DIALOGUES = 9_999_999  # dialogue ids carry the index in seven digits
# Settings that change how a run executes (or which clean dialogues are audited) but not the dialogues.
_EXECUTION_ONLY = {
    "n",
    "concurrency",
    "workers",
    "max_cost",
    "no_cache",
    "pricing",
    "audit_rate",
    "review_unverifiable",
    "shard",
    "limits_per_shard",
    "rate_limits",
    "request_timeout",
    "pedagogy_review",
}


class RoleSampling(BaseModel):
    """Sampling parameters of one role's model (LLM backends); unset keeps the role's default."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=100_000)


class GenerateConfig(BaseModel):
    """Everything `tutorforge generate` needs to produce a corpus."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=20, ge=1, le=MAX_DIALOGUES, description="dialogues in the run")
    seed: int = Field(default=0, ge=-(2**63), lt=2**63, description="stored as a 64-bit integer")
    subject: str = "math"
    families: list[str] = Field(default_factory=list, description="problem families; empty = all")
    problems_file: str | None = None
    personas_dirs: list[str] = Field(
        default_factory=list, description="persona files, folders or subject packs (--personas-dir), in order"
    )
    teacher: str | None = None
    student: str | None = None
    critic: str | None = None
    backend: Literal["scripted", "openai", "anthropic"] = "scripted"
    models: dict[str, str] = Field(default_factory=dict, description="role -> model (LLM backends)")
    sampling: dict[Literal["teacher", "student", "critic"], RoleSampling] = Field(
        default_factory=dict, description="role -> temperature and max_tokens (LLM backends)"
    )
    base_url: str | None = None
    max_turns: int = Field(default=20, ge=2, le=1000)
    max_revisions: int = Field(default=2, ge=0, le=50)
    max_cost: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="USD this command may spend on LLM calls"
    )
    no_cache: bool = Field(default=False, description="skip the LLM response cache")
    request_timeout: float = Field(
        default=120.0, gt=0, le=3600, allow_inf_nan=False, description="seconds per LLM request attempt"
    )
    pricing: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="model -> USD per million tokens (input, output, cached)"
    )
    mathdial_students: bool = Field(
        default=False, description="LLM students start from the problem's MathDial profile and wrong solution"
    )
    verify_timeout: float = Field(default=2.0, gt=0, le=3600, allow_inf_nan=False)
    audit_rate: float = Field(
        default=0.05,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="share of clean dialogues queued for review as an audit",
    )
    concurrency: int = Field(default=8, ge=1, le=10_000)
    workers: int = Field(
        default=0, ge=0, le=1024, description="processes; 0 = one per core (LLM runs: see llm_batch)"
    )
    review_unverifiable: bool = Field(
        default=True, description="a teacher turn the verifier could not check sends its dialogue to review"
    )
    opening: Literal["auto", "attempt", "tutor"] = Field(
        default="auto",
        description="how dialogues open: the student's own attempt (attempt), the teacher (tutor), or the "
        "attempt when the student has a misconception that can show on the problem (auto)",
    )
    pedagogy_review: Literal["review", "exclude"] = Field(
        default="review",
        description="dialogues ending unsolved, repeating a wrong answer or revealing against a never "
        "policy: queued for review, or excluded (rejected)",
    )
    mix: Mix = Field(default_factory=Mix, description="weighted mixtures of personas, families, subjects")
    shard: str | None = Field(
        default=None, description="I/N: this process runs the indices i % N == I - 1 (auto: the job array's)"
    )
    limits_per_shard: bool = Field(
        default=False, description="each shard applies the whole rate limits and budget, not its share"
    )
    rate_limits: dict[str, RateLimit] = Field(
        default_factory=dict, description='model (or "*" for any) -> requests and tokens per minute'
    )

    @field_validator("shard")
    @classmethod
    def _shard(cls, value: str | None) -> str | None:
        return None if value is None or value == AUTO else str(Shard.parse(value))

    def divided(self, parts: int) -> GenerateConfig:
        """This config with each rate limit and the cost budget divided among `parts` runners."""
        if parts == 1:
            return self
        limits = {
            model: RateLimit(
                requests_per_minute=limit.requests_per_minute / parts if limit.requests_per_minute else None,
                tokens_per_minute=limit.tokens_per_minute / parts if limit.tokens_per_minute else None,
            )
            for model, limit in self.rate_limits.items()
        }
        budget = self.max_cost / parts if self.max_cost else None
        return self.model_copy(update={"rate_limits": limits, "max_cost": budget})

    def shard_share(self) -> GenerateConfig:
        """What this shard may use: its share of the run's rate limits and budget (shards that run at the
        same time against one account then keep the run's totals), or all of them with `limits_per_shard`."""
        return self if self.limits_per_shard else self.divided(shard_of(self.shard).count)

    def identity(self) -> dict:
        """The settings that decide the dialogues' content (runs without plug-in folders or mixtures keep
        the ids they had before those settings existed)."""
        exclude = set(_EXECUTION_ONLY)
        if not self.personas_dirs:
            exclude.add("personas_dirs")
        if self.mix.is_empty():
            exclude.add("mix")
        if not self.sampling:
            exclude.add("sampling")
        if self.opening == "auto":
            exclude.add("opening")
        return self.model_dump(exclude=exclude)

    def run_id(self) -> str:
        """A stable id for the run: same settings (whatever n) -> same id, so a rerun resumes."""
        blob = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha1(blob.encode()).hexdigest()[:10]


def dialogue_id(run_id: str, index: int) -> str:
    """Dialogue ids follow the index, so shards and resumes agree on them."""
    return f"{run_id}-{index:07d}"
