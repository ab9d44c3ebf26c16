"""Steps from worked solutions (GSM8K style): each "a op b = c" in a line, checked exactly and normalised.

A line such as "So she has 3 bags * $50 per bag = $150 in all." holds the claim "3 × 50 = 150".
A fraction written tight, "2/3", is one number (as the verifier reads it); any other "/" is division, "÷".
Parsing is a small tokenizer and a recursive-descent evaluator over exact fractions: nothing is
evaluated as code, and the work is bounded by the line length, the token count and the number size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from tutorforge.problems.model import Step, Variant

MAX_LINE = 2000
MAX_TOKENS = 400
MAX_DIGITS = 18
MAX_UNIT_WORDS = 6

_ANNOTATION = re.compile(r"<<[^<>]*>>")
_TOKEN = re.compile(
    r"(?P<num>[$€£]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)[%€£]?)"
    r"|(?P<op>[+\-–−*×÷/])"
    r"|(?P<lp>\()|(?P<rp>\))|(?P<eq>=)"
    r"|(?P<word>[A-Za-z][A-Za-z'’]*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)"
)
_SYMBOL = {"+": "+", "-": "-", "–": "-", "−": "-", "*": "×", "×": "×", "x": "×", "X": "×", "÷": "÷", "/": "÷"}
_CURRENCY = {"$": "dollars", "€": "euros", "£": "pounds"}
_VARIABLES = set("xyzn")
_PRECEDENCE = {"+": 1, "-": 1, "×": 2, "÷": 2}
_DIGITS = re.compile(r"\d+")
_STOP = frozenset("and so because which that then in for to of on at is are was has this does".split())


@dataclass
class _Tok:
    kind: str
    text: str
    start: int
    end: int


@dataclass
class Claim:
    """One checked claim found in a line."""

    claim: str
    result: str
    ask: str
    variants: dict[str, Variant]
    span: tuple[int, int]
    unit: str  # the word after the final number, or "dollars" after "$", when it looks like a unit


# An expression tree: a number (value, text) or an operation (op, left, right), or a bracket.
@dataclass
class _Num:
    value: Fraction  # as written, before a percent sign is applied
    text: str  # as written, without currency or percent signs
    currency: str  # the unit a currency sign gives ("dollars"), or ""
    percent: bool


@dataclass
class _Op:
    op: str
    left: _Node
    right: _Node


@dataclass
class _Paren:
    inner: _Node


_Node = _Num | _Op | _Paren


def strip_annotations(line: str) -> str:
    """A GSM8K line without its <<48/2=24>> calculator annotations."""
    return _ANNOTATION.sub("", line)


def _tokens(line: str) -> list[_Tok]:
    return [
        _Tok(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(line)
        if m.lastgroup != "space"
    ]


def _number(text: str) -> _Num | None:
    currency = next((_CURRENCY[c] for c in (text[0], text[-1]) if c in _CURRENCY), "")
    percent = text.endswith("%")
    body = text.strip("$€£%").replace(",", "")
    if len(body.replace(".", "")) > MAX_DIGITS:
        return None
    if body.startswith("."):
        body = "0" + body
    return _Num(Fraction(body), body, currency, percent)


class _Parser:
    """Recursive descent over one line's tokens, starting at a given position."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks

    def kind(self, i: int) -> str:
        return self.toks[i].kind if i < len(self.toks) else "end"

    def is_times_word(self, i: int) -> bool:
        """'x' between two operands is multiplication ("10 x 2")."""
        t = self.toks[i] if i < len(self.toks) else None
        return (
            t is not None and t.kind == "word" and t.text in ("x", "X") and self.kind(i + 1) in ("num", "lp")
        )

    def operator(self, i: int) -> str | None:
        if self.kind(i) == "op" or self.is_times_word(i):
            return _SYMBOL[self.toks[i].text]
        return None

    def skip_units(self, i: int) -> int:
        """After an operand, unit words ("3 bids * $50 per bid =", "2 kg/day x") are skipped when an
        operator or = follows them."""
        j = i
        while j - i < MAX_UNIT_WORDS:
            if self.kind(j) == "word" and not self.is_times_word(j):
                t = self.toks[j]
                glued = j == i and self.toks[j - 1].end == t.start
                if len(t.text) < 2 and (not glued or t.text in _VARIABLES):
                    return i
            elif not self.is_per(j):
                break
            j += 1
        if j > i and (self.operator(j) or self.kind(j) == "eq"):
            return j
        return i

    def is_per(self, j: int) -> bool:
        """A "/" joining a unit to what comes before it, with no spaces: "kg/day", "3€/game"."""
        t = self.toks[j] if j < len(self.toks) else None
        if t is None or t.text != "/" or self.kind(j + 1) != "word":
            return False
        return self.toks[j - 1].end == t.start and t.end == self.toks[j + 1].start

    def fraction(self, i: int) -> _Num | None:
        """ "2/3" written tight, two plain integers: one number."""
        if self.kind(i + 1) != "op" or self.toks[i + 1].text != "/" or self.kind(i + 2) != "num":
            return None
        top, slash, bottom = self.toks[i : i + 3]
        if top.end != slash.start or slash.end != bottom.start:
            return None
        if not (_DIGITS.fullmatch(top.text) and _DIGITS.fullmatch(bottom.text)) or int(bottom.text) == 0:
            return None
        if len(top.text) + len(bottom.text) > MAX_DIGITS:
            return None
        return _Num(Fraction(int(top.text), int(bottom.text)), f"{top.text}/{bottom.text}", "", False)

    def expression(self, i: int, depth: int = 0) -> tuple[_Node, int] | None:
        first = self.operand(i, depth)
        if first is None:
            return None
        items: list[_Node | str] = [first[0]]
        i = self.skip_units(first[1])
        while (op := self.operator(i)) is not None:
            nxt = self.operand(i + 1, depth)
            if nxt is None:
                break
            items += [op, nxt[0]]
            i = self.skip_units(nxt[1])
        return _tree(items), i

    def operand(self, i: int, depth: int) -> tuple[_Node, int] | None:
        negative = self.kind(i) == "op" and self.toks[i].text == "-" and self.kind(i + 1) == "num"
        if negative and (i == 0 or self.kind(i - 1) in ("eq", "lp", "op")):
            inner = self.operand(i + 1, depth)
            if inner is not None and isinstance(inner[0], _Num):
                num = inner[0]
                return _Num(-num.value, f"-{num.text}", num.currency, num.percent), inner[1]
        if self.kind(i) == "num":
            if fraction := self.fraction(i):
                return fraction, i + 3
            parsed = _number(self.toks[i].text)
            return None if parsed is None else (parsed, i + 1)
        if self.kind(i) == "lp" and depth < 4:
            inner = self.expression(i + 1, depth + 1)
            if inner is not None and self.kind(inner[1]) == "rp":
                return _Paren(inner[0]), inner[1] + 1
        return None


