"""Weighted mixtures of personas, problem families and subjects, and the per-dialogue draw they drive.

A run's `mix` holds up to five tables of name -> weight (`[mix.teacher]`, `[mix.student]`,
`[mix.critic]`, `[mix.family]`, `[mix.subject]` in a run config). Each dialogue draws, from its own
random stream: a subject (when subjects are mixed), a problem family of that subject, then a teacher, a
student and a critic among the personas that teach that subject. Family and persona weights are relative
within the drawn subject. Names are drawn in sorted order, so the order a file lists them in does not
matter (the run id does not depend on it either). A run without mixtures draws exactly as it always did:
uniformly, so older runs resume with the same dialogues.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from tutorforge.errors import BadInput
from tutorforge.personas.loader import PersonaRegistry
from tutorforge.problems.generators import families_for, sample_problem
from tutorforge.problems.model import Problem

ROLES = ("teacher", "student", "critic")


def _weight(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("a weight must be a finite number")
    if value < 0:
        raise ValueError(f"negative weight {value:g}: weights are 0 or more")
    return value


Weight = Annotated[float, AfterValidator(_weight)]


class Mix(BaseModel):
    """The mixture tables of a run: name -> relative weight (0 leaves a name out)."""

    model_config = ConfigDict(extra="forbid")

    teacher: dict[str, Weight] = {}
    student: dict[str, Weight] = {}
    critic: dict[str, Weight] = {}
    family: dict[str, Weight] = {}
    subject: dict[str, Weight] = {}

    @field_validator("teacher", "student", "critic", "family", "subject")
    @classmethod
    def _some_weight(cls, table: dict[str, float]) -> dict[str, float]:
        if table and not any(w > 0 for w in table.values()):
            raise ValueError("every weight is 0: give at least one a weight above 0")
        return table

    def is_empty(self) -> bool:
        """True when no table is given (the run draws uniformly, as runs without mixtures do)."""
        return not any((self.teacher, self.student, self.critic, self.family, self.subject))


class MixError(BadInput):
    """A mixture names something that does not fit the run; `field` is its path, e.g. ("mix", "teacher",
    "nobody"), so a run config can name the line."""

    def __init__(self, field: tuple[str, ...], message: str) -> None:
        super().__init__(f"{'.'.join(field)}: {message}")
        self.field = field
        self.detail = message


class Weighted:
    """Draws a name with probability proportional to its weight (one `rng.random()` per draw)."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.names = sorted(n for n, w in weights.items() if w > 0)
        total, self._cumulative = 0.0, []
        for name in self.names:
            total += weights[name]
            self._cumulative.append(total)
        self._total = total

    def draw(self, rng: random.Random) -> str:
        """One name."""
        i = bisect.bisect_right(self._cumulative, rng.random() * self._total)
        return self.names[min(i, len(self.names) - 1)]


