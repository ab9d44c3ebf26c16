"""Where slips hide, written by hand: labels in parentheses between operands, a computation going on from
the result before it, claims after "of" / "comes to", a function value restated, and comparisons between
numbers; each false form is flagged, each true or unread one (a condition, a letter, an operator the text
defines) is not."""

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


@pytest.mark.parametrize(
    "text",
    [
        "So 3 + 5 > 9.",
        "\\(3 + 5 \\le 7\\)",
        "\\(7 \\geq 8\\)",
        "\\(2 + 2 \\neq 4\\)",
        "2 + 2 ≠ 4",
        "Here 2 + 3 < 4 + 5 < 6.",
        "We get 6 \\cdot 14 = 84 < 80.",
        "\\(\\frac{26}{41} < \\frac{4}{7}\\)",
    ],
)
def test_false_comparison_is_flagged(text):
    errors = _errors(text)
    assert [f.kind for f in errors] == ["false_arithmetic"], text
    assert "does not hold" in errors[0].detail


@pytest.mark.parametrize(
    "text",
    [
        "Since 2 < 3, fine.",
        "\\(3 \\le 3\\)",  # ≤, never read as <
        "\\(3 \\geq 3\\) and \\(4 \\ge 3\\)",
        "since 2^10 = 1024 > 1000",
        "\\(x > 3\\)",
        "\\(0 < r < 5\\)",
        "\\(10 \\leq 3 \\cdot 4\\)",
        "We need 3 + 5 > 9 for this.",  # a condition, not a claim
        "Is 3 + 5 > 9?",
        "It is not true that 3 + 5 > 9.",
        "we can set up the following inequality: 70 ≤ 24\\( K \\).",
        "Scores of 80-90 > 70 pass.",  # a range in prose
        "\\(0.333 < \\frac{1}{3}\\)",  # closer than the decimal shows
        "\\(\\pi > 3.14\\)",
        "Then \\(3 \\star 4 = 12\\).",  # an operator the text defines
        "Define \\(a \\star b = a + b\\). Then \\(3 \\star 4 = 12\\).",
        "\\(f(2) = 7\\) and \\(f(2) > 5\\)",
        "So 3 <= 4.",
    ],
)
def test_true_or_unread_comparison_is_not_flagged(text):
    assert not _errors(text), [(f.claim, f.detail) for f in _errors(text)]
