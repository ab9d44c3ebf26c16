"""Reading physical quantities in plain text: tokens, equation chains, and exact evaluation with units.

Nothing here evaluates text as code. Numbers become `Fraction`s, unit words are looked up in the
whitelist of `units`, symbols (v, u, a, t, v0, ...) take values only from a given binding table, and
every operation is bounded in size.

    4 m/s + 2 m/s^2 × 3 s      ->  Q(10, speed)
    72 km/h                    ->  Q(20, speed)     (values are kept in SI units)
    1/2 at^2 with a, t bound   ->  Q(a t^2 / 2)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tutorforge.subjects.physics.units import DIMENSIONLESS, Dims, describe, lookup, unit_name

MAX_TOKENS = 300  # in one segment
MAX_DEPTH = 20  # nested parentheses
MAX_EXPONENT = 8
MAX_BITS = 2_000  # of any numerator or denominator
MAX_NUMBER_CHARS = 30

_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?(?![\d.]))?)"
    r"|(?P<half>½)"
    r"|(?P<word>Δ?[A-Za-z]+(?:_?\d+)?)"
    r"|(?P<sup>⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<op>[-+−×*·⋅/÷^()])"
    r"|(?P<eq>=|≈)"
    r"|(?P<brk>\n|\S)"
)
_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
_OPS = {"−": "-", "⋅": "·", "*": "·", "×": "×", "÷": "/"}
_SYMBOL_LETTERS = frozenset("uvatsxdgmhF")
_UNIT_JOINERS = ("/", "·")
SENTENCE_ENDS = frozenset(".!?\n")


@dataclass(frozen=True)
class Token:
    kind: str  # num | unit | sym | op | eq | sup | per | word | brk
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Q:
    """An exact quantity: its value in SI units and its dimension (powers of length, time, mass)."""

    value: Fraction
    dims: Dims = DIMENSIONLESS


class Unreadable(Exception):
    """A side that cannot be read as a quantity expression (a syntax problem or past a limit)."""


class Unbound(Exception):
    """A side that uses a symbol with no known value: a formula, not a checkable number."""


class DimensionError(Exception):
    """Quantities of different dimensions added or subtracted."""


@dataclass
class Side:
    """One side of an equation chain, read: its value (None when not evaluable) and how it is written."""

    tokens: list[Token]
    value: Q | None = None
    symbolic: bool = False  # uses symbols, evaluated from bindings
    single: bool = False  # one number with its unit, nothing else
    number: str = ""  # the number as written, for a single quantity
    unit: str = ""  # the unit as written, for a single quantity
    scale: Fraction = Fraction(1)  # SI factor of `unit`
    units: frozenset[str] = frozenset()
    problem: str = ""  # why the side could not be evaluated, when it has numbers
    dimension_error: str = ""
    unbound: bool = False

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


@dataclass
class Segment:
    """A run of expression tokens between prose and punctuation; `sides` split at '=' or '≈'."""

    tokens: list[Token]
    question: bool = False  # the sentence it is in ends with '?'
    approx: list[bool] = field(default_factory=list)  # per link: written with '≈'

    def sides(self) -> list[list[Token]]:
        parts: list[list[Token]] = [[]]
        for t in self.tokens:
            if t.kind == "eq":
                parts.append([])
            else:
                parts[-1].append(t)
        return parts

    @property
    def has_equation(self) -> bool:
        return any(t.kind == "eq" for t in self.tokens)


def segments(text: str) -> list[Segment]:
    """The expression runs of a text, with units, symbols and prose told apart by their context."""
    out: list[Segment] = []
    current: list[Token] = []
    sentence_start = 0  # index in `out` of the first segment of the current sentence
    for token in _classify(_raw_tokens(text)):
        if token.kind not in ("word", "brk"):
            current.append(token)
            continue
        if current:
            out.append(Segment(_trim(current)))
            current = []
        if token.kind == "brk" and token.text in SENTENCE_ENDS:
            for seg in out[sentence_start:]:
                seg.question = token.text == "?"
            sentence_start = len(out)
    if current:
        out.append(Segment(_trim(current)))
    result = []
    for seg in out:
        if seg.tokens and len(seg.tokens) <= MAX_TOKENS:
            seg.approx = [t.text == "≈" for t in seg.tokens if t.kind == "eq"]
            result.append(seg)
    return result


def _raw_tokens(text: str) -> Iterator[Token]:
    for m in _TOKEN.finditer(text):
        kind, value = m.lastgroup or "brk", m.group()
        if kind == "half":
            kind, value = "num", "1/2"
        elif kind == "op":
            value = _OPS.get(value, value)
        elif kind == "num" and len(value) > MAX_NUMBER_CHARS:
            kind = "brk"
        yield Token(kind, value, m.start(), m.end())


def _classify(tokens: Iterator[Token]) -> Iterator[Token]:
    """Words become units (after a number or inside a unit), symbols, 'per', or prose."""
    prev: Token | None = None
    before: Token | None = None
    for t in tokens:
        if t.kind == "word":
            t = Token(_word_kind(t.text, prev, before), t.text, t.start, t.end)
        before, prev = prev, t
        yield t


def _word_kind(word: str, prev: Token | None, before: Token | None) -> str:
    unit_context = prev is not None and (
        prev.kind in ("num", "unit", "per")
        or (prev.kind == "op" and prev.text == ")")
        or (prev.kind == "sup" and before is not None and before.kind == "unit")
        or (prev.kind == "op" and prev.text in _UNIT_JOINERS and before is not None and before.kind == "unit")
    )
    if unit_context and lookup(word) is not None:
        return "unit"
    if word.lower() == "per" and prev is not None and prev.kind == "unit":
        return "per"
    if _symbol_like(word, prev):
        return "sym"
    return "word"


def _symbol_like(word: str, prev: Token | None) -> bool:
    name = word.replace("_", "")
    if re.fullmatch(r"Δ?[A-Za-z]\d*", name):
        return name not in ("I", "A")
    after_math = prev is not None and (
        prev.kind in ("num", "eq", "sup") or (prev.kind == "op" and prev.text != ")")
    )
    return after_math and len(name) <= 3 and set(name) <= _SYMBOL_LETTERS


def _trim(tokens: list[Token]) -> list[Token]:
    """Drop operators and unbalanced parentheses hanging at the ends of a run."""
    while tokens and tokens[0].kind == "op" and tokens[0].text not in ("(", "-"):
        tokens = tokens[1:]
    while tokens and tokens[-1].kind == "op" and tokens[-1].text != ")":
        tokens = tokens[:-1]
    depth = 0
    for t in tokens:
        if t.text == "(" and t.kind == "op":
            depth += 1
        elif t.text == ")" and t.kind == "op":
            depth -= 1
    if depth > 0 and tokens and tokens[0].text == "(":
        tokens = tokens[1:]
    elif depth < 0 and tokens and tokens[-1].text == ")":
        tokens = tokens[:-1]
    return tokens


def read_side(tokens: list[Token], bindings: Mapping[str, Q]) -> Side:
    """Evaluate one side; a formula with an unbound symbol, a syntax problem or mixed dimensions is
    recorded on the side instead of raised."""
    side = Side(tokens)
    if not tokens:
        side.problem = "empty"
        return side
    side.symbolic = any(t.kind == "sym" for t in tokens)
    try:
        parser = _Parser(tokens, bindings)
        side.value = parser.parse()
        side.units = frozenset(parser.units)
    except Unbound:
        side.unbound = True
    except DimensionError as exc:
        side.dimension_error = str(exc)
    except Unreadable as exc:
        if any(t.kind == "num" for t in tokens):
            side.problem = str(exc)
    except (ZeroDivisionError, OverflowError):
        side.problem = "division by zero or a number too large"
    if side.value is not None and not side.symbolic:
        _mark_single(side)
    return side


def _mark_single(side: Side) -> None:
    """Note whether the side is one number with its unit ('-3 m/s^2'), and that number and unit."""
    tokens = side.tokens
    sign = ""
    if tokens[0].kind == "op" and tokens[0].text in ("-", "+"):
        sign, tokens = tokens[0].text.replace("+", ""), tokens[1:]
    if not tokens or tokens[0].kind != "num":
        return
    rest = tokens[1:]
    for i, t in enumerate(rest):
        exponent_part = t.kind == "num" or (t.kind == "op" and t.text == "-")
        if exponent_part and not (i and rest[i - 1].text in ("^", "-")):
            return
        if t.kind == "op" and t.text not in ("/", "·", "^", "-"):
            return
    side.single = True
    side.number = sign + tokens[0].text
    side.unit = _unit_text(rest)
    side.scale = _Parser(rest, {}).unit_group().value if rest else Fraction(1)


def _unit_text(tokens: list[Token]) -> str:
    out = ""
    for t in tokens:
        if t.kind == "unit":
            out += (" " if out and out[-1] not in "/·" else "") + t.text
        elif t.kind == "per":
            out += "/"
        elif t.kind == "sup":
            out += "^" + t.text.translate(_SUPERSCRIPT)
        else:
            out += t.text
    return out


def _number(text: str) -> Fraction:
    text = text.replace(",", "")
    if "/" in text:
        top, bottom = text.split("/")
        return Fraction(top) / Fraction(bottom)
    return Fraction(text)


def _check_size(value: Fraction) -> Fraction:
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise Unreadable("a number past the size limit")
    return value


class _Parser:
    """Recursive descent over one side. A number binds its unit tightly ('/ 3 s' divides by 3 s);
    juxtaposed symbols multiply (at^2 is a t^2)."""

    def __init__(self, tokens: list[Token], bindings: Mapping[str, Q]):
        self.tokens = tokens
        self.i = 0
        self.bindings = bindings
        self.depth = 0
        self.units: set[str] = set()

    def parse(self) -> Q:
        value = self.sum()
        if self.i != len(self.tokens):
            raise Unreadable(f"unexpected {self.tokens[self.i].text!r}")
        return value

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise Unreadable("the expression ends too early")
        self.i += 1
        return t

    def is_op(self, *texts: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in texts

    def sum(self) -> Q:
        value = self.term()
        while self.is_op("+", "-"):
            op = self.take().text
            right = self.term()
            if right.dims != value.dims:
                raise DimensionError(f"adds {describe(value.dims)} and {describe(right.dims)}")
            value = Q(
                _check_size(value.value + right.value if op == "+" else value.value - right.value), value.dims
            )
        return value

    def term(self) -> Q:
        value = self.factor()
        while True:
            t = self.peek()
            if t is None:
                return value
            if t.kind == "op" and t.text in ("×", "·", "/"):
                self.take()
                right = self.factor()
                value = _mul(value, right) if t.text != "/" else _div(value, right)
            elif t.kind == "sym" or (t.kind == "op" and t.text == "("):
                value = _mul(value, self.factor())
            else:
                return value

    def factor(self) -> Q:
        if self.is_op("-", "+"):
            sign = self.take().text
            value = self.factor()
            return Q(-value.value, value.dims) if sign == "-" else value
        return self.power()

    def power(self) -> Q:
        t = self.peek()
        if t is not None and t.kind == "sym":
            return self.symbols()
        return self.raise_to(self.atom())

    def exponent(self) -> int | None:
        t = self.peek()
        if t is not None and t.kind == "sup":
            self.take()
            return _int_exponent(t.text.translate(_SUPERSCRIPT))
        if self.is_op("^"):
            self.take()
            text = ""
            if self.is_op("-"):
                text = self.take().text
            n = self.take()
            if n.kind != "num":
                raise Unreadable("an exponent must be a whole number")
            return _int_exponent(text + n.text)
        return None

    def raise_to(self, value: Q) -> Q:
        n = self.exponent()
        return value if n is None else _pow(value, n)

    def atom(self) -> Q:
        t = self.take()
        if t.kind == "num":
            value = Q(_check_size(_number(t.text)))
            return _mul(value, self.unit_group()) if self.at_unit() else value
        if t.kind == "op" and t.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise Unreadable("nested too deeply")
            value = self.sum()
            if not self.is_op(")"):
                raise Unreadable("unclosed parenthesis")
            self.take()
            self.depth -= 1
            if self.at_unit():
                value = _mul(value, self.unit_group())
            return value
        raise Unreadable(f"unexpected {t.text!r}")

    def at_unit(self) -> bool:
        t = self.peek()
        return t is not None and t.kind == "unit"

    def unit_group(self) -> Q:
        """Units joined by '/', 'per', '·' or juxtaposition, each with an optional exponent."""
        value = self.unit_factor()
        while True:
            t, after = self.peek(), self.peek(1)
            joined = t is not None and (t.kind == "per" or (t.kind == "op" and t.text in _UNIT_JOINERS))
            if joined and after is not None and after.kind == "unit":
                self.take()
                right = self.unit_factor()
                value = _mul(value, right) if t.text == "·" else _div(value, right)
            elif t is not None and t.kind == "unit":
                value = _mul(value, self.unit_factor())
            else:
                return value

    def unit_factor(self) -> Q:
        t = self.take()
        unit = lookup(t.text)
        if unit is None:
            raise Unreadable(f"unknown unit {t.text!r}")
        self.units.add(unit_name(t.text) or t.text)
        return self.raise_to(Q(unit.scale, unit.dims))

    def symbols(self) -> Q:
        """A symbol word: a bound name (v0, Δt) or a product of bound letters (at = a t); a following
        exponent applies to the last letter, as in at^2."""
        t = self.take()
        name = t.text.replace("_", "")
        if name in self.bindings:
            return self.raise_to(self.bindings[name])
        letters = list(name)
        if len(letters) < 2 or any(c not in self.bindings for c in letters):
            raise Unbound(name)
        value = Q(Fraction(1))
        for c in letters[:-1]:
            value = _mul(value, self.bindings[c])
        return _mul(value, self.raise_to(self.bindings[letters[-1]]))


def _int_exponent(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise Unreadable("an exponent must be a whole number") from None
    if abs(n) > MAX_EXPONENT:
        raise Unreadable("an exponent past the limit")
    return n


def _mul(a: Q, b: Q) -> Q:
    return Q(_check_size(a.value * b.value), _add_dims(a.dims, b.dims, 1))


def _div(a: Q, b: Q) -> Q:
    if b.value == 0:
        raise ZeroDivisionError
    return Q(_check_size(a.value / b.value), _add_dims(a.dims, b.dims, -1))


def _pow(a: Q, n: int) -> Q:
    if a.value == 0 and n < 0:
        raise ZeroDivisionError
    return Q(_check_size(a.value**n), (a.dims[0] * n, a.dims[1] * n, a.dims[2] * n))


def _add_dims(a: Dims, b: Dims, sign: int) -> Dims:
    return (a[0] + sign * b[0], a[1] + sign * b[1], a[2] + sign * b[2])
