"""Quadratic equations solved by factoring."""

from __future__ import annotations

import random
from math import gcd

import sympy

from tutorforge.problems.model import Step, Variant
from tutorforge.problems.notation import X, expr, num, product
from tutorforge.problems.steps import Generated, step


def _roots_text(roots: list[sympy.Rational]) -> str:
    return " or ".join(f"x = {num(r)}" for r in roots)


def _root(factor: sympy.Expr) -> sympy.Rational:
    """Where a linear factor ax + b is zero."""
    return -factor.coeff(X, 0) / factor.coeff(X, 1)


def quadratic_factoring(rng: random.Random) -> Generated:
    """x^2 + bx + c = 0 with positive roots (1), roots of both signs (2), a leading or common factor (3)."""
    difficulty = rng.choice([1, 2, 3])
    scale, lead = 1, 1
    if difficulty == 1:
        r1, r2 = rng.sample(range(1, 10), 2)
    elif difficulty == 2:
        r1, r2 = -rng.randint(1, 9), rng.randint(1, 9)
        while r1 == -r2:
            r2 = rng.randint(1, 9)
        if rng.random() < 0.5:
            r1, r2 = -r2, -r1
    elif rng.random() < 0.5:
        scale = rng.randint(2, 4)
        r1, r2 = rng.sample([v for v in range(-7, 8) if v], 2)
        while r1 == -r2:
            r2 = rng.choice([v for v in range(-7, 8) if v not in (0, r1)])
    else:
        lead = rng.choice([2, 3])
        q = rng.choice([v for v in range(-5, 6) if v and gcd(v, lead) == 1])
        r2 = rng.choice([v for v in range(-6, 7) if v and v * lead not in (q, -q)])
        r1 = sympy.Rational(q, lead)
    r1, r2 = sympy.Rational(r1), sympy.Rational(r2)
    monic = sympy.expand((lead * X - lead * r1) * (X - r2))
    poly = sympy.expand(scale * monic)
    content, found = sympy.factor_list(monic)
    factors = sorted((f for f, _ in found), key=_root)
    roots = [_root(f) for f in factors]
    if content != 1 or len(roots) != 2 or roots != sorted([r1, r2]) or any(poly.subs(X, r) for r in roots):
        raise ValueError(f"{poly} does not factor with the roots {r1} and {r2}")

    steps: list[Step] = []
    if scale != 1:
        claim = f"{expr(poly)} = {num(scale)}({expr(monic)})"
        steps.append(
            step(
                ask="What number divides every coefficient?",
                text=f"Every coefficient is a multiple of {scale}: {claim}, so {expr(monic)} = 0.",
                claim=claim,
                result=f"{expr(monic)} = 0",
            )
        )
    factored = product(factors)
    claim = f"{expr(monic)} = {factored}"
    if lead == 1:
        total, prod = -sum(roots), roots[0] * roots[1]
        ask = f"Which two numbers multiply to {num(prod)} and add to {num(total)}?"
        text = (
            f"The numbers {num(-roots[0])} and {num(-roots[1])} multiply to {num(prod)} "
            f"and add to {num(total)}, so {claim}."
        )
    else:
        ask = "How can you split the middle term so the expression factors?"
        text = f"Split the middle term and group the terms in pairs: {claim}."
    steps.append(step(ask=ask, text=text, claim=claim, result=factored))

    zero = " or ".join(f"{expr(f)} = 0" for f in factors)
    claim = _roots_text(roots)
    steps.append(
        step(
            ask="What values of x make each factor zero?",
            text=f"Since {factored} = 0, one factor must be zero: {zero}, so {claim}.",
            claim=claim,
            result=claim,
            variants={
                "factor-sign": Variant(
                    claim=_roots_text([-r for r in roots]),
                    result=_roots_text([-r for r in roots]),
                    explanation=(
                        "A factor like x - a is zero when x = a, so read each root with the opposite sign "
                        "of the number in the bracket, and check by putting it back in."
                    ),
                )
            },
        )
    )
    return Generated(
        statement=f"Solve {expr(poly)} = 0 by factoring.",
        answer=claim,
        steps=steps,
        difficulty=difficulty,
        unknowns=["x"],
    )
