"""Hostile turns: code-execution payloads never run, and huge or deep input returns within its bound
with a verdict or `unverifiable`, never `ok` for a false claim, never a crash or a hang."""

from __future__ import annotations

import time

import pytest

from tutorforge.verifiers import VerifyContext, close, verify_turn

TIMEOUT = 1.0
BOUND = TIMEOUT + 8.0  # one worker start-up (importing sympy) plus the claim's own timeout


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def _payloads(canary: str) -> list[str]:
    touch = f"__import__('os').system('touch {canary}')"
    write = f"open('{canary}', 'w').write('x')"
    return [
        f"{touch} = 0",
        f"The answer is {touch}",
        f"So the answer is x = {touch}.",
        f"${touch} = 1$",
        f"$$x = {touch}$$",
        f"\\boxed{{{touch}}}",
        f"\\boxed{{{write}}}",
        f"\\(\\text{{{touch}}} = 2\\)",
        f"$\\operatorname{{exec}}({write}) = 1$",
        f"$\\binom{{{touch}}}{{2}} = 1$",
        f'exec("{write}") = 1',
        f"eval('{write}') + 1 = 2",
        f"lambda: {touch} = 3",
        f"().__class__.__bases__[0].__subclasses__() = 1 and {touch} = 2",
        f"Symbol('x').__class__ = {touch}",
        f"the derivative of {touch} is 0",
        f"d/dx {touch} = 1",
        f"{touch}\n 5",
        f"20% of {touch} is 16",
    ]


def test_payloads_never_execute(tmp_path):
    canary = tmp_path / "canary"
    payloads = _payloads(str(canary))
    for i, text in enumerate(payloads):
        role = ("student", "teacher")[i % 2]
        verdict = verify_turn(text, role, VerifyContext("What is 2 + 3?", "5"), timeout=TIMEOUT)
        assert verdict.status in ("ok", "error", "unverifiable", "no_claims")
    # the payload as the reference answer and as the problem, too
    for text in payloads[:4]:
        verify_turn("The answer is 5.", "student", VerifyContext(text, text), timeout=TIMEOUT)
        verify_turn("x = 5", "student", VerifyContext("Solve it.", text, ["x"]), timeout=TIMEOUT)
    assert not canary.exists()


def _ten_thousand_ones(wrap: str) -> str:
    return wrap.format(" + ".join(["1"] * 10_000))


HOSTILE = [
    ("power tower", "10**10**10 = 5"),
    ("latex power tower", "$9^{9^{9^9}} = 1$"),
    ("huge factorial", "$(10^{10})! = 1$"),
    ("plain huge factorial", "(10^10)! = 3"),
    ("1000-deep parentheses", "(" * 1000 + "1" + ")" * 1000 + " = 2"),
    ("500-deep fractions", "$" + "\\frac{1}{" * 500 + "2" + "}" * 500 + " = 1$"),
    ("10,000-term false sum", _ten_thousand_ones("{} = 9999")),
    ("10,000-term false sum in LaTeX", _ten_thousand_ones("${} = 9999$")),
    ("10,000-term sum as the answer", _ten_thousand_ones("the answer is {}")),
    ("10,000-term sum boxed", _ten_thousand_ones("\\boxed{{{}}}")),
    ("1 MB turn", "1 + 1 = 3. " * 100_000),
    ("slow in sympy", "$\\binom{10000000}{5000000} = 1$"),
    ("deep braces without LaTeX commands", "{" * 5000 + "}" * 5000),
    ("many claims", "1 + 1 = 2. " * 3000),
]


@pytest.mark.parametrize("text", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_turn_is_bounded(text):
    ctx = VerifyContext("Add the numbers.", "10000")
    start = time.monotonic()
    verdict = verify_turn(text, "student", ctx, timeout=TIMEOUT)
    assert time.monotonic() - start < BOUND
    assert verdict.status in ("unverifiable", "error", "no_claims")
    assert all(len(f.detail) < 300 and len(f.claim) <= 200 for f in verdict.flags)


def test_a_false_claim_too_large_to_check_is_never_ok():
    ctx = VerifyContext("Add the numbers.", "10000")
    for text in (_ten_thousand_ones("{} = 9999"), _ten_thousand_ones("\\boxed{{{}}}"), "10**10**10 = 5"):
        assert verify_turn(text, "student", ctx, timeout=TIMEOUT).status == "unverifiable"


def test_huge_numbers_give_short_details():
    verdict = verify_turn("2^2000 = 5", "student", VerifyContext("p", None))
    assert verdict.status == "error"
    assert "digits" in verdict.flags[0].detail and len(verdict.flags[0].detail) < 120


def test_non_string_and_empty_input():
    ctx = VerifyContext("p", "5")
    assert verify_turn("", "student", ctx).status == "no_claims"
    assert verify_turn(None, "teacher", ctx).status == "no_claims"  # type: ignore[arg-type]
    assert verify_turn("1 + 1 = 2", "student", VerifyContext("p", "\\frac{" * 3000)).status == "ok"
