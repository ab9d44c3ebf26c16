"""Fraction arithmetic: add, subtract, multiply and divide proper fractions."""

from __future__ import annotations

import random
from math import gcd

import sympy

from tutorforge.problems.model import Step, Variant
from tutorforge.problems.notation import num
from tutorforge.problems.steps import Generated, step

_ACROSS_EXPLANATION = (
    "Fractions are not added by adding the tops and the bottoms separately: "
    "they need a common denominator, and then only the numerators combine."
)
_VERB = {"+": "add", "-": "subtract"}


def _proper(rng: random.Random, den: int, lo: int = 1) -> int:
    """A numerator that makes a proper fraction in lowest terms."""
    return rng.choice([n for n in range(lo, den) if gcd(n, den) == 1])


def _across(a: int, b: int, op: str, c: int, d: int) -> sympy.Rational | None:
    """What adding (or subtracting) across gives, when that is a sensible positive fraction."""
    top, bottom = (a + c, b + d) if op == "+" else (a - c, b - d)
    if bottom <= 0 or top <= 0:
        return None
    return sympy.Rational(top, bottom)


def _across_variant(a: int, b: int, op: str, c: int, d: int, correct: sympy.Rational) -> dict[str, Variant]:
    wrong = _across(a, b, op, c, d)
    if wrong is None or wrong == correct:
        return {}
    return {
        "fraction-add-across": Variant(
            claim=f"{a}/{b} {op} {c}/{d} = {num(wrong)}", result=num(wrong), explanation=_ACROSS_EXPLANATION
        )
    }


def _simplify(top: int, bottom: int) -> Step:
    g = gcd(top, bottom)
    claim = f"{top}/{bottom} = {num(sympy.Rational(top, bottom))}"
    return step(
        ask="Can you simplify that fraction?",
        text=f"Divide the top and the bottom by {g}: {claim}.",
        claim=claim,
        result=num(sympy.Rational(top, bottom)),
    )


def _add_or_subtract(a: int, b: int, op: str, c: int, d: int, value: sympy.Rational) -> list[Step]:
    common = sympy.ilcm(b, d)
    top_a, top_c = a * common // b, c * common // d
    steps = []
    if b != d:
        rewritten = f"{top_a}/{common} {op} {top_c}/{common}"
        claim = f"{a}/{b} {op} {c}/{d} = {rewritten}"
        steps.append(
            step(
                ask=f"What common denominator can you use for {a}/{b} and {c}/{d}?",
                text=f"Rewrite both fractions over the common denominator {common}: {claim}.",
                claim=claim,
                result=rewritten,
                variants=_across_variant(a, b, op, c, d, value),
            )
        )
    top = top_a + top_c if op == "+" else top_a - top_c
    claim = f"{top_a}/{common} {op} {top_c}/{common} = {top}/{common}"
    steps.append(
        step(
            ask=f"Now that the denominators match, what do you get when you {_VERB[op]} the fractions?",
            text=f"Keep the denominator and {_VERB[op]} the numerators: {claim}.",
            claim=claim,
            result=f"{top}/{common}",
            variants=_across_variant(top_a, common, op, top_c, common, value),
        )
    )
    if gcd(top, common) > 1:
        steps.append(_simplify(top, common))
    return steps


def _multiply(a: int, b: int, c: int, d: int) -> list[Step]:
    claim = f"{a}/{b} × {c}/{d} = {a * c}/{b * d}"
    first = step(
        ask="What do you get when you multiply the numerators together and the denominators together?",
        text=f"Multiply top by top and bottom by bottom: {claim}.",
        claim=claim,
        result=f"{a * c}/{b * d}",
    )
    return [first, _simplify(a * c, b * d)] if gcd(a * c, b * d) > 1 else [first]


def _divide(a: int, b: int, c: int, d: int) -> list[Step]:
    claim = f"{a}/{b} ÷ ({c}/{d}) = {a}/{b} × {d}/{c}"  # brackets: ÷ and / share one precedence level
    first = step(
        ask="How can you rewrite the division as a multiplication?",
        text=f"Dividing by a fraction is multiplying by its reciprocal: {claim}.",
        claim=claim,
        result=f"{a}/{b} × {d}/{c}",
    )
    return [first, *_multiply(a, b, d, c)]


def fraction_arithmetic(rng: random.Random) -> Generated:
    """Same denominators (1), different coprime denominators (2), or shared factors, × and ÷ (3)."""
    difficulty = rng.choice([1, 2, 3])
    op = rng.choice(["+", "-"]) if difficulty < 3 else rng.choice(["+", "-", "×", "÷"])
    if difficulty == 1:
        b = d = rng.randint(5, 12)
        a, c = rng.sample([n for n in range(1, b) if gcd(n, b) == 1], 2)
    elif difficulty == 2:
        b, d = rng.sample(range(2, 10), 2)
        while gcd(b, d) != 1:
            d = rng.choice([v for v in range(2, 10) if v != b])
        a, c = _proper(rng, b), _proper(rng, d)
    else:
        b, d = rng.choice([(b, d) for b in range(2, 13) for d in range(2, 13) if b != d and gcd(b, d) > 1])
        a, c = _proper(rng, b), _proper(rng, d, lo=2 if op == "÷" and d > 2 else 1)
    if op == "-" and sympy.Rational(a, b) < sympy.Rational(c, d):
        a, b, c, d = c, d, a, b
    if op in "+-":
        value = sympy.Rational(a, b) + (1 if op == "+" else -1) * sympy.Rational(c, d)
        steps = _add_or_subtract(a, b, op, c, d, value)
    elif op == "×":
        steps, value = _multiply(a, b, c, d), sympy.Rational(a * c, b * d)
    else:
        steps, value = _divide(a, b, c, d), sympy.Rational(a * d, b * c)
    if steps[-1].result != num(value):
        raise ValueError(f"{a}/{b} {op} {c}/{d}: the steps end at {steps[-1].result}, not {num(value)}")
    return Generated(
        statement=f"Work out {a}/{b} {op} {c}/{d}. Give the answer as a fraction in lowest terms.",
        answer=num(value),
        steps=steps,
        difficulty=difficulty,
    )
