"""Bounded evaluation of expression trees: exact rationals first, floats for irrational parts,
dual numbers for derivatives. Pure Python, no sympy.

Expression trees (built by `safeparse`) are tuples:
("num", Fraction) ("sym", name) ("const", "pi"|"E") ("neg", a) ("add"|"sub"|"mul"|"div"|"pow", a, b)
("fn", name, (args...)) ("d", var, body) ("int", var, body, lo, hi) ("pm", a) ("opaque", text).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from tutorforge.verifiers.limits import MAX_ALTERNATIVES, MAX_BITS, MAX_EXPONENT, MAX_FACTORIAL

Value = Fraction | float
Node = tuple


class EvalError(Exception):
    """The expression has no usable value here."""


class TooBig(EvalError):
    """A size limit was hit: the claim is not checked in-process."""


class Undefined(EvalError):
    """Division by zero, a logarithm of a negative number, ...: pick another point."""


class Unsupported(EvalError):
    """A construct the fast path does not evaluate (it may go to the worker pool)."""


def bits(x: Fraction) -> int:
    """Binary size of a rational (numerator and denominator)."""
    return x.numerator.bit_length() + x.denominator.bit_length()


def _check(x: Value) -> Value:
    if isinstance(x, Fraction):
        if bits(x) > MAX_BITS:
            raise TooBig("intermediate value too large")
        return x
    if math.isnan(x) or math.isinf(x):
        raise Undefined("not a finite number")
    return x


@dataclass(frozen=True)
class Dual:
    """a + b·ε with ε² = 0: the value and the derivative of an expression at one point."""

    v: Value
    d: Value


def _exact_root(x: Fraction, n: int) -> Fraction | None:
    if x < 0 or n < 1:
        return None
    p = _iroot(x.numerator, n)
    q = _iroot(x.denominator, n)
    if p is None or q is None:
        return None
    return Fraction(p, q)


def _iroot(a: int, n: int) -> int | None:
    if n == 2:
        r = math.isqrt(a)
        return r if r * r == a else None
    r = round(a ** (1.0 / n)) if a.bit_length() < 1000 else None
    if r is None:
        return None
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**n == a:
            return c
    return None


def _pow(a: Value, b: Value) -> Value:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if b.denominator == 1:
            e = b.numerator
            if abs(e) > MAX_EXPONENT or (a.numerator != 0 and abs(a) != 1 and bits(a) * abs(e) > MAX_BITS):
                raise TooBig("exponent too large")
            if a == 0 and e < 0:
                raise Undefined("division by zero")
            return a**e
        if b.denominator <= 12 and abs(b.numerator) <= MAX_EXPONENT:
            root = _exact_root(a, b.denominator)
            if root is not None:
                return _pow(root, Fraction(b.numerator))
        if a < 0:
            raise Undefined("fractional power of a negative number")
    fa, fb = float(a), float(b)
    if fa < 0 and not float(fb).is_integer():
        raise Undefined("fractional power of a negative number")
    if fa == 0 and fb < 0:
        raise Undefined("division by zero")
    try:
        return _check(fa**fb)
    except OverflowError as exc:
        raise TooBig("power overflows") from exc


def _sqrt(a: Value) -> Value:
    if isinstance(a, Fraction):
        root = _exact_root(a, 2)
        if root is not None:
            return root
    if a < 0:
        raise Undefined("square root of a negative number")
    return math.sqrt(float(a))


def _ln(a: Value) -> Value:
    if a <= 0:
        raise Undefined("logarithm of a non-positive number")
    if a == 1:
        return Fraction(0)
    return math.log(float(a))


def _int_arg(a: Value, what: str, limit: int) -> int:
    if not isinstance(a, Fraction) or a.denominator != 1 or a < 0:
        raise Undefined(f"{what} of a non-integer")
    if a > limit:
        raise TooBig(f"{what} argument too large")
    return int(a)


def _factorial(a: Value) -> Value:
    return Fraction(math.factorial(_int_arg(a, "factorial", MAX_FACTORIAL)))


def _binomial(n: Value, k: Value) -> Value:
    return Fraction(math.comb(_int_arg(n, "binomial", 100_000), _int_arg(k, "binomial", 100_000)))


def _float_fn(f):
    def apply(a: Value) -> Value:
        if a == 0 and f in (math.sin, math.tan, math.asin, math.atan):
            return Fraction(0)
        if a == 0 and f in (math.cos, math.exp):
            return Fraction(1)
        try:
            return _check(f(float(a)))
        except (ValueError, OverflowError) as exc:
            raise Undefined(str(exc)) from exc

    return apply


def _log10(a: Value) -> Value:
    if isinstance(a, Fraction) and a > 0 and a.denominator == 1:
        n = a.numerator
        k = len(str(n)) - 1 if n.bit_length() < 4000 else -1
        if k >= 0 and 10**k == n:
            return Fraction(k)
    return _ln(a) / math.log(10) if a > 0 else _ln(a)


def _floor(a: Value) -> Value:
    return Fraction(math.floor(a))


def _ceil(a: Value) -> Value:
    return Fraction(math.ceil(a))


FUNCTIONS = {
    "sqrt": _sqrt,
    "ln": _ln,
    "log": _ln,
    "log10": _log10,
    "exp": _float_fn(math.exp),
    "sin": _float_fn(math.sin),
    "cos": _float_fn(math.cos),
    "tan": _float_fn(math.tan),
    "asin": _float_fn(math.asin),
    "acos": _float_fn(math.acos),
    "atan": _float_fn(math.atan),
    "abs": abs,
    "factorial": _factorial,
    "floor": _floor,
    "ceil": _ceil,
}


def _mod(a: Value, n: Value) -> Value:
    """`a mod n` for integers, the least non-negative residue."""
    x, m = _int_arg(abs(a), "mod", 10**18), _int_arg(n, "mod", 10**18)
    if m == 0:
        raise Undefined("modulo zero")
    return Fraction((x if a >= 0 else -x) % m)


TWO_ARG_FUNCTIONS = {"binomial": _binomial, "mod": _mod}
CONSTANTS = {"pi": math.pi, "E": math.e}

# Derivatives of one-argument functions, as functions of the argument's value.
_DERIVS = {
    "sqrt": lambda v: 1 / (2 * _sqrt(v)),
    "ln": lambda v: 1 / v if v != 0 else _ln(v),
    "log": lambda v: 1 / v if v != 0 else _ln(v),
    "exp": lambda v: FUNCTIONS["exp"](v),
    "sin": lambda v: FUNCTIONS["cos"](v),
    "cos": lambda v: -FUNCTIONS["sin"](v),
    "tan": lambda v: 1 + FUNCTIONS["tan"](v) ** 2,
}


def _lift(x) -> Dual:
    return x if isinstance(x, Dual) else Dual(x, Fraction(0))


def _arith(op: str, a, b):
    if isinstance(a, Dual) or isinstance(b, Dual):
        return _dual_arith(op, _lift(a), _lift(b))
    if op == "add":
        return _check(a + b)
    if op == "sub":
        return _check(a - b)
    if op == "mul":
        return _check(a * b)
    if op == "div":
        if b == 0:
            raise Undefined("division by zero")
        return _check(a / b)
    return _pow(a, b)


def _dual_arith(op: str, a: Dual, b: Dual) -> Dual:
    if op == "add":
        return Dual(_check(a.v + b.v), _check(a.d + b.d))
    if op == "sub":
        return Dual(_check(a.v - b.v), _check(a.d - b.d))
    if op == "mul":
        return Dual(_check(a.v * b.v), _check(a.d * b.v + a.v * b.d))
    if op == "div":
        if b.v == 0:
            raise Undefined("division by zero")
        return Dual(_check(a.v / b.v), _check((a.d * b.v - a.v * b.d) / (b.v * b.v)))
    v = _pow(a.v, b.v)
    if b.d == 0:  # u^c
        if b.v == 0:
            return Dual(v, Fraction(0))
        return Dual(v, _check(b.v * _pow(a.v, b.v - 1) * a.d) if a.d != 0 else Fraction(0))
    # u^w = exp(w ln u)
    return Dual(v, _check(v * (b.d * _ln(a.v) + (b.v * a.d / a.v if a.d != 0 else 0))))


def _apply(name: str, args: list):
    if name in TWO_ARG_FUNCTIONS:
        if len(args) != 2 or any(isinstance(a, Dual) for a in args):
            raise Unsupported(name)
        return TWO_ARG_FUNCTIONS[name](*args)
    if len(args) != 1 or name not in FUNCTIONS:
        raise Unsupported(name)
    a = args[0]
    if isinstance(a, Dual):
        if a.d == 0:
            return Dual(FUNCTIONS[name](a.v), Fraction(0))
        if name == "abs":
            if a.v == 0:
                raise Undefined("abs is not differentiable at 0")
            return Dual(abs(a.v), a.d if a.v > 0 else -a.d)
        if name not in _DERIVS:
            raise Unsupported(f"derivative of {name}")
        return Dual(FUNCTIONS[name](a.v), _check(_DERIVS[name](a.v) * a.d))
    return FUNCTIONS[name](a)


def evaluate(node: Node, env: dict[str, Value | Dual]) -> Value | Dual:
    """Evaluate a tree with every free symbol bound in `env`. Raises EvalError subclasses."""
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "sym":
        try:
            return env[node[1]]
        except KeyError as exc:
            raise Unsupported(f"unbound symbol {node[1]}") from exc
    if tag == "neg":
        a = evaluate(node[1], env)
        return Dual(-a.v, -a.d) if isinstance(a, Dual) else -a
    if tag in ("add", "sub", "mul", "div", "pow"):
        return _arith(tag, evaluate(node[1], env), evaluate(node[2], env))
    if tag == "fn":
        return _apply(node[1], [evaluate(a, env) for a in node[2]])
    if tag == "const":
        return CONSTANTS[node[1]]
    if tag == "d":
        var, body = node[1], node[2]
        if any(isinstance(v, Dual) for v in env.values()):
            raise Unsupported("nested derivative")
        if var not in env:
            raise Unsupported(f"unbound symbol {var}")
        inner = dict(env)
        inner[var] = Dual(env[var], Fraction(1))
        out = evaluate(body, inner)
        return out.d if isinstance(out, Dual) else Fraction(0)
    raise Unsupported(tag)


def free_symbols(node: Node) -> set[str]:
    """Names of the symbols a tree depends on (d/dx f stays a function of x)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag == "sym":
            out.add(n[1])
        elif tag in ("neg", "pm"):
            stack.append(n[1])
        elif tag in ("add", "sub", "mul", "div", "pow"):
            stack.extend((n[1], n[2]))
        elif tag == "fn":
            stack.extend(n[2])
        elif tag == "d":
            out.add(n[1])
            stack.append(n[2])
        elif tag == "int":
            stack.append(n[2])
            stack.extend(x for x in n[3:5] if x is not None)
            if n[3] is None:
                out.add(n[1])
    return out


