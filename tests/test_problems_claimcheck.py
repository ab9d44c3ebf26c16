"""An independent checker for the claim notation the problem sources write, and its own tests.

It parses the plain-text notation ("12 + 3 = 15", "20% of 80 = 16", "d/dx (3x + 1)^4 = 12(3x + 1)^3",
"x^2 - 5x + 6 = (x - 2)(x - 3)") with a small recursive-descent parser that builds sympy objects
itself: no sympify, no eval. The problem tests import `holds`, `value` and `parse`.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
import sympy

X, Y = sympy.symbols("x y")
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(d/dx)|(of)\b|([xy])|([-+×÷/()%^]))")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read {text[pos:]!r}")
        out.append(m.group().strip())
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self) -> sympy.Expr:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> sympy.Expr:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok in ("×", "of"):
                self.take()
                value = value * self.unary()
            elif tok in ("÷", "/"):
                self.take()
                value = value / self.unary()
            elif tok is not None and (tok[0].isdigit() or tok in ("x", "y", "(")):
                value = value * self.unary()  # implicit multiplication: 3x, 12(3x + 1)^3
            else:
                return value

    def unary(self) -> sympy.Expr:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.power()

    def power(self) -> sympy.Expr:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return base ** self.unary()
        return base

    def atom(self) -> sympy.Expr:
        tok = self.take()
        if tok[0].isdigit():
            number = sympy.Rational(Fraction(tok))
            if self.peek() == "%":
                self.take()
                number = number / 100
            return number
        if tok in ("x", "y"):
            return X if tok == "x" else Y
        if tok == "(":
            inner = self.expr()
            if self.take() != ")":
                raise ValueError("unbalanced bracket")
            return inner
        raise ValueError(f"unexpected {tok!r}")


def parse(text: str) -> sympy.Expr:
    """One expression of the notation as a sympy object built here."""
    p = _Parser(text)
    value = p.expr()
    if p.peek() is not None:
        raise ValueError(f"left over {p.toks[p.i :]} in {text!r}")
    return value


def value(text: str) -> sympy.Expr:
    """The value of a result: an expression, or the right side of "x = 5"."""
    return parse(text.split(" = ")[-1])


def _sides(claim: str) -> list[sympy.Expr]:
    parts = claim.split(" = ")
    if parts[0].startswith("d/dx "):
        return [sympy.diff(parse(parts[0][len("d/dx ") :]), X)] + [parse(p) for p in parts[1:]]
    return [parse(p) for p in parts]


def holds(claim: str, solution: dict | None = None) -> bool:
    """True when every link of the chain is an identity, or holds at the solution {x: 5, ...}."""
    if " or " in claim:
        raise ValueError("check 'x = a or x = b' against the roots instead")
    sides = _sides(claim)
    if len(sides) < 2:
        raise ValueError(f"{claim!r} is not a statement")
    for left, right in zip(sides, sides[1:], strict=False):
        gap = sympy.expand(left - right)
        if gap == 0:
            continue
        if solution and gap.free_symbols <= set(solution) and gap.subs(solution) == 0:
            continue
        return False
    return True


def solution_of(answer: str) -> dict:
    """ "x = 5, y = 3" -> {x: 5, y: 3}."""
    out = {}
    for part in answer.split(", "):
        name, _, rhs = part.partition(" = ")
        out[X if name == "x" else Y] = parse(rhs)
    return out


def roots_of(claim: str) -> set:
    """ "x = 2 or x = 3" -> {2, 3}."""
    return {parse(part.split(" = ")[1]) for part in claim.split(" or ")}


@pytest.mark.parametrize(
    "claim",
    [
        "12 + 3 = 15",
        "12 × 3 = 36",
        "36 ÷ 4 = 9",
        "5 + 3 × 4 = 17",
        "1/3 + 1/4 = 7/12",
        "20% of 80 = 16",
        "20% = 1/5",
        "2(x + 3) = 2x + 6",
        "d/dx (3x + 1)^4 = 12(3x + 1)^3",
        "d/dx x^3 = 3x^2",
        "x^2 - 5x + 6 = (x - 2)(x - 3)",
        "-2 × (-3) + 4 = 10",
    ],
)
def test_checker_accepts_true_claims(claim: str) -> None:
    assert holds(claim)


@pytest.mark.parametrize(
    "claim",
    [
        "12 + 3 = 16",
        "5 + 3 × 4 = 32",
        "1/3 + 1/4 = 2/7",
        "20% of 80 = 4",
        "2(x + 3) = 2x + 3",
        "d/dx (3x + 1)^4 = 4(3x + 1)^3",
        "d/dx x^3 = 3x^3",
        "x^2 - 5x + 6 = (x + 2)(x + 3)",
    ],
)
def test_checker_rejects_false_claims(claim: str) -> None:
    assert not holds(claim)


def test_checker_uses_the_solution_for_equations() -> None:
    assert holds("3x = 20 - 5 = 15", {X: 5})
    assert not holds("3x = 20 + 5 = 25", {X: 5})
    assert not holds("3x = 20 - 5 = 15")  # not an identity without the solution


def test_checker_refuses_text_it_cannot_read() -> None:
    with pytest.raises(ValueError):
        parse("__import__('os')")
