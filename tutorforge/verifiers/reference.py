"""The reference answer, parsed once per answer string, and what the problem's question asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from tutorforge.verifiers.claims import extract
from tutorforge.verifiers.exprscan import NoExpr, TooComplex, scan
from tutorforge.verifiers.lexer import NumberTooLong, tokenize
from tutorforge.verifiers.limits import MAX_ALTERNATIVES
from tutorforge.verifiers.numeric import EvalError, TooBig, Value, evaluate, expand_pm, free_symbols
from tutorforge.verifiers.numwords import word_numbers
from tutorforge.verifiers.safeparse import Rejected, to_tree


@dataclass(frozen=True)
class Reference:
    """A parsed reference answer.

    kind: `value` (a number), `solutions` (values of the unknowns), `expr` (an expression in free
    symbols) or `unparsed` (compared only by math-verify in the worker pool).
    """

    text: str
    kind: str
    unknowns: tuple[str, ...] = ()
    value: Value | None = None
    tree: tuple | None = None
    solutions: tuple[dict, ...] = ()  # each maps every unknown to its value
    percent: bool = False

    @property
    def shown(self) -> str:
        """The answer as written, cut short for a flag's detail."""
        return self.text if len(self.text) <= 80 else self.text[:77] + "..."

    @property
    def values(self) -> list[Value]:
        """The numbers a student could state as the answer."""
        if self.kind == "value" and self.value is not None:
            return [self.value]
        return [v for sol in self.solutions for v in sol.values()]


@dataclass(frozen=True)
class ProblemInfo:
    """What the question asks for, read from the problem statement."""

    unit: str = ""  # the counted noun in "How many spoons ...", "" when unknown
    money: bool = False
    numbers: frozenset = field(default_factory=frozenset)  # the values the statement gives
    asked: frozenset = field(default_factory=frozenset)  # the lower-case words of its question


def _side_tree(side) -> tuple | None:
    if side.opaque:
        return None
    try:
        return to_tree(side.source, tuple(side.numbers))
    except Rejected:
        return None


def _value(tree: tuple) -> Value | None:
    try:
        v = evaluate(tree, {})
    except EvalError:
        return None
    return v if not hasattr(v, "d") else None


def _pm_values(tree: tuple) -> list[Value] | None:
    """The values a side with `±` stands for; None when one has no value or there are too many."""
    try:
        vals = [_value(t) for t in expand_pm(tree)]
    except TooBig:
        return None
    return None if any(v is None for v in vals) else vals


def side_value(side) -> Value | None:
    """The number a symbol-free side stands for, None when it is not one."""
    tree = _side_tree(side)
    return None if tree is None or free_symbols(tree) else _value(tree)


@lru_cache(maxsize=4096)
def parse_reference(answer: str, unknowns: tuple[str, ...]) -> Reference:
    """Parse a reference answer: "10", "7/12", "x = 5", "x = 2 or x = 3", "x = 2, y = 3", "12(3x + 1)^3"."""
    try:
        ex = extract(answer, frozenset(unknowns))
    except NumberTooLong:
        return Reference(answer, "unparsed", unknowns)
    groups = [a for a in ex.answers if a.how == "solutions"]
    if groups and len(groups) == 1:
        return _solutions_reference(answer, groups[0], unknowns)
    content = [i for i, t in enumerate(ex.tokens) if t.kind not in ("punct",)]
    if content:
        try:
            side = scan(ex.tokens, content[0], len(ex.tokens))
        except (NoExpr, TooComplex):
            side = None
        if side is not None and side.end > content[-1]:
            tree = _side_tree(side)
            if tree is not None:
                return _value_reference(answer, tree, unknowns, side.percent)
    return Reference(answer, "unparsed", unknowns)


def _solutions_reference(answer: str, group, unknowns: tuple[str, ...]) -> Reference:
    names = tuple(unknowns) or tuple(dict.fromkeys(n for alt in group.assignments for n, _ in alt))
    solutions = []
    for alt in group.assignments:
        options: list[dict] = [{}]
        for name, side in alt:
            tree = _side_tree(side)
            if tree is None:
                return Reference(answer, "unparsed", names)
            vals = _pm_values(tree)
            if vals is None:
                return Reference(answer, "unparsed", names)
            options = [dict(o, **{name: v}) for o in options for v in vals]
            if len(options) > MAX_ALTERNATIVES:
                return Reference(answer, "unparsed", names)
        solutions.extend(options)
        if len(solutions) > MAX_ALTERNATIVES:
            return Reference(answer, "unparsed", names)
    return Reference(answer, "solutions", names, solutions=tuple(solutions))


