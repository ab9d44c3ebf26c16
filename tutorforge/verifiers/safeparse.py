"""The `ast` whitelist: Python-syntax source from `exprscan` to an expression tree (see `numeric`).

Only arithmetic operators, placeholder names and calls of whitelisted names are accepted; nothing is
ever evaluated by Python. The depth and node count are bounded."""

from __future__ import annotations

import ast
from functools import lru_cache

from tutorforge.verifiers.limits import MAX_IR_NODES
from tutorforge.verifiers.numeric import FUNCTIONS, TWO_ARG_FUNCTIONS

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


class Rejected(Exception):
    """The source holds something outside the whitelist or past a limit."""


@lru_cache(maxsize=4096)
def _parse(source: str) -> ast.expr:
    try:
        return ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise Rejected("not an expression") from exc


def to_tree(source: str, numbers: tuple) -> tuple:
    """Build the tree for `source`; `numbers[k]` is the value of the name n_k."""
    root = _parse(source)
    count = 0

    def build(node: ast.expr, depth: int) -> tuple:
        nonlocal count
        count += 1
        if count > MAX_IR_NODES or depth > 500:
            raise Rejected("expression too large")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return (_BINOPS[type(node.op)], build(node.left, depth + 1), build(node.right, depth + 1))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = build(node.operand, depth + 1)
            return ("neg", inner) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Name):
            return _name(node.id, numbers)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise Rejected("starred argument")
            args = tuple(build(a, depth + 1) for a in node.args)
            return _call(node.func.id, args)
        raise Rejected(f"{type(node).__name__} is not allowed")

    return build(root, 0)


def _name(name: str, numbers: tuple) -> tuple:
    prefix, _, rest = name.partition("_")
    if prefix == "n" and rest.isdigit() and int(rest) < len(numbers):
        return ("num", numbers[int(rest)])
    if prefix == "s" and rest:
        return ("sym", rest)
    if prefix == "c" and rest in ("pi", "E"):
        return ("const", rest)
    if prefix == "o" and rest.isdigit():
        return ("opaque", int(rest))
    raise Rejected(f"unknown name {name[:20]}")


def _call(name: str, args: tuple) -> tuple:
    prefix, _, rest = name.partition("_")
    if prefix == "f" and (rest in FUNCTIONS or rest in TWO_ARG_FUNCTIONS):
        return ("fn", rest, args)
    if len(args) != 1:
        raise Rejected(f"{name[:20]} takes one argument")
    if prefix == "d" and (rest == "_" or rest.isalpha()):
        return ("d", None if rest == "_" else rest, args[0])
    if prefix == "i" and (rest == "_" or rest.isalpha()):
        return ("int", None if rest == "_" else rest, args[0], None, None)
    if name == "pm":
        return ("pm", args[0])
    if prefix == "u":
        return ("opaque", -1)
    raise Rejected(f"unknown function {name[:20]}")
