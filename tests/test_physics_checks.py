"""The physics checker through the real verifier (`verify_turn` with subject physics): conversions,
dimensions, arithmetic, formulas with the problem's given values, answers, roles, bounds."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest
from sympy.physics import units as u
from sympy.physics.units import convert_to

from tutorforge.subjects.physics.units import lookup
from tutorforge.verifiers import VerifyContext, close, verify_turn
from tutorforge.verifiers.types import PriorTurn

BRAKING = (
    "A car moving at 20 m/s brakes for 4 s. How fast is it then? Given: u = 20 m/s, a = -3 m/s^2, t = 4 s."
)


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def verdict(text: str, role: str = "student", answer: str = "8 m/s", history=()):
    ctx = VerifyContext(BRAKING, answer, [], list(history), subject="physics")
    return verify_turn(text, role, ctx)


def kinds(text: str, **kw) -> list[str]:
    return [f.kind for f in verdict(text, **kw).flags]


def test_a_wrong_unit_conversion_is_flagged_and_a_right_one_passes():
    wrong = verdict("So 72 km/h = 25 m/s.")
    assert wrong.status == "error"
    (flag,) = wrong.flags
    assert (flag.kind, flag.claim, flag.detail) == (
        "wrong_unit_conversion",
        "72 km/h = 25 m/s",
        "72 km/h is 20 m/s, not 25 m/s",
    )
    text = "So 72 km/h = 25 m/s."
    assert text[flag.span[0] : flag.span[1]] == flag.claim
    assert verdict("72 km/h = 72 × 1000 m / 3600 s = 20 m/s").status == "ok"
    assert verdict("It goes 36 kilometres per hour = 10 metres per second.").status == "ok"
    assert kinds("It goes 36 kilometres per hour = 36 metres per second.") == ["wrong_unit_conversion"]
    assert kinds("72 km/h = 72 m/s") == ["wrong_unit_conversion"]  # the unit slip
    assert kinds("72 km/h = 72 × 3.6 m/s = 259.2 m/s") == ["wrong_unit_conversion"]  # the inverted factor
    assert kinds("5 min = 5 s") == ["wrong_unit_conversion"]
    assert verdict("5 min = 300 s").status == "ok"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("4 m/s + 3 m = 7 m", "dimension_mismatch"),
        ("20 m/s × 4 s = 80 m/s", "dimension_mismatch"),
        ("2 m/s^2 × 3 s = 8 m/s", "false_arithmetic"),
        ("So 2 × 3 = 7.", "false_arithmetic"),
        ("v = u + at = 20 m/s + 12 m/s = 32 m/s", "invalid_step"),  # the sign of a braking acceleration
        ("a × t = 3 m/s^2 × 4 s = 12 m/s", "invalid_step"),
        ("u = 36 m/s", "invalid_step"),
    ],
)
def test_errors_of_each_kind_are_flagged_at_their_claim(text, kind):
    v = verdict(text)
    assert v.status == "error" and kind in [f.kind for f in v.flags], v.flags
    for f in v.flags:
        assert text[f.span[0] : f.span[1]] == f.claim and f.detail


@pytest.mark.parametrize(
    "text",
    [
        "v = u + at = 20 m/s - 12 m/s = 8 m/s",
        "a × t = -3 m/s^2 × 4 s = -12 m/s",
        "s = ut + 1/2 at^2 = 20 m/s × 4 s + 1/2 × (-3 m/s^2) × (4 s)^2 = 56 m",
        "t = (v - u) / a = (8 m/s - 20 m/s) / (-3 m/s^2) = 4 s",
        "½ × 2 kg × (3 m/s)² = 9 J",
        "50 km/h = 13.9 m/s",  # rounded to the last digit written
        "50 km/h ≈ 14 m/s",
    ],
)
def test_correct_work_passes(text):
    v = verdict(text)
    assert v.status == "ok" and v.claims >= 1, v.flags


def test_final_answers_compare_quantities_after_conversion():
    assert verdict("The answer is 8 m/s.").status == "ok"
    assert verdict("My final answer is 28.8 km/h.").status == "ok"
    wrong = verdict("The answer is 32 m/s.")
    assert [f.kind for f in wrong.flags] == ["wrong_final_answer"] and "8 m/s" in wrong.flags[0].detail
    assert kinds("The answer is 8 m.") == ["wrong_final_answer"]
    bare = verdict("The answer is 8.")
    assert [(f.kind, f.severity) for f in bare.flags] == [("missing_unit", "info")] and bare.status == "ok"


def test_teacher_questions_are_not_claims_and_reveals_are_noted():
    assert verdict("Is 72 km/h = 72 m/s?", role="teacher").status == "no_claims"
    assert verdict("Is 72 km/h = 72 m/s?", role="student").status == "error"  # a student's guess still counts
    early = verdict("Right, so v = 20 m/s - 12 m/s = 8 m/s.", role="teacher")
    assert [(f.kind, f.severity) for f in early.flags] == [("reveals_answer", "info")]
    said = [PriorTurn("student", "I think v = 8 m/s now.", None)]
    assert verdict("Right, so v = 20 m/s - 12 m/s = 8 m/s.", role="teacher", history=said).flags == []


def test_a_teacher_confirming_a_flagged_student_turn_is_flagged():
    slip = "72 km/h = 72 m/s"
    history = [PriorTurn("student", slip, verdict(slip))]
    v = verdict("Great job! Now use that speed in the formula.", role="teacher", history=history)
    assert [f.kind for f in v.flags] == ["affirms_wrong_answer"]
    hedged = verdict("Not quite: check the units again.", role="teacher", history=history)
    assert "affirms_wrong_answer" not in [f.kind for f in hedged.flags]


def test_the_unit_table_agrees_with_sympy_units():
    for word, quantity in [
        ("km", u.kilometer),
        ("h", u.hour),
        ("min", u.minute),
        ("g", u.gram),
        ("mph", u.mile / u.hour),
    ]:
        expected, _ = convert_to(quantity, [u.meter, u.second, u.kilogram]).as_coeff_Mul()
        assert lookup(word).scale == Fraction(int(expected.p), int(expected.q)), word
    assert lookup("kilometres").dims == (1, 0, 0) and lookup("seconds").dims == (0, 1, 0)
    assert lookup("parsec") is None and lookup("__import__") is None


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hacked') = 1 m",
        "9 m^9999999 = 1",
        "(" * 500 + "1 m" + ")" * 500 + " = 1 m",
        "10" * 40 + " m = 1 m",
        " + ".join(["1 m/s"] * 3000) + " = 3000 m/s",
        "lambda: 0 = exec = eval",
    ],
)
def test_hostile_text_is_bounded_and_never_evaluated(text):
    start = time.perf_counter()
    v = verdict(text)
    assert time.perf_counter() - start < 2.0
    assert v.status in ("ok", "error", "unverifiable", "no_claims")
    assert "hacked" not in str(v.to_dict())


def test_math_turns_keep_the_math_verifier():
    v = verify_turn(
        "So 72 km/h = 20 m/s.", "student", VerifyContext("Convert 72 km/h.", None, subject="math")
    )
    assert "wrong_unit_conversion" not in [f.kind for f in v.flags]