def _tree(items: list[_Node | str]) -> _Node:
    """Operator precedence over a flat list [operand, op, operand, ...]."""
    for level in (1, 2):
        for k in range(len(items) - 2, 0, -2):
            op = items[k]
            if isinstance(op, str) and _PRECEDENCE[op] == level:
                left, right = _tree(items[:k]), _tree(items[k + 1 :])
                return _Op(op, left, right)
    return items[0]  # type: ignore[return-value]


def _apply(op: str, left: Fraction | None, right: Fraction | None) -> Fraction | None:
    if left is None or right is None:
        return None
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "×":
        return left * right
    return left / right if right else None


def _value(node: _Node, percent: bool = True) -> Fraction | None:
    """The exact value; with percent=False a percent sign is read as a unit ("100 - 50 = 50%")."""
    if isinstance(node, _Num):
        return node.value / 100 if percent and node.percent else node.value
    if isinstance(node, _Paren):
        return _value(node.inner, percent)
    return _apply(node.op, _value(node.left, percent), _value(node.right, percent))


def _render(node: _Node, percent: bool = True) -> str:
    if isinstance(node, _Num):
        return node.text + ("%" if percent and node.percent else "")
    if isinstance(node, _Paren):
        return f"({_render(node.inner, percent)})"
    right = _render(node.right, percent)
    if node.op == "÷" and isinstance(node.right, _Num) and "/" in right:
        right = f"({right})"  # 6 ÷ (1/2): the same under either reading of a tight fraction
    return f"{_render(node.left, percent)} {node.op} {right}"


