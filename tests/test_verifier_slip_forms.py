"""Where slips hide in prose, written by hand: labels in parentheses between operands, a computation going
on from the result before it, claims after "of" / "comes to"; each false form is flagged, each true or
unread one is not."""

from __future__ import annotations

import pytest

from tutorforge.verifiers import VerifyContext, close, verify_turn


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def _errors(text: str) -> list:
    verdict = verify_turn(text, "student", VerifyContext(problem=""))
    return [f for f in verdict.flags if f.severity == "error"]


@pytest.mark.parametrize(
    "text",
    [
        "70 (cookies) - 25 (cookies) = 46",
        "He pays 5,000. + 1,000 = 7,000 in total.",
        "Rent is 5,000.\n+ 1,000 = 7,000",
        "Rent is 5,000.\n+ 1,000 = 6,000 + 500 = 6,600",
        "That comes to 12 + 15 = 28 dollars.",
        "a total of 12 + 15 = 28 apples",
        "495 students × $15/student = $7,525",
        "So 4 + 5 = 10 = 9 + 1",  # the first link is false even though the next one restarts right
        "We get f(2) = 2 + 1 = 3. So f(2) = 4.",  # one function value stated twice, differently
    ],
)
def test_slip_is_flagged(text):
    assert [f.kind for f in _errors(text)] == ["false_arithmetic"], text


@pytest.mark.parametrize(
    "text",
    [
        "70 (cookies) - 25 (cookies) = 45",
        "He pays 5,000. + 1,000 = 6,000 in total.",
        "Rent is 5,000.\n+ 1,000 = 6,000 + 500 = 6,500",
        "3 (x) + 2 = 5",  # a letter in parentheses is a factor, not a label
        "We have 5 (see above) + 2 = 8",  # words that are no label: not read
        "She had 12 (apples) and gave 5.",
        "It costs 5.\n+ tax = 6",
        "That comes to 12 + 15 = 27 dollars.",
        "495 students × $15/student = $7,425",
        "We get f(2) = 2 + 1 = 3. So f(2) = 3.",
        "If f(x) = x then f(2) = 2. If f(x) = 2x then f(2) = 4.",  # cases: two functions
        "The units digit of f(10) = 1124 is 4, so f(10) is 4 mod 10.",
    ],
)
def test_true_or_unread_form_is_not_flagged(text):
    assert not _errors(text), [(f.claim, f.detail) for f in _errors(text)]
