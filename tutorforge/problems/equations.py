"""Linear equations: ax + b = c, unknowns on both sides, and two equations in two unknowns."""

from __future__ import annotations

import random

import sympy

from tutorforge.problems.model import Step, Variant
from tutorforge.problems.notation import linear, minus, num, paren, plus, term
from tutorforge.problems.steps import Generated, final, step

x, y = sympy.symbols("x y")


def _nonzero(rng: random.Random, lo: int, hi: int) -> int:
    return rng.choice([v for v in range(lo, hi + 1) if v != 0])


def _isolate(coef: int, var: str, const: int, rhs: int, ask: str = "", lead: str = "") -> Step:
    """From coef·var + const = rhs to coef·var = rhs - const, with the sign-slip variant.

    `ask` and `lead` (the words before the claim) default to moving the number across."""
    lhs = term(coef, var)
    value = rhs - const
    claim = f"{lhs} = {minus(rhs, const)} = {num(value)}"
    if not lead:
        lead = f"Subtract {num(const)} from both sides:" if const > 0 else f"Add {num(-const)} to both sides:"
    slipped = rhs + const
    return step(
        ask=ask or f"What can you do to both sides to get {lhs} on its own?",
        text=f"{lead} {claim}.",
        claim=claim,
        result=f"{lhs} = {num(value)}",
        variants={
            "sign-slip": Variant(
                claim=f"{lhs} = {plus(rhs, const)} = {num(slipped)}",
                result=f"{lhs} = {num(slipped)}",
                explanation=(
                    f"The {num(const)} changes sign when it moves across the equals sign, "
                    "so it has to be undone on the other side, not carried over as it is."
                ),
            )
        },
    )


def _divide(coef: int, var: str, value: int) -> Step:
    """From coef·var = value to var = value/coef."""
    root = sympy.Rational(value, coef)
    claim = f"{var} = {num(value)}/{num(coef)} = {num(root)}"
    return step(
        ask=f"What do you get when you divide both sides by {num(coef)}?",
        text=f"Divide both sides by {num(coef)}: {claim}.",
        claim=claim,
        result=f"{var} = {num(root)}",
    )


def _solve_linear(coef: int, var: str, const: int, rhs: int) -> list[Step]:
    """The steps from coef·var + const = rhs to var = value (coef > 0)."""
    steps = [_isolate(coef, var, const, rhs)] if const else []
    if coef != 1:
        steps.append(_divide(coef, var, rhs - const))
    return steps


def _distribute(factor: int, var_coef: int, var: str, const: int, then: str) -> Step:
    """factor(var_coef·var + const) multiplied out, with the distribute-one-term variant."""
    inside = linear((var_coef, var), (const, ""))
    full = linear((factor * var_coef, var), (factor * const, ""))
    one = linear((factor * var_coef, var), (const, ""))
    claim = f"{num(factor)}({inside}) = {full}"
    return step(
        ask="How can you multiply out the bracket?",
        text=f"Multiply {num(factor)} into each term of the bracket: {claim}, {then}.",
        claim=claim,
        result=full,
        variants={
            "distribute-one-term": Variant(
                claim=f"{num(factor)}({inside}) = {one}",
                result=one,
                explanation=(
                    f"The {num(factor)} in front multiplies every term in the bracket, not only the first."
                ),
            )
        },
    )


def linear_equation(rng: random.Random) -> Generated:
    """ax + b = c (difficulty 1), with negatives (2), or a(x + b) = c with a bracket (3)."""
    difficulty = rng.choice([1, 2, 3])
    a = rng.randint(2, 9)
    if difficulty == 3:
        b, root = _nonzero(rng, -9, 9), _nonzero(rng, -6, 12)
        c = a * (root + b)
        lhs = f"{a}({linear((1, 'x'), (b, ''))})"
        _check(sympy.Eq(a * (x + b), c), root)
        steps = [_distribute(a, 1, "x", b, f"so the equation becomes {linear((a, 'x'), (a * b, ''))} = {c}")]
        steps += _solve_linear(a, "x", a * b, c)
    else:
        if difficulty == 1:
            b, root = rng.randint(1, 20), rng.randint(1, 12)
        else:
            b, root = _nonzero(rng, -20, 20), _nonzero(rng, -10, 12)
        c = a * root + b
        lhs = linear((a, "x"), (b, ""))
        _check(sympy.Eq(a * x + b, c), root)
        steps = _solve_linear(a, "x", b, c)
    return Generated(
        statement=f"Solve for x: {lhs} = {c}.",
        answer=f"x = {root}",
        steps=steps,
        difficulty=difficulty,
        unknowns=["x"],
    )


