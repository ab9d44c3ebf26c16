"""The physics problem families: seeded, varied, registered for the subject, and in agreement with the
checker: every reference step and answer verifies, every misconception variant is flagged."""

from __future__ import annotations

import random

import pytest

from tutorforge.personas.loader import load_registry
from tutorforge.personas.misconceptions import KNOWN_MISCONCEPTIONS, MISCONCEPTIONS
from tutorforge.problems.generators import families_for, sample_problem
from tutorforge.subjects.physics.checks import check_turn, given_sides
from tutorforge.subjects.physics.generators import FAMILIES, MISCONCEPTION_FAMILIES, problem_from_seed
from tutorforge.verifiers.types import VerifyContext

SEEDS = range(40)


def _errors(text: str, ctx: VerifyContext) -> list[str]:
    return [f.kind for f in check_turn(text, "student", ctx).flags if f.severity == "error"]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_reference_work_verifies_and_every_variant_is_flagged(family):
    seen = set()
    for seed in SEEDS:
        p = FAMILIES[family](random.Random(seed))
        ctx = VerifyContext(p.statement, p.answer, subject="physics")
        assert given_sides(p.statement), p.statement  # the givens the checker evaluates formulas with
        assert check_turn(p.statement, "teacher", ctx).flags == []
        assert check_turn(f"The answer is {p.answer}.", "student", ctx).claims == 1
        assert _errors(f"The answer is {p.answer}.", ctx) == []
        for step in p.steps:
            result = check_turn(step.claim, "student", ctx)
            assert result.claims >= 1 and result.flags == [], (step.claim, result.flags)
            assert step.claim in step.text
            for misconception, variant in step.variants.items():
                seen.add(misconception)
                assert family in MISCONCEPTION_FAMILIES[misconception]
                assert _errors(variant.claim, ctx), (misconception, variant.claim)
    assert seen == {m for m, families in MISCONCEPTION_FAMILIES.items() if family in families}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_families_are_seeded_and_varied(family):
    problems = [FAMILIES[family](random.Random(seed)) for seed in SEEDS]
    assert len({p.statement for p in problems}) > len(problems) // 2
    for p in problems[:5]:
        assert problem_from_seed(family, p.seed) == p
        assert p.family == family and p.subject == "physics"


def test_the_pack_registers_its_families_and_misconceptions():
    registry = load_registry(path_env="")
    assert set(families_for("physics")) == set(FAMILIES)
    drawn = {sample_problem(random.Random(i), subject="physics").family for i in range(200)}
    assert drawn == set(FAMILIES)
    assert {sample_problem(random.Random(i), subject="physics").subject for i in range(20)} == {"physics"}
    physics_ids = set(MISCONCEPTION_FAMILIES) - set(MISCONCEPTIONS)
    assert physics_ids <= set(KNOWN_MISCONCEPTIONS)
    for mid in physics_ids:
        m = KNOWN_MISCONCEPTIONS[mid]
        assert m.description and m.example and len(m.hint) > 60
    students = [s for s in registry.by_role("student") if "physics" in s.subjects]
    held = {m for s in students for m in s.student.misconceptions}
    assert held == set(MISCONCEPTION_FAMILIES)  # the physics students hold every physics misconception
    for role in ("teacher", "critic"):
        assert any("physics" in p.subjects for p in registry.by_role(role))
