"""Plain-text math notation shared by the generators: the exact forms the verifier reads.

Numbers are written "5", "-5", "7/12"; linear terms "3x", "-x"; powers "x^2"; products by
juxtaposition, "12(3x + 1)^3".
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

X = sympy.Symbol("x")

Number = int | sympy.Rational


def num(value: Number) -> str:
    """An exact number: an integer, or a fraction a/b in lowest terms with the sign in front."""
    q = sympy.Rational(value)
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def paren(value: Number) -> str:
    """A number as a factor after "×": negatives in brackets, "(-3)"."""
    return f"({num(value)})" if value < 0 else num(value)


def minus(a: Number, b: Number) -> str:
    """ "a - b" written without a double sign: minus(20, -5) is "20 + 5"."""
    return f"{num(a)} - {num(b)}" if b >= 0 else f"{num(a)} + {num(-b)}"


def plus(a: Number, b: Number) -> str:
    """ "a + b" written without a double sign: plus(20, -5) is "20 - 5"."""
    return f"{num(a)} + {num(b)}" if b >= 0 else f"{num(a)} - {num(-b)}"


def term(coef: Number, var: str = "") -> str:
    """One term: term(3, "x") is "3x", term(-1, "x") is "-x", term(5) is "5"."""
    if not var:
        return num(coef)
    if coef == 1:
        return var
    if coef == -1:
        return f"-{var}"
    return f"{num(coef)}{var}"


def linear(*terms: tuple[Number, str]) -> str:
    """A sum of terms, zero terms left out: linear((3, "x"), (-5, "")) is "3x - 5"."""
    parts = [(c, v) for c, v in terms if c != 0]
    if not parts:
        return "0"
    out = term(*parts[0])
    for c, v in parts[1:]:
        out += f" + {term(c, v)}" if c > 0 else f" - {term(-c, v)}"
    return out


def expr(e: sympy.Expr) -> str:
    """A polynomial-like sympy expression in the notation: 12*(3*x + 1)**3 is "12(3x + 1)^3"."""
    if e.is_Add:
        terms = sorted(e.args, key=_degree, reverse=True)
        out = expr(terms[0])
        for t in terms[1:]:
            coef, _ = t.as_coeff_Mul()
            out += f" - {expr(-t)}" if coef < 0 else f" + {expr(t)}"
        return out
    if e.is_Mul:
        coef, rest = e.as_coeff_Mul()
        factors = sorted(sympy.Mul.make_args(rest), key=lambda f: not f.free_symbols or not _is_power_of_x(f))
        body = "".join(_factor(f) for f in factors)
        if coef == 1:
            return body
        if coef == -1:
            return f"-{body}"
        return f"{num(coef)}{body}"
    if e.is_Number:
        return num(e)
    return _factor(e)


def product(factors: Sequence[sympy.Expr]) -> str:
    """A factored form: product([x - 2, x - 3]) is "(x - 2)(x - 3)", factors kept in order."""
    return "".join(f"({expr(f)})" for f in factors)


def _factor(f: sympy.Expr) -> str:
    if f.is_Symbol:
        return f.name
    if f.is_Pow:
        base, exp = f.args
        inner = base.name if base.is_Symbol else f"({expr(base)})"
        return f"{inner}^{num(exp)}"
    if f.is_Add:
        return f"({expr(f)})"
    raise ValueError(f"no notation for {type(f).__name__}")


def _is_power_of_x(f: sympy.Expr) -> bool:
    return f.is_Symbol or (f.is_Pow and f.args[0].is_Symbol)


def _degree(t: sympy.Expr) -> int:
    return int(sympy.degree(t, X)) if t.free_symbols else 0