class Uniform:
    """Draws a name uniformly (one `rng.randrange` per draw, as runs without mixtures always have)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)

    def draw(self, rng: random.Random) -> str:
        """One name."""
        return self.names[rng.randrange(len(self.names))]


Choice = Weighted | Uniform
DrawProblem = Callable[[random.Random], Problem]


class Mixture:
    """The draws of one run: subject, problem, and a persona per role, from a dialogue's random stream.

    Built once per run (bad names raise `MixError` or `BadInput` here, not mid-run)."""

    def __init__(
        self,
        mix: Mix,
        registry: PersonaRegistry,
        *,
        subject: str,
        families: Sequence[str] = (),
        chosen: Mapping[str, str | None],
        generate_problems: bool = True,
    ) -> None:
        self.subjects: Weighted | None = Weighted(mix.subject) if mix.subject else None
        subjects = self.subjects.names if self.subjects else [subject]
        if not generate_problems and (mix.subject or mix.family):
            table = "subject" if mix.subject else "family"
            raise MixError(("mix", table), "cannot mix when problems come from a file (problems_file)")
        catalogs = {}
        if generate_problems or families:
            catalogs = {s: _catalog(s, bool(mix.subject)) for s in subjects}
            _check_known(families, catalogs, None)
            _check_known(mix.family, catalogs, ("mix", "family"))
        self.problems: dict[str, DrawProblem] = {}
        if generate_problems:
            self.problems = {s: _problem_draw(s, catalogs[s], families, mix.family) for s in subjects}
        self.personas: dict[str, dict[str, Choice]] = {
            role: _persona_choices(registry, role, chosen.get(role), getattr(mix, role), subjects)
            for role in ROLES
        }
        self.default_subject = subject

    def draw(self, rng: random.Random) -> tuple[str, Problem | None, str, str, str]:
        """(subject, problem or None when problems come from a file, teacher, student, critic)."""
        subject = self.subjects.draw(rng) if self.subjects else self.default_subject
        draw_problem = self.problems.get(subject)
        problem = draw_problem(rng) if draw_problem else None
        teacher, student, critic = (self.personas[role][subject].draw(rng) for role in ROLES)
        return subject, problem, teacher, student, critic


def _catalog(subject: str, mixed: bool) -> Mapping[str, DrawProblem]:
    try:
        return families_for(subject)
    except BadInput as exc:
        if mixed:
            raise MixError(("mix", "subject", subject), str(exc)) from None
        raise


def _problem_draw(
    subject: str, catalog: Mapping[str, DrawProblem], families: Sequence[str], weights: Mapping[str, float]
) -> DrawProblem:
    """How a dialogue of `subject` draws its problem: by the family weights, from the `families` list, or
    from every family (the last two exactly as `sample_problem` always has)."""
    if weights:
        own = {f: w for f, w in weights.items() if f in catalog and w > 0}
        if not own:
            raise MixError(("mix", "family"), f"no family of subject {subject!r} has a weight above 0")
        pick = Weighted(own)
        return lambda rng: catalog[pick.draw(rng)](rng)
    names = [f for f in families if f in catalog]
    if families and not names:
        raise BadInput(f"no problem family of subject {subject!r} among {', '.join(families)}")
    return lambda rng: sample_problem(rng, names or None, subject=subject)


def _check_known(
    families: Iterable[str], catalogs: Mapping[str, Mapping[str, DrawProblem]], field: tuple[str, ...] | None
) -> None:
    """Every family named belongs to a subject of the run (BadInput, or MixError at `field`)."""
    for family in families:
        if not any(family in catalog for catalog in catalogs.values()):
            available = ", ".join(sorted({f for c in catalogs.values() for f in c}))
            if field is None:
                raise BadInput(f"unknown problem family {family!r}; available: {available}")
            raise MixError((*field, family), f"unknown problem family; available: {available}")


def _persona_choices(
    registry: PersonaRegistry,
    role: str,
    chosen: str | None,
    weights: Mapping[str, float],
    subjects: Sequence[str],
) -> dict[str, Choice]:
    """Subject -> how a dialogue of that subject draws its `role` persona."""
    if chosen:  # a named persona overrides the mixture
        persona = registry.get(chosen)
        if persona.role != role:
            raise BadInput(f"--{role} {chosen}: that persona is a {persona.role}, not a {role}")
        return {s: Uniform([chosen]) for s in subjects}
    if not weights:
        out: dict[str, Choice] = {}
        for s in subjects:
            names = sorted(p.name for p in registry.by_role(role) if s in p.subjects)
            if not names:
                raise BadInput(f"no {role} persona for subject {s!r}")
            out[s] = Uniform(names)
        return out
    teaches: dict[str, list[str]] = {}
    for name in weights:
        try:
            persona = registry.get(name, role)  # type: ignore[arg-type]
        except BadInput as exc:
            raise MixError(("mix", role, name), str(exc)) from None
        teaches[name] = [s for s in subjects if s in persona.subjects]
        if not teaches[name]:
            raise MixError(
                ("mix", role, name),
                f"the persona is for {', '.join(persona.subjects)}, not {', '.join(subjects)}",
            )
    out = {}
    for s in subjects:
        own = {n: w for n, w in weights.items() if s in teaches[n] and w > 0}
        if not own:
            raise MixError(("mix", role), f"no {role} with a weight above 0 is for subject {s!r}")
        out[s] = Weighted(own)
    return out
