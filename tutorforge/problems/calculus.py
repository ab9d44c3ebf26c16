"""Derivatives by the power rule and the chain rule."""

from __future__ import annotations

import random
from math import gcd

import sympy

from tutorforge.problems.model import Step, Variant
from tutorforge.problems.notation import X, expr
from tutorforge.problems.steps import Generated, step

_POWER_EXPLANATION = "The power rule lowers the exponent by one after bringing it down as a factor."
_CHAIN_EXPLANATION = "The chain rule needs one more factor: multiply by the derivative of the inside."


def _power_wrong(f: sympy.Expr) -> sympy.Expr:
    """d/dx of a polynomial as someone writes it who brings each exponent down without lowering it."""
    poly = sympy.Poly(f, X)
    return sum(c * n * X**n for (n,), c in poly.terms())


def _power_term(coef: int, n: int, ask: str, lead: str = "") -> Step:
    """d/dx coef·x^n with the power-rule-exponent variant; `lead` introduces the claim in the text."""
    f = coef * X**n
    d = sympy.diff(f, X)
    claim = f"d/dx {expr(f)} = {expr(d)}"
    if not lead:
        lead = "Bring the exponent down and lower it by one" if n > 1 else "The derivative of ax is a"
    wrong = _power_wrong(f)
    return step(
        ask=ask,
        text=f"{lead}: {claim}.",
        claim=claim,
        result=expr(d),
        variants={
            "power-rule-exponent": Variant(
                claim=f"d/dx {expr(f)} = {expr(wrong)}", result=expr(wrong), explanation=_POWER_EXPLANATION
            )
        },
    )


def _single_term(rng: random.Random) -> tuple[sympy.Expr, list[Step]]:
    coef, n = rng.randint(2, 9), rng.randint(2, 7)
    plain = _power_term(1, n, f"What is the derivative of {expr(X**n)}?")
    scaled = _power_term(
        coef,
        n,
        f"How does the coefficient {coef} change that derivative?",
        f"A constant factor stays in front, so multiply by {coef}",
    )
    return coef * X**n, [plain, scaled]


def _polynomial(rng: random.Random) -> tuple[sympy.Expr, list[Step]]:
    powers = sorted(rng.sample(range(1, 7), rng.choice([2, 3])), reverse=True)
    coefs = [rng.randint(1, 9) * rng.choice([1, -1]) for _ in powers]
    coefs[0] = abs(coefs[0])
    constant = rng.randint(-9, 9)
    f = sum(c * X**n for c, n in zip(coefs, powers, strict=True)) + constant
    steps = [
        _power_term(abs(c), n, f"What is the derivative of {expr(abs(c) * X**n)}?")
        for c, n in zip(coefs, powers, strict=True)
    ]
    d = sympy.diff(f, X)
    claim = f"d/dx ({expr(f)}) = {expr(d)}"
    constant_note = f"; the constant {constant} has derivative 0" if constant else ""
    steps.append(
        step(
            ask="What do you get when you put the derivatives of the terms together?",
            text=f"Differentiate term by term{constant_note}: {claim}.",
            claim=claim,
            result=expr(d),
            variants={
                "power-rule-exponent": Variant(
                    claim=f"d/dx ({expr(f)}) = {expr(_power_wrong(f))}",
                    result=expr(_power_wrong(f)),
                    explanation=_POWER_EXPLANATION,
                )
            },
        )
    )
    return f, steps


def _chain(rng: random.Random, *, hard: bool) -> tuple[sympy.Expr, list[Step]]:
    """k(inner)^n with inner = ax + b, or x^2 + c when hard."""
    n = rng.randint(3, 5)
    k = rng.randint(2, 3) if hard else 1
    if hard and rng.random() < 0.5:
        inner = X**2 + rng.choice([v for v in range(-9, 10) if v])
        n = rng.randint(3, 4)
    else:
        a = rng.randint(2, 5)
        inner = a * X + rng.choice([v for v in range(-7, 8) if v and gcd(a, v) == 1])
    f = k * inner**n
    d_inner = sympy.diff(inner, X)
    d = sympy.diff(f, X)
    dropped = k * n * inner ** (n - 1)
    unlowered = k * n * d_inner * inner**n
    inner_claim = f"d/dx ({expr(inner)}) = {expr(d_inner)}"
    inner_variants = {}
    if inner.coeff(X, 2):
        wrong_inner = _power_wrong(inner)
        inner_variants["power-rule-exponent"] = Variant(
            claim=f"d/dx ({expr(inner)}) = {expr(wrong_inner)}",
            result=expr(wrong_inner),
            explanation=_POWER_EXPLANATION,
        )
    first = step(
        ask=f"What is the derivative of the inside, {expr(inner)}?",
        text=f"The inside is {expr(inner)}, and its derivative is found first: {inner_claim}.",
        claim=inner_claim,
        result=expr(d_inner),
        variants=inner_variants,
    )
    claim = f"d/dx {expr(f)} = {expr(d)}"
    second = step(
        ask="Using the chain rule, what is the derivative of the whole expression?",
        text=(
            f"Bring the {n} down, lower the power to {n - 1}, and multiply by the inner derivative "
            f"{expr(d_inner)}: {claim}."
        ),
        claim=claim,
        result=expr(d),
        variants={
            "drop-chain-rule": Variant(
                claim=f"d/dx {expr(f)} = {expr(dropped)}",
                result=expr(dropped),
                explanation=_CHAIN_EXPLANATION,
            ),
            "power-rule-exponent": Variant(
                claim=f"d/dx {expr(f)} = {expr(unlowered)}",
                result=expr(unlowered),
                explanation=_POWER_EXPLANATION,
            ),
        },
    )
    return f, [first, second]


def derivative(rng: random.Random) -> Generated:
    """d/dx of k·x^n (1), of a polynomial or (ax + b)^n (2), or of k(ax + b)^n or k(x^2 + c)^n (3)."""
    difficulty = rng.choice([1, 2, 3])
    if difficulty == 1:
        f, steps = _single_term(rng)
    elif difficulty == 2 and rng.random() < 0.5:
        f, steps = _polynomial(rng)
    else:
        f, steps = _chain(rng, hard=difficulty == 3)
    return Generated(
        statement=f"Find the derivative of f(x) = {expr(f)} with respect to x.",
        answer=steps[-1].result,
        steps=steps,
        difficulty=difficulty,
        unknowns=["x"],
    )