def _collect(a: int, c: int, b: int, d: int) -> Step:
    """ax + b = cx + d to (a - c)x + b = d, with the sign-slip variant (a + c)x."""
    left = linear((a - c, "x"), (b, ""))
    slipped = linear((a + c, "x"), (b, ""))
    claim = f"{left} = {num(d)}"
    move = f"Subtract {term(c, 'x')} from both sides" if c > 0 else f"Add {term(-c, 'x')} to both sides"
    return step(
        ask="How can you get all the x-terms on one side?",
        text=f"{move}: {claim}.",
        claim=claim,
        result=claim,
        variants={
            "sign-slip": Variant(
                claim=f"{slipped} = {num(d)}",
                result=f"{slipped} = {num(d)}",
                explanation=(
                    f"When {term(c, 'x')} moves to the left side it changes sign, "
                    f"so it is taken away from {term(a, 'x')}, not added to it."
                ),
            )
        },
    )


def two_step_both_sides(rng: random.Random) -> Generated:
    """ax + b = cx + d (1), with negatives (2), or k(x + e) = cx + d with a bracket (3)."""
    difficulty = rng.choice([1, 2, 3])
    steps: list[Step] = []
    if difficulty == 3:
        k, inner = rng.randint(2, 5), _nonzero(rng, -6, 6)
        a, b = k, k * inner
    else:
        a, b = rng.randint(3, 9), rng.randint(1, 15) if difficulty == 1 else _nonzero(rng, -12, 12)
    if difficulty == 1:
        c, root = rng.randint(1, a - 1), rng.randint(1, 10)
    else:
        c, root = _nonzero(rng, 1 - a, a - 1), _nonzero(rng, -8, 10)
    d = (a - c) * root + b
    rhs = linear((c, "x"), (d, ""))
    if difficulty == 3:
        lhs = f"{k}({linear((1, 'x'), (inner, ''))})"
        _check(sympy.Eq(k * (x + inner), c * x + d), root)
        steps.append(
            _distribute(k, 1, "x", inner, f"so the equation becomes {linear((a, 'x'), (b, ''))} = {rhs}")
        )
    else:
        lhs = linear((a, "x"), (b, ""))
        _check(sympy.Eq(a * x + b, c * x + d), root)
    steps.append(_collect(a, c, b, d))
    steps += _solve_linear(a - c, "x", b, d)
    return Generated(
        statement=f"Solve for x: {lhs} = {rhs}.",
        answer=f"x = {root}",
        steps=steps,
        difficulty=difficulty,
        unknowns=["x"],
    )


def linear_system(rng: random.Random) -> Generated:
    """Two equations in x and y: add them (1), subtract them (2), or substitute y = mx + k (3)."""
    difficulty = rng.choice([1, 2, 3])
    if difficulty == 1:
        xv = rng.randint(2, 15)
        yv = rng.randint(1, xv - 1)
        system = [(1, 1, xv + yv), (1, -1, xv - yv)]
        eqs = [f"x + y = {xv + yv}", f"x - y = {xv - yv}"]
        steps = _by_adding(xv, yv)
    elif difficulty == 2:
        xv, yv = _nonzero(rng, -6, 9), _nonzero(rng, -6, 9)
        a2, b = rng.randint(1, 4), rng.randint(1, 5)
        a1 = a2 + rng.randint(1, 4)
        c1, c2 = a1 * xv + b * yv, a2 * xv + b * yv
        system = [(a1, b, c1), (a2, b, c2)]
        eqs = [f"{linear((a1, 'x'), (b, 'y'))} = {c1}", f"{linear((a2, 'x'), (b, 'y'))} = {c2}"]
        steps = _by_subtracting(a1, a2, b, c1, c2, xv, yv)
    else:
        xv = _nonzero(rng, -4, 6)
        m, k, b = rng.choice([-3, -2, 2, 3, 4]), _nonzero(rng, -6, 8), rng.randint(2, 4)
        a = rng.randint(1, 6) - b * m
        a = a or 1
        yv = m * xv + k
        c = a * xv + b * yv
        system = [(-m, 1, k), (a, b, c)]
        eqs = [f"y = {linear((m, 'x'), (k, ''))}", f"{linear((a, 'x'), (b, 'y'))} = {c}"]
        steps = _by_substituting(m, k, a, b, c, xv, yv)
    matrix = sympy.Matrix([[p, q] for p, q, _ in system])
    if matrix.det() == 0 or list(matrix.LUsolve(sympy.Matrix([r for *_, r in system]))) != [xv, yv]:
        raise ValueError(f"system {eqs} does not have the solution ({xv}, {yv})")
    answer = f"x = {xv}, y = {yv}"
    steps[-1] = final(steps[-1], answer)
    return Generated(
        statement=f"Solve the system of equations: {eqs[0]} and {eqs[1]}.",
        answer=answer,
        steps=steps,
        difficulty=difficulty,
        unknowns=["x", "y"],
    )