def _value_reference(answer: str, tree: tuple, unknowns: tuple[str, ...], percent: bool) -> Reference:
    if free_symbols(tree):
        return Reference(answer, "expr", unknowns, tree=tree)
    vals = _pm_values(tree)
    if vals is None:
        return Reference(answer, "unparsed", unknowns)
    if len(unknowns) == 1:
        sols = tuple({unknowns[0]: v} for v in vals)
        return Reference(
            answer, "solutions", unknowns, value=vals[0], tree=tree, solutions=sols, percent=percent
        )
    if len(vals) > 1:
        return Reference(answer, "unparsed", unknowns)
    return Reference(answer, "value", unknowns, value=vals[0], tree=tree, percent=percent)


def operands(tree: tuple) -> tuple | None:
    """The sorted numbers a symbol-free computation combines, or None when it is not one."""
    nums = []
    stack = [tree]
    while stack:
        n = stack.pop()
        if n[0] == "num":
            nums.append(n[1])
        elif n[0] in ("add", "sub", "mul", "div", "pow"):
            stack.extend((n[1], n[2]))
        elif n[0] == "neg":
            stack.append(n[1])
        else:
            return None
    return tuple(sorted(nums)) if len(nums) >= 2 else None


@lru_cache(maxsize=1024)
def step_results(steps: tuple[str, ...]) -> dict[tuple, frozenset]:
    """For each reference step, the numbers it combines -> the results the solution reaches from them."""
    table: dict[tuple, set] = {}
    for step in steps:
        for chain in extract(step).chains:
            for side in chain.sides[:-1]:
                tree = _side_tree(side)
                key = operands(tree) if tree is not None else None
                value = _value(tree) if key is not None else None
                if value is not None:
                    table.setdefault(key, set()).add(value)
    return {k: frozenset(v) for k, v in table.items()}


def written_numbers(tokens) -> set:
    """The numbers a text writes, a tight fraction ("4/5") both as its parts and as one number."""
    out = {t.value for t in tokens if t.kind == "num"}
    for a, op, b in zip(tokens, tokens[1:], tokens[2:], strict=False):
        tight = a.end == op.start and op.end == b.start
        if tight and op.value == "/" and a.kind == b.kind == "num" and b.value != 0:
            out.add(a.value / b.value)
    return out


@lru_cache(maxsize=1024)
def step_values(steps: tuple[str, ...]) -> frozenset:
    """Every number the reference steps write or reach: the values they combine, every side's value."""
    values: set = set()
    for step in steps:
        ex = extract(step)
        values.update(written_numbers(ex.tokens))
        for chain in ex.chains:
            values.update(v for v in map(side_value, chain.sides) if v is not None)
    return frozenset(values)


_HOW_MANY = re.compile(r"\bhow\s+many\s+(?:more\s+|fewer\s+|less\s+|total\s+|different\s+)?([a-z]+)", re.I)
_HOW_MUCH = re.compile(
    r"\bhow\s+much\b|\bcost\b|\bdollars\b|\$|\bmoney\b|\bprice\b|\bpay\b|\bspend\b|\bearn", re.I
)
_SENTENCE_END = re.compile(r"[.?!]")


def _questions(problem: str) -> list[str]:
    """The sentences ending in `?`, in one pass (a `[^.?!]*\\?` search restarts at every character)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(problem):
        if m.group() == "?":
            out.append(problem[start : m.end()])
        start = m.end()
    return out


@lru_cache(maxsize=4096)
def problem_info(problem: str) -> ProblemInfo:
    """The answer's unit, and the numbers a problem statement gives."""
    questions = _questions(problem) or [problem]
    q = questions[-1]
    m = _HOW_MANY.search(q)
    unit = m.group(1).lower() if m else ""
    money = bool(re.search(r"\bhow\s+much\b", q, re.I)) and bool(_HOW_MUCH.search(problem))
    money = money or unit in ("dollars", "dollar", "cents")  # "How many dollars did Leah lose?"
    try:
        numbers = frozenset(written_numbers(tokenize(problem[:5000])))
    except NumberTooLong:
        numbers = frozenset()
    numbers |= {value for _, _, value in word_numbers(problem[:5000])}
    asked = frozenset(re.findall(r"[a-z']+", q.lower()))
    return ProblemInfo(unit=unit, money=money, numbers=numbers, asked=asked)


def unknowns_for(ctx_unknowns: list[str], answer: str | None) -> tuple[str, ...]:
    """The unknowns: as given, else the names the reference answer assigns ("x = 5")."""
    if ctx_unknowns:
        return tuple(ctx_unknowns)
    if answer and "=" in answer:
        names = re.findall(r"(?<![A-Za-z\\])([A-Za-z])\s*=", answer)
        return tuple(dict.fromkeys(names))
    return ()
