"""Algebra steps: consecutive equations in one unknown, and the first against the problem's own equation.
Cases that must be flagged `invalid_step` and cases that must not, by hand and from MathDial (by qid)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mathdial_data import mathdial_rows, needs_mathdial

from tutorforge.verifiers import VerifyContext, close, verify_turn


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def _invalid(text: str, problem: str, answer: str | None = None, role: str = "student") -> list[str]:
    verdict = verify_turn(text, role, VerifyContext(problem, answer))
    return [f.claim for f in verdict.flags if f.kind == "invalid_step"]


# (text, problem, reference answer, the claims that must be flagged invalid_step)
CASES = [
    # against the problem's own equation, with or without a reference answer
    ("3x = 25", "Solve 3x + 5 = 20.", None, ["3x = 25"]),
    ("3x = 25", "Solve 3x + 5 = 20.", "x = 5", ["3x = 25"]),
    ("3x = 15", "Solve 3x + 5 = 20.", None, []),
    ("3x = 15, so x = 5", "Solve 3x + 5 = 20.", None, []),
    ("3x = 15, so x = 6", "Solve 3x + 5 = 20.", None, ["x = 6"]),
    ("3x = 15", "If 3x + 5 = 20, what is 2x?", "10", []),
    ("3x = 25", "If 3x + 5 = 20, what is 2x?", "10", []),  # a condition, not an equation to solve
    ("2(x + 3) = 2x + 6 = 14 so 2x = 8 and x = 4", "Solve 2(x + 3) = 14.", None, []),
    ("2x + 6 = 14 so 2x = 20", "Solve 2(x + 3) = 14.", None, ["2x = 20"]),
    # consecutive equations in the turn
    ("3x + 5 = 20, so 3x = 25, which gives x = 25/3", "Solve for x.", None, ["3x = 25"]),
    ("3x + 5 = 20, so 3x = 15, which gives x = 5", "Solve for x.", None, []),
    # equations on lines of their own may be a list, not a derivation; a case starts afresh
    ("3x + 5 = 20\n3x = 25", "Solve for x.", None, []),
    ("Case 1: x + 2 = 0 so x = -2. Case 2: x - 3 = 0 so x = 3.", "Solve (x + 2)(x - 3) = 0.", None, []),
    # a function applied, a ratio: read in part, so not compared
    ("S(2020) = 2 + 0 + 2 + 0 = 4, so S(2021) = 5", "Find S.", None, []),
    ("20 : (80 + y) = 1 : 6, so 20 / (80 + y) = 1/6", "Find y.", None, []),
    ("x/4 = 3, so x = 12", "Find x.", None, []),
    ("x/4 = 3, so x = 3/4", "Find x.", None, ["x = 3/4"]),
    # consequences, choices among roots and case splits are valid steps
    ("x^2 = 25 so x = 5", "Solve x^2 = 25.", None, []),
    ("x = 3 so x^2 = 9", "Find x.", None, []),
    ("(x-2)(x-3) = 0 so x - 2 = 0 or x - 3 = 0, so x = 2 or x = 3", "Solve x^2 - 5x + 6 = 0.", None, []),
    ("x^2 = 25 so x = 6", "Solve x^2 = 25.", None, ["x = 6"]),
    ("x^2 - 5x + 6 = 0 so (x-2)(x-4) = 0", "Solve x^2 - 5x + 6 = 0.", None, ["(x-2)(x-4) = 0"]),
    # trial values, suppositions and examples are not steps; other unknowns are left alone
    ("If x = 3, then 3(3) + 5 = 14, which is too small.", "Solve 3x + 5 = 20.", None, []),
    ("Let's try x = 4: 3(4) + 5 = 17.", "Solve 3x + 5 = 20.", None, []),
    ("x + y = 5 and x - y = 1", "Solve the system.", None, []),
    ("2y = 8 so y = 4", "Solve 3x + 5 = 20.", None, []),
]


@pytest.mark.parametrize("text,problem,answer,flagged", CASES, ids=[c[0][:40] for c in CASES])
def test_algebra_steps(text, problem, answer, flagged):
    assert _invalid(text, problem, answer) == flagged


def test_several_unknowns_a_step_is_confirmed_never_flagged():
    problem = "Two numbers add up to 5."
    verdict = verify_turn("2x + 2y = 10, so x + y = 5", "student", VerifyContext(problem, None))
    assert [f.claim for f in verdict.flags] == ["2x + 2y = 10"]  # the first is unverifiable, the step is ok
    verdict = verify_turn("x + y = 5 and x - y = 1", "student", VerifyContext(problem, None))
    assert not verdict.has_error and len(verdict.flags) == 2


def test_teacher_steps_are_checked_too():
    assert _invalid("Subtract 5: 3x = 25.", "Solve 3x + 5 = 20.", None, role="teacher") == ["3x = 25"]
    assert _invalid("Is 3x = 25 right?", "Solve 3x + 5 = 20.", None, role="teacher") == []


@pytest.fixture(scope="module")
def rows() -> dict:
    return mathdial_rows()


@needs_mathdial
def test_mathdial_student_algebra(rows):
    """Real students' equations (MathDial, CC BY-SA 4.0): a wrong set-up solved correctly is not an invalid
    step; a wrong solving step is."""
    row = rows[6000025]
    assert _invalid(row["student_incorrect_solution"], row["question"], "10") == []
    text = "x + 5 = 9 \n\nSubtracting 5 from both sides: \n\nx = 14"
    assert _invalid(text, row["question"], "10") == ["x = 14"]
    row = rows[6000047]
    assert _invalid("8/4 = x/8, so x = 2.", row["question"], "16") == ["x = 2"]
    assert _invalid("8/4 = x/8, so x = 16.", row["question"], "16") == []


@needs_mathdial
def test_mathdial_reference_algebra_is_clean(rows):
    """The reference solutions that solve an equation (5000498: X = $180) raise no invalid step."""
    for row in rows.values():
        answer = row["ground_truth"].strip().splitlines()[-1].strip()
        assert _invalid(row["ground_truth"], row["question"], answer, role="teacher") == [], row["qid"]


PROCESSBENCH = Path(__file__).resolve().parents[2] / "shared" / "data" / "processbench"
# Steps of ProcessBench (Apache-2.0) that experts label correct and that an earlier version flagged:
# (split, id, step): two equations listed as a pair, roots of two factors each solved on its own line,
# a root found then the next factor, a repeating decimal read in part, an equation set as a condition,
# candidates ("x = 11 or x = 15 must be correct").
PROCESSBENCH_CORRECT = [
    ("olympiadbench", "olympiadbench-192", 1),
    ("olympiadbench", "olympiadbench-73", 9),
    ("olympiadbench", "olympiadbench-464", 0),
    ("olympiadbench", "olympiadbench-11", 1),
    ("olympiadbench", "olympiadbench-620", 3),
    ("omnimath", "omnimath-656", 6),
    ("omnimath", "omnimath-550", 1),
    ("omnimath", "omnimath-986", 7),
]


@pytest.mark.skipif(not PROCESSBENCH.exists(), reason="../shared/data/processbench is absent")
@pytest.mark.parametrize("split,pid,step", PROCESSBENCH_CORRECT, ids=[c[1] for c in PROCESSBENCH_CORRECT])
def test_processbench_correct_steps_are_not_flagged(split, pid, step):
    rows = {r["id"]: r for r in json.loads((PROCESSBENCH / f"{split}.json").read_text(encoding="utf-8"))}
    row = rows[pid]
    assert row["label"] == -1 or row["label"] > step
    verdict = verify_turn(row["steps"][step], "teacher", VerifyContext(row["problem"], None))
    assert [f.claim for f in verdict.flags if f.kind == "invalid_step"] == []