def _flat(node: _Node) -> tuple[list[_Node], list[str]]:
    """The operands and operators of a bracket-free chain, left to right."""
    if isinstance(node, _Op):
        lo, lops = _flat(node.left)
        ro, rops = _flat(node.right)
        return lo + ro, lops + [node.op] + rops
    return [node], []


def format_value(value: Fraction) -> str:
    """An exact value as text: "15", "2.25", or "7/12" when it has no finite decimal."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _claimable(parts: list[tuple[_Node, int, int]]) -> bool:
    """At least two different parts, one of them doing arithmetic."""
    return len({_render(n) for n, _, _ in parts}) > 1 and any(_works(n) for n, _, _ in parts)


def _works(node: _Node) -> bool:
    """Whether a part of a chain does arithmetic: an operation, or a division written as a fraction."""
    return isinstance(node, _Op) or (isinstance(node, _Num) and "/" in node.text)


def _ask(node: _Node, percent: bool) -> str:
    if isinstance(node, _Num):  # "48/2"
        top, bottom = node.text.split("/")
        return f"What do you get when you divide {top} by {bottom}?"
    operands, ops = _flat(node)
    names = [_render(o, percent) for o in operands]
    if len(set(ops)) == 1 and all(not isinstance(o, _Op) for o in operands):
        op = ops[0]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        if op == "+":
            return f"What do you get when you add {listed}?"
        if op == "×":
            if len(names) == 2:
                return f"What do you get when you multiply {names[0]} by {names[1]}?"
            return f"What do you get when you multiply {listed} together?"
        if op == "-" and len(names) == 2:
            return f"What do you get when you subtract {names[1]} from {names[0]}?"
        if op == "÷" and len(names) == 2:
            return f"What do you get when you divide {names[0]} by {names[1]}?"
    return f"What do you get when you work out {_render(node, percent)}?"


def _variants(node: _Node, value: Fraction, percent: bool) -> dict[str, Variant]:
    """Misconception variants for an imported step: adding done as subtracting, or left-to-right order."""
    out: dict[str, Variant] = {}
    operands, ops = _flat(node)
    if percent and any(isinstance(o, _Num) and o.percent for o in operands):
        return out
    if ops == ["+"] and all(isinstance(o, _Num) for o in operands):
        a, b = sorted(operands, key=lambda o: _value(o) or 0, reverse=True)
        wrong = _apply("-", _value(a), _value(b))
        if wrong is not None and wrong != value:
            out["subtract-instead-of-add"] = Variant(
                claim=f"{_render(a, percent)} - {_render(b, percent)} = {format_value(wrong)}",
                result=format_value(wrong),
                explanation="The story puts these amounts together, so they are added, not subtracted.",
            )
    if len({_PRECEDENCE[o] for o in ops}) > 1:
        running = _value(operands[0])
        for op, operand in zip(ops, operands[1:], strict=True):
            running = _apply(op, running, _value(operand))
        if running is not None and running != value:
            out["order-of-operations"] = Variant(
                claim=f"{_render(node, percent)} = {format_value(running)}",
                result=format_value(running),
                explanation="Multiplication and division come before addition and subtraction.",
            )
    return out


def find_claims(line: str) -> tuple[list[Claim], int]:
    """Every exactly true "expression = value" chain in one line, and how many chains were not all true.

    A false chain keeps its true runs: in "3/2 = 1.50 + 3.00 = 4.50" the claim "1.50 + 3.00 = 4.50" stands.
    """
    if len(line) > MAX_LINE:
        return [], 0
    toks = _tokens(line)
    if len(toks) > MAX_TOKENS:
        return [], 0
    parser = _Parser(toks)
    claims: list[Claim] = []
    rejected = 0
    i = 0
    while i < len(toks):
        found = _chain(parser, i)
        if found is None:
            i += 1
            continue
        parts, i = found
        for percent in (True, False):
            values = [_value(n, percent) for n, _, _ in parts]
            if values[0] is not None and all(v == values[0] for v in values):
                claims.append(_claim(parser, parts, percent))
                break
        else:
            rejected += 1
            claims += [_claim(parser, run, True) for run in _true_runs(parts)]
    return claims, rejected


def _true_runs(parts: list[tuple[_Node, int, int]]) -> list[list[tuple[_Node, int, int]]]:
    """Maximal runs of consecutive parts with the same value that hold an operation."""
    runs: list[list[tuple[_Node, int, int]]] = []
    current: list[tuple[_Node, int, int]] = []
    for part in parts:
        value = _value(part[0])
        if current and value is not None and value == _value(current[-1][0]):
            current.append(part)
        else:
            runs.append(current)
            current = [part] if value is not None else []
    runs.append(current)
    return [r for r in runs if _claimable(r)]


def _chain(parser: _Parser, i: int) -> tuple[list[tuple[_Node, int, int]], int] | None:
    """expression (= expression)+ starting at token i, each with its first and last token."""
    if parser.kind(i) not in ("num", "lp", "op") or (
        i > 0 and parser.operator(i - 1) and parser.kind(i) != "op"
    ):
        return None
    parts = []
    while True:
        parsed = parser.expression(i)
        if parsed is None:
            break
        node, after = parsed
        last = after - 1
        while parser.kind(last) == "word":
            last -= 1
        parts.append((node, i, last))
        if parser.kind(after) != "eq":
            break
        i = after + 1
    if not _claimable(parts):
        return None
    return parts, parts[-1][2] + 1


def _claim(parser: _Parser, parts: list[tuple[_Node, int, int]], percent: bool) -> Claim:
    """A true chain as a claim; percent=False when its percent signs are units ("100 - 50 = 50%")."""
    toks = parser.toks
    final = parts[-1][0]
    end = parts[-1][2] + 1
    value = _value(final, percent)
    assert value is not None
    currency = final.currency if isinstance(final, _Num) else ""
    first = next(n for n, _, _ in parts if _works(n))
    return Claim(
        claim=" = ".join(_render(n, percent) for n, _, _ in parts),
        result=_render(final, percent) if isinstance(final, _Num) else format_value(value),
        ask=_ask(first, percent),
        variants=_variants(first, value, percent),
        span=(toks[parts[0][1]].start, toks[parts[-1][2]].end),
        unit=currency or _unit_after(parser, end),
    )


def _unit_after(parser: _Parser, i: int) -> str:
    """The plural noun right after a result ("15 spoons", "14 old records"), or ""."""
    words: list[str] = []
    while parser.kind(i) == "word" and len(words) < 3 and parser.toks[i].text.lower() not in _STOP:
        words.append(parser.toks[i].text)
        i += 1
    plural = [w for w in words if len(w) > 3 and w.endswith("s") and not w.endswith("ss")]
    return plural[-1] if plural else ""


@dataclass
class Solution:
    """What a worked solution yields: its steps, the unit word after the last result, false claims skipped."""

    steps: list[Step]
    unit: str
    rejected: int


def steps_from_solution(lines: list[str]) -> Solution:
    """One step per checked claim, in order; the step's text is its line with every claim normalised."""
    steps: list[Step] = []
    unit, rejected = "", 0
    for raw in lines:
        line = " ".join(strip_annotations(raw).split())
        found, bad = find_claims(line)
        rejected += bad
        text = line
        for c in reversed(found):
            text = text[: c.span[0]] + c.claim + text[c.span[1] :]
        for c in found:
            steps.append(Step(ask=c.ask, text=text, claim=c.claim, result=c.result, variants=c.variants))
            unit = c.unit
    return Solution(steps, unit, rejected)
