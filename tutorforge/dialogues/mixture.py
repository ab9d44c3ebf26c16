"""Weighted mixtures of personas, problem families and subjects, and the per-dialogue draw they drive.

A run's `mix` holds up to five tables of name -> weight (`[mix.teacher]`, `[mix.student]`,
`[mix.critic]`, `[mix.family]`, `[mix.subject]` in a run config). Each dialogue draws, from its own
random stream: a subject (when subjects are mixed), a problem family of that subject, then a teacher, a
student and a critic among the personas that teach that subject. Family and persona weights are relative
within the drawn subject. Names are drawn in sorted order, so the order a file lists them in does not
matter (the run id does not depend on it either). A run without mixtures draws uniformly.

Pairing: the student is drawn before the problem, and a student holding misconceptions gets a problem
from a family that carries one of them (the family weights kept among those families), drawn again a
few times until the problem's steps carry it; `Draw.misconception` is the one that can show. A student
whose misconceptions no family of the run carries is left out of an unweighted draw; one a mixture or
`--student` forces is kept, with a `PairingWarning`. Problems from a file are taken as they come, and the
student is drawn again a few times until it fits.
"""

from __future__ import annotations

import bisect
import math
import random
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from tutorforge.errors import BadInput
from tutorforge.personas.loader import PersonaRegistry
from tutorforge.problems.generators import families_for, sample_problem
from tutorforge.problems.model import Problem

ROLES = ("teacher", "student", "critic")
SLIP = "arithmetic-slip"  # a slip, not a misconception a problem can be chosen for
_REDRAWS = 6  # problems (or, for a problems file, students) drawn at most until the pairing fits
_PROBE = 6  # problems generated per family at setup to learn which misconceptions it carries


class PairingWarning(UserWarning):
    """A forced student whose misconceptions cannot show on any problem of the run."""


class Draw(NamedTuple):
    """What one dialogue is about."""

    subject: str
    problem: Problem | None  # None when problems come from a file
    teacher: str
    student: str
    critic: str


def carried(problem: Problem) -> set[str]:
    """The misconceptions the problem's reference steps carry a variant for."""
    return {m for step in problem.steps for m in step.variants}


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
        self.paired: dict[str, _PairedProblems] = {}
        if generate_problems:
            self.problems = {s: _problem_draw(s, catalogs[s], families, mix.family) for s in subjects}
            self.paired = {s: _PairedProblems(catalogs[s], families, mix.family) for s in subjects}
        self.held = {
            p.name: frozenset(p.student.misconceptions) - {SLIP} for p in registry.by_role("student")
        }
        self.personas: dict[str, dict[str, Choice]] = {
            role: _persona_choices(registry, role, chosen.get(role), getattr(mix, role), subjects)
            for role in ROLES
        }
        if generate_problems:
            self._pair_students(forced=bool(chosen.get("student") or mix.student))
        self.default_subject = subject

    def _pair_students(self, *, forced: bool) -> None:
        """Leave out of unweighted draws the students whose misconceptions cannot show in this run; warn
        about forced ones."""
        for s, choice in self.personas["student"].items():
            shows = self.paired[s].shows
            misfits = [n for n in choice.names if self.held.get(n) and not self.held[n] & shows]
            if forced:
                for name in misfits:
                    warnings.warn(
                        f"student {name}: none of its misconceptions ({', '.join(sorted(self.held[name]))}) "
                        f"can show on the problems of subject {s!r} in this run",
                        PairingWarning,
                        stacklevel=2,
                    )
            elif misfits and len(misfits) < len(choice.names):
                self.personas["student"][s] = Uniform([n for n in choice.names if n not in misfits])

    def draw(self, rng: random.Random, problem: Problem | None = None) -> Draw:
        """The dialogue's subject, problem (None when problems come from a file and `problem` is not
        given) and personas. With `problem` (from a file), the student is drawn to fit it."""
        subject = self.subjects.draw(rng) if self.subjects else self.default_subject
        teacher = self.personas["teacher"][subject].draw(rng)
        students = self.personas["student"][subject]
        student = students.draw(rng)
        if problem is not None:
            for _ in range(_REDRAWS):
                if not self.held.get(student) or self.held[student] & carried(problem):
                    break
                student = students.draw(rng)
        elif subject in self.problems:
            held = self.held.get(student, frozenset())
            problem = self.paired[subject].draw(rng, held) if held else None
            problem = problem or self.problems[subject](rng)
        critic = self.personas["critic"][subject].draw(rng)
        return Draw(subject, problem, teacher, student, critic)

    def misconception(self, rng: random.Random, student: str, problem: Problem) -> str:
        """The student's misconception drawn to show on the problem ("" when none can)."""
        shows = sorted(self.held.get(student, frozenset()) & carried(problem))
        return shows[rng.randrange(len(shows))] if shows else ""


class _PairedProblems:
    """Problems of one subject drawn for a student's misconceptions: which family carries which (learnt
    from a few problems per family at setup) and the run's family weights."""

    def __init__(
        self, catalog: Mapping[str, DrawProblem], families: Sequence[str], weights: Mapping[str, float]
    ) -> None:
        self.catalog = catalog
        if weights:
            self.weights = {f: w for f, w in weights.items() if f in catalog and w > 0}
        else:
            self.weights = dict.fromkeys([f for f in families if f in catalog] or catalog, 1.0)
        self.carries = {
            f: frozenset().union(
                *(carried(catalog[f](random.Random(f"pairing:{f}:{k}"))) for k in range(_PROBE))
            )
            for f in sorted(self.weights)
        }
        self.shows: frozenset[str] = frozenset().union(*self.carries.values())
        self._choices: dict[frozenset[str], Weighted | None] = {}

    def draw(self, rng: random.Random, held: frozenset[str]) -> Problem | None:
        """A problem whose steps carry one of `held`, if the run's families allow it (else None)."""
        choice = self._choices.get(held)
        if held not in self._choices:
            fit = {f: w for f, w in self.weights.items() if self.carries[f] & held}
            choice = self._choices[held] = Weighted(fit) if fit else None
        if choice is None:
            return None
        problem = None
        for _ in range(_REDRAWS):
            problem = self.catalog[choice.draw(rng)](rng)
            if held & carried(problem):
                break
        return problem


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
