"""Notation real solutions use, and the places slips hide (issue 11, items 1-3): written by hand, each
form with a case that must be flagged and one that must not."""

from __future__ import annotations

import pytest

from tutorforge.verifiers import VerifyContext, close, verify_turn
from tutorforge.verifiers.claims import extract, fully_read


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


CASES = [
    # degrees in trigonometry; a degree sign elsewhere is a unit
    (r"\(\sin 30^\circ = \frac{1}{2}\)", "ok"),
    (r"\(\sin 30^\circ = \frac{\sqrt{3}}{2}\)", "flag"),
    (r"\(\cos(60^{\circ}) = 0.5\)", "ok"),
    ("cos(60°) = 0.6", "flag"),
    (r"\(\tan 45^\circ = 1\)", "ok"),
    (r"\(180(6 - 2) = 720^\circ\)", "ok"),
    (r"\[ \frac{1}{\sin 2^4^\circ} = \frac{1}{2 \sin 2^3^\circ \cos 2^3^\circ} \]", "ok"),  # (2^4)°
    (r"\(180(6 - 2) = 540^\circ\)", "flag"),
    # logarithms with and without a base
    (r"\(\log_{10}(1000) = 3\)", "ok"),
    (r"\(\log_{10} 1000 = 4\)", "flag"),
    (r"\(\log_2 8 = 3\)", "ok"),
    (r"\(\log_2 32 = 6\)", "flag"),
    (r"\(\log_3 81 = 4\)", "ok"),
    (r"\(\lg 100 = 2\)", "ok"),
    (r"\(\ln 1 = 0\)", "ok"),
    (r"\(\log 2 \approx 0.301\)", "ok"),  # base 10 here; a bare log is never judged false
    (r"\(\log 8 = 3 \log 2\)", "ok"),
    # binomials and factorials next to products
    (r"\(\binom{6}{2} = 15\)", "ok"),
    (r"\(\dbinom{6}{2} = 12\)", "flag"),
    (r"\(\tbinom{5}{5} = 1\)", "ok"),
    (r"\(n! = n \times (n-1)!\)", "ok"),
    (r"\(7! = 7 \times 6!\)", "ok"),
    (r"\(7! = 7 \times 5!\)", "flag"),
    (r"\[\frac{10!}{8!} = 90\]", "ok"),
    (r"\[\frac{10!}{8!} = 80\]", "flag"),
    # e as a constant, or as a variable when the text gives it a value
    (r"\(e^0 = 1\)", "ok"),
    (r"Let the edges be a, b, c, d, e. Then \(e = 3\) and \(2e = 6\).", "ok"),
    # mixed numbers
    (r"\(2\frac{1}{3} = \frac{7}{3}\)", "ok"),
    (r"\(2\frac{1}{3} = \frac{2}{3}\)", "flag"),
    ("2 1/3 + 1 = 3 1/3", "ok"),
    ("2 1/3 + 1 = 3 2/3", "flag"),
    # repeating and cut-off decimals
    (r"\(0.\overline{3} = \frac{1}{3}\)", "ok"),
    (r"\(0.\overline{6} = \frac{1}{3}\)", "flag"),
    (r"\(\frac{2}{3} = 0.666...\)", "ok"),
    (r"\(\frac{2}{3} = 0.667\)", "ok"),
    (r"\(\frac{2}{3} = 0.656...\)", "flag"),
    ("10 / 3 ≈ 3.33", "ok"),
    ("10 / 3 ≈ 4.33", "flag"),
    # division with a remainder
    ("17 ÷ 5 = 3 remainder 2", "ok"),
    ("17 ÷ 5 = 3 remainder 3", "flag"),
    ("17 ÷ 5 = 3 R 2", "ok"),
    ("17 ÷ 5 = 4 R 2", "flag"),
    ("17 ÷ 5 = 3 with a remainder of 2.", "ok"),
    ("17 ÷ 5 = 3 with a remainder of 1.", "flag"),
    # modular arithmetic
    (r"\(17 \bmod 5 = 2\)", "ok"),
    (r"\(17 \bmod 5 = 3\)", "flag"),
    ("17 mod 5 = 2", "ok"),
    (r"\(2^{10} \equiv 4 \pmod{10}\)", "ok"),
    # square brackets: a factor's grouping after an operand, otherwise a floor or an interval
    (r"\( 3[2 + 5] = 21 \)", "ok"),
    (r"\( 3[2 + 5] = 22 \)", "flag"),
    (r"\[ \left[ \frac{3 + 225}{10} \right] = \left[ 22.8 \right] = 22 \]", "ok"),
    (r"\[ \sin 6^\circ \sin 42^\circ = \frac{1}{2}[\cos 36^\circ - \cos 48^\circ] \]", "ok"),
    (r"\[ \sin 6^\circ \sin 42^\circ = \frac{1}{2}[\cos 6^\circ - \cos 48^\circ] \]", "flag"),
    # inequalities are not equalities
    ("3 + 5 > 9", "ok"),
    (r"\(0 < 3 + 4 = 7 < 10\)", "ok"),
    (r"\(3 + 4 = 8 < 10\)", "flag"),
    (r"\(0 < 3 + 4 = 8\)", "flag"),
    (r"\(f(x) \leq 4 + 1 = 5\)", "ok"),
    (r"\(\frac{90}{123} < k < \frac{180}{123} \approx 0.732 < k\)", "ok"),  # a loose approximation
    # matrices and determinants: skipped, never misread
    (r"\[\begin{vmatrix} 1 & 2 \\ 3 & 4 \end{vmatrix} = 1 \cdot 4 - 2 \cdot 3 = -2\]", "ok"),
    (r"\[\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} = 5\]", "ok"),
    # function application and operators the text defines
    (r"\(f(2) = 4(2) + 6 = 14\)", "ok"),
    (r"\(f(2) = 4(2) + 6 = 15\)", "flag"),
    (r"\(a \star b = 2a + b\), so \(3 \star 4 = 10\)", "ok"),
    # claims the text marks false or tests as a candidate
    (r"\(2^2 + 1 \neq 6\)", "ok"),
    ("Check: 3^2 + 1 = 11? No.", "ok"),
    ("3 + 4 = 8, which is not correct.", "ok"),
    (r"\[ 2 + 1 = 1 \] (False)", "ok"),
    (r"\[ 5 + 5 = 11 \] This is a contradiction.", "ok"),
    ("5 + 3 = 9 isn't true", "ok"),
    ("5 + 3 = 9, which is not correct.", "ok"),
    # ...but a remark about the value does not retract the claim
    ("So 2 + 4 = 7, which is not a perfect square.", "flag"),
    ("We have (1-4)^2 + (1+2)^2 = 9 + 9 = 19, not equal to 25.", "flag"),
    (r"\( 1 + 2 = 4 \) (not a perfect square)", "flag"),
    (r"\[ 7^2 + 3^2 = 49 + 9 = 58 \quad (\text{not 113}) \]", "ok"),
    (r"\[ 7^2 + 3^2 = 49 + 9 = 56 \quad (\text{not 113}) \]", "flag"),
    (r"\[ p(4) + p(8) = 5 + 22 = 27 \] So, the equation does not hold for \( n = 4 \).", "ok"),
    (r"\[ p(4) + p(8) = 5 + 22 = 28 \] So, the equation does not hold for \( n = 4 \).", "flag"),
    # clause boundaries and unread tokens: never read as an equals sign or dropped
    (r"\[ \text{Area of 3 squares} = 12 \]", "ok"),
    (r"\[ \text{Total} = 3 + 4 = 8 \]", "flag"),
    (r"\[ ac - 5bd = -142 \]", "ok"),
    ("2(AC)^2 - 68AC - 444 = 0", "ok"),
    ("Then 4 * AC * BC 2044 - 1156 = 4 * AC * BC", "ok"),
    # where slips hide: across display blocks, after "of", units and labels between operands
    (r"\[ 12 \times 3 \] \[ = 36 \]", "ok"),
    (r"\[ 12 \times 3 = 36 \] \[ 36 + 4 = 41 \]", "flag"),
    (r"$12 \times 3 = 36$ and $36 + 4 = 40$", "ok"),
    (r"$12 \times 3 = 36$ and $36 + 4 = 41$", "flag"),
    ("That makes a total of 12 + 15 = 27 apples.", "ok"),
    ("That makes a total of 12 + 15 = 28 apples.", "flag"),
    ("The cost comes to 4 × 3 = 12 dollars.", "ok"),
    ("The cost comes to 4 × 3 = 13 dollars.", "flag"),
    ("495 students × $15/student = $7,425", "ok"),
    ("495 students × $15/student = $7,325", "flag"),
    ("70 (cookies) - 25 (cookies) = 45", "ok"),
    ("70 cookies - 25 cookies = 55 cookies", "flag"),
    (r"\[ 156 \text{ charges} \times 0.78 \text{ dollars/charge} = 121.68 \text{ dollars} \]", "ok"),
    (r"\[ 156 \text{ charges} \times 0.78 \text{ dollars/charge} = 120.48 \text{ dollars} \]", "flag"),
    # chains continuing from an earlier result: every link is checked
    ("12 + 3 = 15 + 5 = 20", "ok"),
    ("12 + 3 = 16 + 4 = 20", "flag"),
    (r"\(3 \times 4 = 13 = 12 + 1\)", "flag"),
    ("10,000/2 = 5,000. + 1,000 = 6,000.", "ok"),
    # lists
    ("- 10 = 2 * 5\n- 12 = 2^2 * 3", "ok"),
    ("- 10 = 2 * 5\n- 12 = 2^2 * 5", "flag"),
]


@pytest.mark.parametrize(("text", "expect"), CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_notation(text, expect):
    verdict = verify_turn(text, "student", VerifyContext(problem=""))
    errors = [(f.claim, f.detail) for f in verdict.flags if f.severity == "error"]
    if expect == "flag":
        assert errors, verdict
    else:
        assert not errors, errors


def test_one_place_decides_a_side_was_read_completely():
    ex = extract(r"\[ \text{Multiples of 3 or 5} = 100 + 60 - 20 = 140 \]")
    label, total, value = ex.chains[0].sides
    assert not fully_read(ex.tokens, label)
    assert fully_read(ex.tokens, total) and fully_read(ex.tokens, value)
    verdict = verify_turn(r"\[ \text{Multiples of 3 or 5} = 100 + 60 - 20 \]", "student", VerifyContext(""))
    assert verdict.status == "unverifiable"


def test_unread_operand_leaves_the_claim_unverifiable():
    verdict = verify_turn(r"\(\log 16 = 4\log 2 = 4(0.30102...)\)", "student", VerifyContext(""))
    assert not verdict.has_error
    assert verdict.status == "unverifiable"
