"""The worker process behind `pool`: symbolic checks with sympy, latex2sympy2_extended and math-verify.

Reads one JSON request per line on stdin and writes one JSON reply per line on stdout. Its inputs
are expression trees (built from whitelisted node types, never from strings) and LaTeX, which only
latex2sympy2_extended's ANTLR parser reads, after length and nesting checks. It may be killed at
any moment; it exits when its parent goes away."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from fractions import Fraction

from tutorforge.verifiers.limits import (
    MAX_BITS,
    MAX_DEPTH,
    MAX_IR_NODES,
    MAX_LATEX_CHARS,
    WORKER_MEMORY_BYTES,
)
from tutorforge.verifiers.numeric import tree_from_json, tree_to_json

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}")


class Refused(Exception):
    """Input past a limit or outside the whitelist."""


def _limit_resources() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass


def _watch_parent() -> None:
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _check_latex(s: str) -> None:
    if len(s) > MAX_LATEX_CHARS:
        raise Refused("LaTeX too long")
    depth = 0
    for ch in s:
        if ch in "{(":
            depth += 1
            if depth > MAX_DEPTH:
                raise Refused("LaTeX nested too deeply")
        elif ch in "})":
            depth -= 1
    if re.search(r"\^\s*\{[^{}]*\^", s) or re.search(r"\^\s*\{?\s*\d{4,}", s) or "!" in s:
        raise Refused("power tower, large exponent or factorial")


class _Sympy:
    """Conversions between trees and sympy objects, importing sympy once."""

    def __init__(self) -> None:
        import sympy
        from latex2sympy2_extended import latex2sympy
        from math_verify import verify

        self.sp = sympy
        self.latex2sympy = latex2sympy
        self.verify = verify
        self.funcs = {
            "sqrt": sympy.sqrt,
            "ln": sympy.log,
            "log": sympy.log,
            "log10": lambda a: sympy.log(a, 10),
            "exp": sympy.exp,
            "sin": sympy.sin,
            "cos": sympy.cos,
            "tan": sympy.tan,
            "asin": sympy.asin,
            "acos": sympy.acos,
            "atan": sympy.atan,
            "abs": sympy.Abs,
            "factorial": sympy.factorial,
            "floor": sympy.floor,
            "ceil": sympy.ceiling,
            "binomial": sympy.binomial,
        }
        self.back = {
            sympy.sin: "sin",
            sympy.cos: "cos",
            sympy.tan: "tan",
            sympy.asin: "asin",
            sympy.acos: "acos",
            sympy.atan: "atan",
            sympy.exp: "exp",
            sympy.Abs: "abs",
            sympy.factorial: "factorial",
            sympy.floor: "floor",
            sympy.ceiling: "ceil",
            sympy.binomial: "binomial",
        }

    def build(self, tree: tuple):
        sp = self.sp
        tag = tree[0]
        if tag == "num":
            return sp.Rational(tree[1].numerator, tree[1].denominator)
        if tag == "sym":
            if not _NAME.fullmatch(tree[1]):
                raise Refused("bad symbol name")
            return sp.Symbol(tree[1])
        if tag == "const":
            return sp.pi if tree[1] == "pi" else sp.E
        if tag == "neg":
            return -self.build(tree[1])
        if tag in ("add", "sub", "mul", "div", "pow"):
            a, b = self.build(tree[1]), self.build(tree[2])
            if tag == "add":
                return a + b
            if tag == "sub":
                return a - b
            if tag == "mul":
                return a * b
            return a / b if tag == "div" else sp.Pow(a, b)
        if tag == "fn":
            return self.funcs[tree[1]](*(self.build(a) for a in tree[2]))
        if tag == "d":
            return sp.Derivative(self.build(tree[2]), sp.Symbol(tree[1]))
        if tag == "int":
            x = sp.Symbol(tree[1])
            if tree[3] is None:
                return sp.Integral(self.build(tree[2]), x)
            return sp.Integral(self.build(tree[2]), (x, self.build(tree[3]), self.build(tree[4])))
        raise Refused(f"cannot build {tag}")

    def to_tree(self, expr, budget: list[int]) -> tuple:
        """A tree for a sympy object, for the whitelisted node types only."""
        sp = self.sp
        budget[0] -= 1
        if budget[0] < 0:
            raise Refused("expression too large")
        if isinstance(expr, sp.UnevaluatedExpr):
            return self.to_tree(expr.args[0], budget)
        if expr.is_Integer or expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            if p.bit_length() + q.bit_length() > MAX_BITS:
                raise Refused("number too large")
            return ("num", Fraction(p, q))
        if expr.is_Float:
            return ("num", Fraction(str(expr)))
        if expr is sp.pi:
            return ("const", "pi")
        if expr is sp.E:
            return ("const", "E")
        if expr.is_Symbol:
            if not _NAME.fullmatch(expr.name):
                raise Refused("symbol name")
            return ("sym", expr.name)
        if expr.is_Add or expr.is_Mul:
            tag = "add" if expr.is_Add else "mul"
            args = [self.to_tree(a, budget) for a in expr.args]
            out = args[0]
            for a in args[1:]:
                out = (tag, out, a)
            return out
        if expr.is_Pow:
            return ("pow", self.to_tree(expr.base, budget), self.to_tree(expr.exp, budget))
        if isinstance(expr, sp.log):
            if len(expr.args) == 2:
                num, base = (("fn", "ln", (self.to_tree(a, budget),)) for a in expr.args)
                return ("div", num, base)
            return ("fn", "ln", (self.to_tree(expr.args[0], budget),))
        if isinstance(expr, sp.Derivative) and len(expr.variables) == 1:
            return ("d", expr.variables[0].name, self.to_tree(expr.expr, budget))
        if isinstance(expr, sp.Integral) and len(expr.limits) == 1 and len(expr.limits[0]) == 1:
            return ("int", expr.limits[0][0].name, self.to_tree(expr.function, budget), None, None)
        if isinstance(expr, sp.Integral | sp.Derivative):
            done = expr.doit()
            if isinstance(done, sp.Integral | sp.Derivative):
                raise Refused("cannot evaluate")
            return self.to_tree(done, budget)
        fn = self.back.get(expr.func)
        if fn is not None:
            return ("fn", fn, tuple(self.to_tree(a, budget) for a in expr.args))
        raise Refused(f"unsupported {type(expr).__name__}")

    def parse_latex(self, s: str):
        _check_latex(s)
        return self.latex2sympy(s)


def _handle(sp: _Sympy, req: dict) -> dict:
    op = req.get("op")
    if op == "latex":
        expr = sp.parse_latex(req["latex"])
        return {"tree": tree_to_json(sp.to_tree(expr, [MAX_IR_NODES]))}
    if op == "equal":
        left = sp.build(tree_from_json(req["left"])).doit()
        right = sp.build(tree_from_json(req["right"])).doit()
        diff = sp.sp.simplify(left - right)
        if diff == 0:
            return {"equal": True}
        if not diff.free_symbols:
            return {"equal": bool(diff.equals(0))}
        eq = diff.equals(0)
        return {"equal": None if eq is None else bool(eq)}
    if op == "mathverify":
        if "gold" in req:
            gold = sp.build(tree_from_json(req["gold"]))
        else:
            gold = sp.parse_latex(req["gold_latex"])
        pred = sp.build(tree_from_json(req["pred"]))
        return {"equal": bool(sp.verify(gold, pred, timeout_seconds=None))}
    if op == "solution_sets":
        return {"relation": _solution_sets(sp, req)}
    if op == "ping":
        return {"pong": True}
    raise Refused("unknown op")


def _solution_sets(sp: _Sympy, req: dict) -> str | None:
    """How the real solution sets of a = 0 and b = 0 in one unknown relate: "nested" (one holds the other),
    "disjoint", "overlap", or None when either is not a finite, nonempty set of roots."""
    x = sp.sp.Symbol(req["var"]) if _NAME.fullmatch(req["var"]) else None
    if x is None:
        raise Refused("bad symbol name")
    sets = []
    for key in ("a", "b"):
        expr = sp.sp.together(sp.build(tree_from_json(req[key])))
        found = sp.sp.solveset(expr, x, domain=sp.sp.S.Reals)
        if not isinstance(found, sp.sp.FiniteSet) or not 0 < len(found) <= 12:
            return None
        sets.append(list(found))
    a, b = sets
    shared = sum(1 for u in a if any(sp.sp.simplify(u - v) == 0 for v in b))
    if shared == 0:
        return "disjoint"
    return "nested" if shared in (len(a), len(b)) else "overlap"


def _warm_up(sp: _Sympy) -> None:
    """Pay the parser's and sympy's first-call costs before reporting ready, not inside a claim's timeout."""
    try:
        exprs = [sp.parse_latex(s) for s in ("\\frac{1}{2}+x^{2}", "\\binom{5}{2}", "\\frac{d}{dx}(3x+1)^4")]
        sp.sp.simplify(exprs[0] - exprs[0])
        sp.verify(exprs[1], exprs[1], timeout_seconds=None)
    except Exception:  # warming up is best effort
        pass


def main() -> None:
    """Serve requests until stdin closes."""
    _limit_resources()
    _watch_parent()
    import logging

    logging.disable(logging.CRITICAL)
    sp = _Sympy()
    _warm_up(sp)
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            reply = _handle(sp, json.loads(line))
        except Refused as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # any failure inside sympy is a claim we cannot check, never a crash
            reply = {"error": type(exc).__name__}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
