"""The seeded problem generators: determinism, true reference steps, wrong-but-consistent variants."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
import sympy
from test_problems_claimcheck import X, holds, parse, roots_of, solution_of, value

from tutorforge.errors import BadInput
from tutorforge.personas.misconceptions import MISCONCEPTIONS
from tutorforge.problems import (
    FAMILIES,
    MISCONCEPTION_FAMILIES,
    Problem,
    problem_from_seed,
    sample_problem,
)
from tutorforge.problems.word_problems import NAMES, TEMPLATES

SEEDS = range(40)
EXPECTED_FAMILIES = {
    "word_problem",
    "fraction_arithmetic",
    "percentages",
    "linear_equation",
    "two_step_both_sides",
    "linear_system",
    "quadratic_factoring",
    "derivative",
}
EQUATIONS = re.compile(r"-?[0-9xy(][0-9xy+\-^() /]*=[0-9xy+\-^() /]*[0-9xy)]")


def _problems(family: str) -> list[Problem]:
    return [FAMILIES[family](random.Random(seed)) for seed in SEEDS]


def _solution(p: Problem) -> dict | None:
    if p.family in ("linear_equation", "two_step_both_sides", "linear_system"):
        return solution_of(p.answer)
    return None


def _holds_at_roots(claim: str, p: Problem) -> bool:
    return all(holds(claim, {X: r}) for r in roots_of(p.answer))


def _true(claim: str, p: Problem) -> bool:
    if " or " in claim:
        return roots_of(claim) == roots_of(p.answer)
    if p.family == "quadratic_factoring" and "x" in claim:
        return _holds_at_roots(claim, p)
    return holds(claim, _solution(p))


def test_the_eight_families_are_registered() -> None:
    assert set(FAMILIES) == EXPECTED_FAMILIES
    # every misconception a student persona may hold, except the generic slip the student applies itself
    assert set(MISCONCEPTION_FAMILIES) == set(MISCONCEPTIONS) - {"arithmetic-slip"}
    assert set().union(*MISCONCEPTION_FAMILIES.values()) <= EXPECTED_FAMILIES


@pytest.mark.parametrize("family", sorted(EXPECTED_FAMILIES))
def test_same_seed_same_problem_and_different_seeds_differ(family: str) -> None:
    first = [p.model_dump() for p in _problems(family)]
    again = [p.model_dump() for p in _problems(family)]
    assert first == again
    statements = [p["statement"] for p in first]
    assert len(set(statements)) >= 0.8 * len(statements), Counter(statements).most_common(3)
    assert FAMILIES[family](random.Random(1)).statement != FAMILIES[family](random.Random(2)).statement


@pytest.mark.parametrize("family", sorted(EXPECTED_FAMILIES))
def test_problem_fields_and_seed_regenerates(family: str) -> None:
    for p in _problems(family)[:10]:
        assert p.family == family and p.subject == "math" and p.source == "generated"
        assert p.difficulty in (1, 2, 3)
        assert p.problem_id == Problem.make_id(family, p.statement)
        assert isinstance(p.seed, int)
        assert problem_from_seed(family, p.seed) == p
        assert p.steps and p.answer and p.statement
    difficulties = {p.difficulty for p in _problems(family)}
    assert difficulties == {1, 2, 3}


def test_sample_problem_draws_from_the_given_families() -> None:
    rng = random.Random(7)
    drawn = Counter(sample_problem(rng, ["derivative", "percentages"]).family for _ in range(60))
    assert set(drawn) == {"derivative", "percentages"}
    everything = Counter(sample_problem(rng).family for _ in range(400))
    assert set(everything) == EXPECTED_FAMILIES
    assert min(everything.values()) > 20  # uniform: 50 expected each
    with pytest.raises(BadInput, match="no_such_family"):
        sample_problem(rng, ["no_such_family"])


def test_sample_problem_is_deterministic() -> None:
    a = [sample_problem(random.Random(f"run:{i}")) for i in range(20)]
    b = [sample_problem(random.Random(f"run:{i}")) for i in range(20)]
    assert a == b


@pytest.mark.parametrize("family", sorted(EXPECTED_FAMILIES))
def test_every_step_is_true_and_the_last_reaches_the_answer(family: str) -> None:
    for p in _problems(family):
        for s in p.steps:
            assert s.claim in s.text
            assert s.ask.endswith("?") and "=" not in s.ask and s.claim not in s.ask
            assert not re.search(rf"(?<![\w/.^]){re.escape(s.result)}(?![\w/.^])", s.ask), (s.ask, s.result)
            assert _true(s.claim, p), (p.statement, s.claim)
            if "=" in s.result and " or " not in s.result and p.family != "linear_system":
                assert _true(s.result, p), (p.statement, s.result)
        last = p.steps[-1]
        assert last.result == p.answer
        if " or " not in p.answer and family != "linear_system":  # a system's last claim finds y only
            assert sympy.expand(value(last.claim) - value(p.answer)) == 0


@pytest.mark.parametrize("family", ["linear_equation", "two_step_both_sides", "linear_system"])
def test_the_answer_solves_the_stated_equations(family: str) -> None:
    for p in _problems(family):
        equations = EQUATIONS.findall(p.statement)
        assert len(equations) == (2 if family == "linear_system" else 1), p.statement
        for eq in equations:
            assert holds(eq, solution_of(p.answer)), (p.statement, p.answer)


def test_quadratic_answers_are_all_the_roots() -> None:
    for p in _problems("quadratic_factoring"):
        (equation,) = EQUATIONS.findall(p.statement)
        left, right = equation.split(" = ")
        roots = sympy.roots(sympy.Poly(parse(left) - parse(right), X))
        assert set(roots) == roots_of(p.answer) and len(roots) == 2


def test_derivative_answers_differentiate_the_function() -> None:
    for p in _problems("derivative"):
        f = re.search(r"f\(x\) = (.+) with respect to x", p.statement)
        assert f is not None
        assert sympy.expand(sympy.diff(parse(f.group(1)), X) - parse(p.answer)) == 0


def test_fraction_and_percent_answers_match_the_question() -> None:
    for p in _problems("fraction_arithmetic"):
        question = re.search(r"Work out (.+?)\. ", p.statement)
        assert question is not None
        bracketed = re.sub(r"(\d+/\d+)", r"(\1)", question.group(1))  # the fractions as written
        assert parse(bracketed) == parse(p.answer)
        assert "/" not in p.answer or sympy.Rational(p.answer).q == int(
            p.answer.split("/")[1]
        )  # lowest terms
    for p in _problems("percentages"):
        if p.difficulty == 1:
            question = re.fullmatch(r"What is (\d+% of \d+)\?", p.statement)
            assert question is not None and parse(question.group(1)) == parse(p.answer)
        assert re.fullmatch(r"\d+", p.answer)


@pytest.mark.parametrize("family", sorted(EXPECTED_FAMILIES))
def test_variants_are_wrong_where_the_misconception_applies(family: str) -> None:
    allowed = {m for m, fams in MISCONCEPTION_FAMILIES.items() if family in fams}
    for p in _problems(family):
        for s in p.steps:
            assert set(s.variants) <= allowed, (family, set(s.variants))
            for m, v in s.variants.items():
                assert v.claim != s.claim and v.result != s.result
                assert v.explanation.endswith(".")
                if m == "subtract-instead-of-add":
                    # the arithmetic is right; the operation is the wrong one
                    assert holds(v.claim) and " - " in v.claim and " + " in s.claim
                else:
                    assert not _true(v.claim, p), (m, v.claim)
                if " or " not in v.result:  # the wrong result is where the wrong claim arrives
                    assert sympy.expand(value(v.claim) - value(v.result)) == 0, (v.claim, v.result)


def test_every_misconception_has_variants_in_each_of_its_families() -> None:
    seen = {
        (m, p.family)
        for fam in EXPECTED_FAMILIES
        for p in _problems(fam)
        for s in p.steps
        for m in s.variants
    }
    expected = {(m, fam) for m, fams in MISCONCEPTION_FAMILIES.items() for fam in fams}
    assert expected <= seen, expected - seen


def test_mixed_operations_and_brackets_appear() -> None:
    words = _problems("word_problem")
    assert any(" × " in s.claim and " + " in s.claim for p in words for s in p.steps)
    bracketed = [
        p for fam in ("linear_equation", "two_step_both_sides") for p in _problems(fam) if "(" in p.statement
    ]
    assert bracketed


def test_derivatives_cover_power_and_chain_rule() -> None:
    variants = Counter(m for p in _problems("derivative") for s in p.steps for m in s.variants)
    assert variants["drop-chain-rule"] and variants["power-rule-exponent"]


def test_word_problem_templates_vary_story_names_and_steps() -> None:
    assert len(TEMPLATES) >= 6
    openings = set()
    names = set()
    for i, template in enumerate(TEMPLATES):
        for seed in range(8):
            g = template(random.Random(f"{i}:{seed}"))
            assert 2 <= len(g.steps) <= 4
            assert g.difficulty == len(g.steps) - 1
            assert g.steps[-1].result == g.answer and g.answer_unit
            for s in g.steps:
                assert holds(s.claim) and value(s.claim) == value(s.result)
            names |= {n for n, _, _ in NAMES if n in g.statement}
        openings.add(re.sub(r"\d+", "#", g.statement)[:40])
    assert len(openings) == len(TEMPLATES)
    assert len(names) >= 10