def _by_adding(xv: int, yv: int) -> list[Step]:
    s, t = xv + yv, xv - yv
    claim = f"2x = {s} + {t} = {2 * xv}"
    first = step(
        ask="What happens to y if you add the two equations together?",
        text=f"Adding the two equations cancels y: (x + y) + (x - y) = {s} + {t}, so {claim}.",
        claim=claim,
        result=f"2x = {2 * xv}",
    )
    return [first, _divide(2, "x", 2 * xv), _back_substitute(f"x + y = {s}", 1, xv, 1, s)]


def _by_subtracting(a1: int, a2: int, b: int, c1: int, c2: int, xv: int, yv: int) -> list[Step]:
    k = a1 - a2
    claim = f"{term(k, 'x')} = {minus(c1, c2)} = {num(k * xv)}"
    first = step(
        ask="What happens to y if you subtract the second equation from the first?",
        text=f"Subtracting the second equation from the first cancels the y-terms: {claim}.",
        claim=claim,
        result=f"{term(k, 'x')} = {num(k * xv)}",
    )
    steps = [first]
    if k != 1:
        steps.append(_divide(k, "x", k * xv))
    second = f"{linear((a2, 'x'), (b, 'y'))} = {c2}"
    steps.append(_back_substitute(second, a2, xv, b, c2))
    if b != 1:
        steps.append(_divide(b, "y", b * yv))
    return steps


def _back_substitute(equation: str, a: int, xv: int, b: int, c: int) -> Step:
    """Put x = xv into a·x + b·y = c and move the number across: b·y = c - a·xv (sign-slip variant)."""
    product = f"{a} × {paren(xv)}" if a != 1 else paren(xv)
    return _isolate(
        b,
        "y",
        a * xv,
        c,
        ask="What do you get for y when you put the value of x into one of the equations?",
        lead=f"Substitute x = {xv} into {equation}: {product} + {term(b, 'y')} = {c}, so",
    )


def _by_substituting(m: int, k: int, a: int, b: int, c: int, xv: int, yv: int) -> list[Step]:
    coef = a + b * m
    inside = linear((m, "x"), (k, ""))
    substituted = f"{term(a, 'x')} + {b}({inside}) = {c}"
    first = step(
        ask="What equation in x alone do you get by replacing y in the second equation?",
        text=f"Replace y with {inside} in the second equation: {substituted}.",
        claim=substituted,
        result=substituted,
    )
    collected = f"{linear((coef, 'x'), (b * k, ''))} = {c}"
    expand = _distribute(b, m, "x", k, f"and collecting the x-terms gives {collected}")
    steps = [first, expand, *_solve_linear(coef, "x", b * k, c)]
    claim = f"y = {num(m)} × {paren(xv)} {'+' if k > 0 else '-'} {abs(k)} = {num(yv)}"
    steps.append(
        step(
            ask="Now that you know x, what is y?",
            text=f"Put x = {xv} into y = {inside}: {claim}.",
            claim=claim,
            result=f"y = {num(yv)}",
        )
    )
    return steps


def _check(eq: sympy.Eq, root: int) -> None:
    """Guard: the equation built from the chosen numbers has exactly the intended root."""
    a, b = sympy.Poly(eq.lhs - eq.rhs, x).all_coeffs()
    if -b / a != root:
        raise ValueError(f"{eq} does not have the root {root}")
