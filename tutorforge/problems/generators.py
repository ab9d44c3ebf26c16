"""The registry of seeded problem generators, and which misconceptions apply to which family."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

from tutorforge.errors import BadInput
from tutorforge.problems.calculus import derivative
from tutorforge.problems.equations import linear_equation, linear_system, two_step_both_sides
from tutorforge.problems.fraction_arithmetic import fraction_arithmetic
from tutorforge.problems.model import Problem
from tutorforge.problems.percentages import percentages
from tutorforge.problems.quadratics import quadratic_factoring
from tutorforge.problems.steps import Generated
from tutorforge.problems.word_problems import word_problem

_BUILDERS: dict[str, Callable[[random.Random], Generated]] = {
    "word_problem": word_problem,
    "fraction_arithmetic": fraction_arithmetic,
    "percentages": percentages,
    "linear_equation": linear_equation,
    "two_step_both_sides": two_step_both_sides,
    "linear_system": linear_system,
    "quadratic_factoring": quadratic_factoring,
    "derivative": derivative,
}

MISCONCEPTION_FAMILIES: dict[str, set[str]] = {
    "sign-slip": {"linear_equation", "two_step_both_sides", "linear_system"},
    "order-of-operations": {"word_problem"},
    "fraction-add-across": {"fraction_arithmetic"},
    "percent-of-confusion": {"percentages"},
    "distribute-one-term": {"linear_equation", "two_step_both_sides", "linear_system"},
    "drop-chain-rule": {"derivative"},
    "power-rule-exponent": {"derivative"},
    "factor-sign": {"quadratic_factoring"},
    "subtract-instead-of-add": {"word_problem"},
}
"""Misconception id -> the families whose reference steps carry a variant for it."""

_SEED_BITS = 32


def problem_from_seed(family: str, seed: int) -> Problem:
    """The problem a family generates from `seed` (the `seed` stored on every generated problem)."""
    try:
        build = _BUILDERS[family]
    except KeyError:
        raise BadInput(
            f"unknown problem family {family!r}; available: {', '.join(sorted(_BUILDERS))}"
        ) from None
    g = build(random.Random(seed))
    return Problem(
        problem_id=Problem.make_id(family, g.statement),
        statement=g.statement,
        answer=g.answer,
        steps=g.steps,
        family=family,
        difficulty=g.difficulty,
        seed=seed,
        subject="math",
        unknowns=g.unknowns,
        answer_unit=g.answer_unit,
    )


def seeded_families(
    from_seed: Callable[[str, int], Problem], builders: dict[str, Callable]
) -> dict[str, Callable[[random.Random], Problem]]:
    """Family name -> generate(rng): draw one seed from the stream and build the problem from it, so the
    seed kept on the problem rebuilds it (`from_seed(family, seed)`). Subject packs use it too."""

    def family(name: str) -> Callable[[random.Random], Problem]:
        def generate(rng: random.Random) -> Problem:
            return from_seed(name, rng.getrandbits(_SEED_BITS))

        generate.__name__ = name
        generate.__doc__ = builders[name].__doc__
        return generate

    return {name: family(name) for name in builders}


FAMILIES: dict[str, Callable[[random.Random], Problem]] = seeded_families(problem_from_seed, _BUILDERS)
"""Family name -> generator drawing one problem from the given random stream."""


_SUBJECT_FAMILIES: dict[str, Mapping[str, Callable[[random.Random], Problem]]] = {"math": FAMILIES}
"""Subject -> its problem families. Subject packs register theirs (the math pack registers FAMILIES)."""


def register_families(subject: str, families: Mapping[str, Callable[[random.Random], Problem]]) -> None:
    """Make `families` the problem families of `subject` (how a subject pack adds its problem source)."""
    _SUBJECT_FAMILIES[subject] = dict(families)


def families_for(subject: str) -> Mapping[str, Callable[[random.Random], Problem]]:
    """The problem families of a subject; an unknown subject is bad input."""
    try:
        return _SUBJECT_FAMILIES[subject]
    except KeyError:
        known = ", ".join(sorted(_SUBJECT_FAMILIES))
        raise BadInput(f"unknown subject {subject!r}; available: {known}") from None


def sample_problem(
    rng: random.Random, families: Sequence[str] | None = None, subject: str | None = None
) -> Problem:
    """A problem from a family drawn uniformly from `families` (default: all of them) of `subject`'s
    families (default: FAMILIES)."""
    catalog = FAMILIES if subject is None else families_for(subject)
    names = list(families) if families else list(catalog)
    unknown = [f for f in names if f not in catalog]
    if unknown:
        raise BadInput(f"unknown problem family {unknown[0]!r}; available: {', '.join(sorted(catalog))}")
    return catalog[rng.choice(names)](rng)
