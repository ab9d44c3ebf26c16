"""Hostile turns from issue 13: each is read within its limits and never passes a false claim.

How long each takes and how much memory it uses is measured in `scripts/bench_hostile.py`."""

from __future__ import annotations

import pytest

from tutorforge.verifiers import VerifyContext, close, verify_turn
from tutorforge.verifiers.limits import MAX_NUMBER_DIGITS, unverifiable_cause

PM_CHAIN = "±" * 22 + "1 = 1"


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def _causes(verdict) -> set[str]:
    return {unverifiable_cause(f.detail) for f in verdict.flags if f.kind == "unparseable"}


def test_a_chain_of_plus_minus_signs_is_too_many_alternatives():
    verdict = verify_turn(PM_CHAIN, "student", VerifyContext("What is 1?", "1"), timeout=1.0)
    assert verdict.status == "unverifiable"
    assert _causes(verdict) == {"too many alternatives"}


def test_a_few_plus_minus_signs_are_still_checked():
    ctx = VerifyContext("Solve x² = 25.", "x = ±5", ["x"])
    assert verify_turn("x = ±5", "student", ctx).status == "ok"
    assert verify_turn("x = ±4", "student", ctx).status == "error"
    assert verify_turn("±2 · ±2 = 4", "student", VerifyContext("p", None)).status in ("ok", "error")


def test_a_plus_minus_chain_as_the_reference_answer_is_not_parsed():
    ctx = VerifyContext("What is 1?", PM_CHAIN.split(" = ")[0])
    verdict = verify_turn("The answer is 1.", "student", ctx, timeout=1.0)
    assert verdict.status == "unverifiable"
    # the same turn against a readable answer is checked
    assert verify_turn("The answer is 1.", "student", VerifyContext("What is 1?", "1")).status == "ok"


@pytest.mark.parametrize(
    "text",
    [
        "I think " + "," * 49_000 + " so 2 + 2 = 5 apples",
        "x" + "," * 20_000 + " = 2, so the answer is 2 + 2 = 5",
        "x = 1" + ", x = 1" * 6_000 + " and 2 + 2 = 5",
        "\\boxed{" + "$1$ " * 10_000 + "} 2 + 2 = 5",
        "$\\int_0^1" + "$1$ " * 10_000 + "$ and 2 + 2 = 5",
        "So the answer is 7 apples. " * 1_800 + "2 + 2 = 5",
        "2 + 2 = 5\n1" + " " * 45_000 + "x",
        "2 + 2 = 5 " + "a$1$" * 12_000,
    ],
    ids=[
        "comma flood",
        "commas before =",
        "many assignments",
        "dollar flood",
        "dollars after an integral",
        "many answer phrases",
        "blanks after a last-line number",
        "many math segments",
    ],
)
def test_floods_still_flag_the_false_claim(text):
    verdict = verify_turn(text, "student", VerifyContext("How many apples?", "4"), timeout=1.0)
    assert verdict.status in ("error", "unverifiable")
    assert verdict.status == "error" or _causes(verdict)


def test_spaces_after_an_integral_give_a_verdict():
    text = "$\\int_0^1" + " " * 15_000 + "x dx = 5$"
    verdict = verify_turn(text, "student", VerifyContext("Integrate.", None), timeout=1.0)
    assert verdict.status in ("error", "unverifiable")


def test_a_long_problem_statement_is_read_to_its_cap():
    problem = "There are many apples " * 3_500 + "How many apples are left?"
    ctx = VerifyContext(problem, "7")
    assert verify_turn("So there are 7 apples left.", "student", ctx).status == "ok"
    assert verify_turn("So there are 8 apples left.", "student", ctx).status == "error"