def has_tag(node: Node, tags: frozenset[str]) -> bool:
    """Whether any sub-tree carries one of `tags`."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] in tags:
            return True
        if n[0] in ("neg", "pm"):
            stack.append(n[1])
        elif n[0] in ("add", "sub", "mul", "div", "pow"):
            stack.extend((n[1], n[2]))
        elif n[0] == "fn":
            stack.extend(n[2])
        elif n[0] == "d":
            stack.append(n[2])
        elif n[0] == "int":
            stack.extend(x for x in n[2:5] if x is not None)
    return False


def expand_pm(node: Node) -> list[Node]:
    """The trees a `±` stands for: [a] without one, [+a, -a] (per ± position) otherwise.

    Raises TooBig past `MAX_ALTERNATIVES` trees: each `±` doubles them, so the check is made at every node.
    """
    tag = node[0]
    if tag == "pm":
        out = [alt for inner in expand_pm(node[1]) for alt in (inner, ("neg", inner))]
    elif tag == "neg":
        out = [("neg", a) for a in expand_pm(node[1])]
    elif tag in ("add", "sub", "mul", "div", "pow"):
        lefts, rights = expand_pm(node[1]), expand_pm(node[2])
        if len(lefts) * len(rights) > MAX_ALTERNATIVES:
            raise TooBig("too many ± alternatives")
        out = [(tag, a, b) for a in lefts for b in rights]
    else:
        return [node]
    if len(out) > MAX_ALTERNATIVES:
        raise TooBig("too many ± alternatives")
    return out


def random_points(symbols: list[str], seed: int, count: int, positive: bool = False) -> Iterator[dict]:
    """Deterministic random rational points, each binding every symbol."""
    rng = random.Random(seed)
    for _ in range(count):
        point = {}
        for s in symbols:
            if positive:
                point[s] = Fraction(rng.randint(3, 40), rng.randint(7, 19))
            else:
                num = rng.choice([-1, 1]) * rng.randint(1, 97)
                point[s] = Fraction(num, rng.randint(1, 13))
        yield point


def close_enough(a: Value, b: Value, rel: float = 1e-9) -> bool:
    """Exact equality for rationals, a relative tolerance when either side is a float."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    fa, fb = float(a), float(b)
    return abs(fa - fb) <= rel * max(1.0, abs(fa), abs(fb))


