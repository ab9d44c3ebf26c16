"""The verifier: eval-free, time-bounded checks of every math claim in a turn."""

from __future__ import annotations

import re
from fractions import Fraction

from tutorforge.verifiers.types import Flag, PriorTurn, TurnVerdict, VerifyContext

__all__ = ["Flag", "PriorTurn", "TurnVerdict", "VerifyContext", "VERIFIER_VERSION", "verify_turn", "close"]

VERIFIER_VERSION = "0.1.0"

_NUM = r"-?\d+(?:\.\d+)?"
_CLAIM = re.compile(rf"({_NUM})\s*([+\-×x*÷/])\s*({_NUM})\s*=\s*({_NUM})")
_ANSWER = re.compile(rf"answer is\s*(?:[a-z]\s*=\s*)?({_NUM}(?:/\d+)?)", re.I)
_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "×": lambda a, b: a * b,
    "x": lambda a, b: a * b,
    "*": lambda a, b: a * b,
    "÷": lambda a, b: a / b if b else None,
    "/": lambda a, b: a / b if b else None,
}


def _frac(s: str) -> Fraction | None:
    try:
        return Fraction(s.strip())
    except (ValueError, ZeroDivisionError):
        return None


def verify_turn(text: str, role: str, ctx: VerifyContext, *, timeout: float = 2.0) -> TurnVerdict:
    """Check every math claim in one turn and return its verdict."""
    flags: list[Flag] = []
    claims = 0
    for m in _CLAIM.finditer(text):
        claims += 1
        a, op, b, c = Fraction(m[1]), m[2], Fraction(m[3]), Fraction(m[4])
        value = _OPS[op](a, b)
        if value != c:
            flags.append(Flag("false_arithmetic", m[0], m.span(), f"left side is {value}, not {c}"))
    ref = _frac(ctx.answer.split("=")[-1]) if ctx.answer else None
    for m in _ANSWER.finditer(text):
        claims += 1
        got = _frac(m[1])
        if ref is not None and got is not None and got != ref:
            flags.append(Flag("wrong_final_answer", m[1], m.span(1), f"reference answer is {ctx.answer}"))
    if any(f.severity == "error" for f in flags):
        status = "error"
    else:
        status = "ok" if claims else "no_claims"
    return TurnVerdict(status=status, flags=flags, claims=claims)


def close() -> None:
    """Shut down the worker pool if one was started (safe to call twice)."""