def test_a_number_too_long_leaves_the_turn_unverifiable_with_its_cause():
    huge = "4" * 4_301
    verdict = verify_turn(f"2 + 2 = {huge}", "student", VerifyContext("What is 2 + 2?", "4"))
    assert verdict.status == "unverifiable"
    assert _causes(verdict) == {"number too long"}
    assert str(MAX_NUMBER_DIGITS) in verdict.flags[0].detail and len(verdict.flags[0].detail) < 120
    # in thousands separators too (a run the thousands pattern read in quadratic time when it ended
    # badly), and a number at the cap is still read
    for grouped in ("1" + ",000" * 400, "1" + ",000" * 12_000 + "00"):
        verdict = verify_turn(f"{grouped} = 5", "student", VerifyContext("p", None))
        assert _causes(verdict) == {"number too long"}
    assert (
        verify_turn("9" * MAX_NUMBER_DIGITS + " = 5", "student", VerifyContext("p", None)).status == "error"
    )


def test_a_number_too_long_in_the_problem_or_answer_does_not_stop_the_turn():
    huge = "7" * 4_301
    ctx = VerifyContext(f"Tom has {huge} apples. What is 2 + 2?", "4")
    assert verify_turn("2 + 2 = 5", "student", ctx).status == "error"
    ctx = VerifyContext("What is 2 + 2?", huge)
    assert verify_turn("2 + 2 = 5", "student", ctx).status == "error"


def test_a_turn_over_the_cap_is_not_read():
    verdict = verify_turn("2 + 2 = 5. " * 5_000, "teacher", VerifyContext("p", "4"))
    assert verdict.status == "unverifiable"
    assert _causes(verdict) == {"turn too long"}
    # a turn NFKC lengthens past the cap too (each ﷺ is 18 characters)
    assert _causes(verify_turn("\ufdfa" * 3_000, "student", VerifyContext("p", None))) == {"turn too long"}


HIDDEN = [
    "2 +\u200b 2 = 5",  # zero-width space
    "2 + 2 =\u200f 5",  # right-to-left mark
    "2 \u202e+ 2 = 5",  # right-to-left override
    "2 ＋ 2 ＝ 5",  # full-width plus and equals
    "２ + ２ = ５",  # full-width digits
    "2\u00a0+\u00a02 = 5",  # no-break spaces
    "2 + 2\u2060 = 5",  # word joiner
    "\ufeff2 + 2 = 5",  # byte-order mark
]


@pytest.mark.parametrize("text", HIDDEN)
def test_invisible_and_look_alike_characters_do_not_hide_a_false_claim(text):
    verdict = verify_turn(text, "student", VerifyContext("What is 2 + 2?", "4"))
    assert verdict.status == "error"
    flag = verdict.flags[0]
    assert flag.kind == "false_arithmetic"
    # the flag points at the text as written
    assert text[flag.span[0] : flag.span[1]] == flag.claim and flag.claim.rstrip().endswith(("5", "５"))


@pytest.mark.parametrize(
    "text", ["2 +\u200b 2 = 4", "2 ＋ 2 ＝ 4", "4² = 16", "2½ + ½ = 3", "x³ = 27 when x = 3"]
)
def test_normalisation_keeps_true_claims_true(text):
    verdict = verify_turn(text, "student", VerifyContext("p", None))
    assert not verdict.has_error, verdict.flags


def test_nul_is_rejected():
    verdict = verify_turn("2 + 2 = 5\x00", "student", VerifyContext("What is 2 + 2?", "4"))
    assert verdict.status == "unverifiable"
    assert _causes(verdict) == {"NUL character"}
    # NUL in the problem is read as a space; in the answer the answer is dropped
    assert verify_turn("2 + 2 = 5", "student", VerifyContext("What\x00 is 2 + 2?", "4\x00")).status == "error"


def test_a_chain_of_thousands_of_links_is_bounded_and_a_short_one_checked():
    verdict = verify_turn("2 + 2 = 5" + " = 5" * 5_000, "student", VerifyContext("p", None))
    assert verdict.status == "unverifiable" and _causes(verdict) == {"too many claims"}
    short = "2 + 2 = 4" + " = 4" * 30 + " = 5"
    assert verify_turn(short, "student", VerifyContext("p", None)).status == "error"