def tree_to_json(node: Node) -> list:
    """A JSON-safe copy of a tree (numbers as "p/q" strings)."""
    tag = node[0]
    if tag == "num":
        return ["num", f"{node[1].numerator}/{node[1].denominator}"]
    if tag in ("sym", "const", "opaque"):
        return [tag, node[1]]
    if tag in ("neg", "pm"):
        return [tag, tree_to_json(node[1])]
    if tag in ("add", "sub", "mul", "div", "pow"):
        return [tag, tree_to_json(node[1]), tree_to_json(node[2])]
    if tag == "fn":
        return ["fn", node[1], [tree_to_json(a) for a in node[2]]]
    if tag == "d":
        return ["d", node[1], tree_to_json(node[2])]
    return ["int", node[1], tree_to_json(node[2])] + [
        None if x is None else tree_to_json(x) for x in node[3:5]
    ]


def tree_from_json(data: list) -> Node:
    """The inverse of `tree_to_json`, accepting only known tags."""
    tag = data[0]
    if tag == "num":
        p, _, q = data[1].partition("/")
        return ("num", Fraction(int(p), int(q or 1)))
    if tag in ("sym", "const", "opaque"):
        return (tag, data[1])
    if tag in ("neg", "pm"):
        return (tag, tree_from_json(data[1]))
    if tag in ("add", "sub", "mul", "div", "pow"):
        return (tag, tree_from_json(data[1]), tree_from_json(data[2]))
    if tag == "fn" and (data[1] in FUNCTIONS or data[1] in TWO_ARG_FUNCTIONS):
        return ("fn", data[1], tuple(tree_from_json(a) for a in data[2]))
    if tag == "d":
        return ("d", data[1], tree_from_json(data[2]))
    if tag == "int":
        lo, hi = (None if x is None else tree_from_json(x) for x in data[3:5])
        return ("int", data[1], tree_from_json(data[2]), lo, hi)
    raise ValueError(f"unknown tree tag {str(tag)[:20]}")
