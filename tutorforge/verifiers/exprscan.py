"""Find where an expression starts and ends in a token list, and write it as Python-syntax source
for the `ast` whitelist parser. Numbers become placeholder names so their exact values never pass
through Python's number parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from tutorforge.verifiers.lexer import KEYWORDS, Token
from tutorforge.verifiers.limits import MAX_DEPTH, MAX_SIDE_TOKENS


class NoExpr(Exception):
    """No expression here."""


class TooComplex(Exception):
    """An expression is here but past the size or nesting limits."""


@dataclass
class Side:
    """One side of an equation: a token range and its Python-syntax source."""

    start: int  # token index
    end: int  # token index, exclusive
    source: str
    numbers: list = field(default_factory=list)  # Fractions named n_0, n_1, ...
    opaque: list = field(default_factory=list)  # token indexes named o_0, o_1, ...
    operators: int = 0  # explicit operators (symbols or words), a bare number has none
    percent: bool = False
    money: bool = False
    decimals: int = 0  # digits after the point when the side is one written decimal
    bare_symbol: str | None = None  # the name when the side is one variable
    bare_number: bool = False
    fraction: bool = False  # a number written as a fraction ("6/8")
    unit: str = ""  # the unit word after a bare number ("15 spoons")
    special: bool = False  # derivative, integral or user function
    cut: bool = False  # the side is one decimal written cut off ("0.333..."), good to its last place
    any_base_log: bool = False  # a `log` with no base: 10, e or 2 depending on the writer
    complete: bool = True  # every token next to it accounted for (claims.fully_read)
    compared: bool = False  # right after a comparison: "90/123 < k < 180/123 ≈ 0.732" is not read as "≈"
    ambiguous: bool = False  # "4√3 / 6√3": a division followed by an implicit product, read two ways
    remainder: Fraction | None = None  # "17 ÷ 5 = 3 remainder 2": the remainder written after the quotient


_STARTS_PRIMARY = {"num", "var", "const", "func", "lp", "ufunc", "opaque", "deriv", "int"}


class _Scanner:
    def __init__(self, toks: list[Token], start: int, stop: int):
        self.toks = toks
        self.i = start
        self.stop = stop
        self.depth = 0
        self.side = Side(start, start, "")
        self.last: Token | None = None
        self.segment = toks[start].math if start < stop else 0
        self.trig = 0  # inside the argument of sin/cos/tan, where a degree sign converts to radians
        self.exponent = 0  # inside an exponent, where a degree sign reads two ways ("2^4^\\circ")

    def peek(self) -> Token | None:
        """The next token, if it is still part of the same text: an expression never crosses into or
        out of a LaTeX math segment."""
        if self.i >= self.stop:
            return None
        t = self.toks[self.i]
        return t if t.math == self.segment else None

    def take(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        self.last = t
        if self.i - self.side.start > MAX_SIDE_TOKENS:
            raise TooComplex("expression too long")
        return t

    def _try(self, fn):
        saved = (self.i, self.last, len(self.side.numbers), len(self.side.opaque), self.side.operators)
        try:
            return fn()
        except NoExpr:
            self.i, self.last = saved[0], saved[1]
            del self.side.numbers[saved[2] :]
            del self.side.opaque[saved[3] :]
            self.side.operators = saved[4]
            return None

    def expr(self) -> str:
        s = self.term()
        while (t := self.peek()) is not None and t.kind == "op" and t.value in "+-±":
            op = t.value
            saved = self.i, self.last
            self.take()
            r = self._try(self.term)
            if r is None:
                self.i, self.last = saved
                break
            self.side.operators += 1
            s = f"{s} + pm({r})" if op == "±" else f"{s} {op} {r}"
        return s

    def term(self) -> str:
        s = self.unary()
        while (t := self.peek()) is not None:
            saved = self.i, self.last
            if (t.kind == "op" and t.value in ("*", "/", "mod")) or (t.kind == "of" and self._of_allowed()):
                op = t.value
                self.take()
                r = self._try(self.unary)
                if r is None:
                    self.i, self.last = saved
                    break
                nxt = self.peek()
                if op == "/" and nxt is not None and not nxt.math and self._implicit(nxt):
                    self.side.ambiguous = True
                self.side.operators += 1
                s = f"f_mod({s}, {r})" if op == "mod" else f"{s} {op} {r}"
            elif self._implicit(t):
                r = self._try(self.power)
                if r is None:
                    break
                s = f"{s} * {r}"
            else:
                break
        return s

    def _of_allowed(self) -> bool:
        last = self.last
        if last is None or last.kind != "num":
            return False
        if last.decimals == -1 or last.mulword:
            return True
        j = self.i - 2
        return j >= 1 and self.toks[j].kind == "op" and self.toks[j].value == "/"

    def _implicit(self, t: Token) -> bool:
        last = self.last
        if last is None or t.kind not in _STARTS_PRIMARY:
            return False
        glued = last.end == t.start or (t.math and last.math)
        if last.kind == "num" and last.mulword:
            return t.kind in ("num", "var", "lp", "const", "func")
        if t.kind == "num":
            return False
        if last.kind not in ("num", "rp", "var", "const", "pow", "bang", "word", "deg"):
            return False
        if last.kind == "word":  # a unit: "3 hours (180 minutes)" is not a product
            return False
        if t.kind in ("lp", "func", "opaque", "ufunc"):
            return True
        return glued

    def unary(self) -> str:
        t = self.peek()
        if t is not None and t.kind == "op" and t.value in "-+±":
            self.take()
            inner = self.unary()
            if t.value == "-":
                return f"(-{inner})"
            return f"pm({inner})" if t.value == "±" else inner
        return self.power()

    def power(self) -> str:
        base = self.postfix()
        t = self.peek()
        if t is not None and t.kind == "op" and t.value == "^" and self.last.kind != "word":  # "80 cm^3"
            saved = self.i, self.last
            self.take()
            self.exponent += 1
            e = self._try(self.unary)
            self.exponent -= 1
            if e is None:
                self.i, self.last = saved
                return base
            self.side.operators += 1
            return f"({base})**({e})"
        return base

    def postfix(self) -> str:
        p = self.primary()
        while (t := self.peek()) is not None:
            if t.kind == "pow":
                self.take()
                self.side.operators += 1
                p = f"({p})**({self._number(t.value)})"
            elif t.kind == "bang":
                self.take()
                self.side.operators += 1
                p = f"f_factorial({p})"
            elif t.kind == "deg":
                self.take()
                self.side.ambiguous = self.side.ambiguous or self.exponent > 0
                if self.trig:
                    p = f"(({p}) * c_pi / {self._number(Fraction(180))})"
                elif not self.side.unit:
                    self.side.unit = "°"
            else:
                break
        return p

    def _number(self, value) -> str:
        self.side.numbers.append(value)
        return f"n_{len(self.side.numbers) - 1}"

    def primary(self) -> str:
        t = self.peek()
        if t is None:
            raise NoExpr
        k = t.kind
        if k == "num":
            return self._num()
        if k == "var":
            self.take()
            return f"s_{t.value}"
        if k == "const":
            self.take()
            return f"c_{t.value}"
        if k == "func":
            return self._func()
        if k == "ufunc":
            self.take()
            self.side.special = True
            return f"u_{t.value}({self._group()})"
        if k == "lp":
            return f"({self._group()})"
        if k == "deriv":
            self.take()
            self.side.special = True
            body = self.expr()
            return f"d_{t.value or '_'}({body})"
        if k == "int":
            self.take()
            self.side.special = True
            body = self.expr()
            nxt = self.peek()
            var = "_"
            if nxt is not None and nxt.kind == "dx":
                var = self.take().value
            return f"i_{var}({body})"
        if k == "opaque":
            self.take()
            self.side.opaque.append(self.i - 1)
            return f"o_{len(self.side.opaque) - 1}"
        raise NoExpr

    def _group(self) -> str:
        t = self.peek()
        if t is None or t.kind != "lp":
            raise NoExpr
        self.take()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TooComplex("nesting too deep")
        inner = self.expr()
        args = [inner]
        while (c := self.peek()) is not None and c.kind == "punct" and c.value == ",":
            self.take()
            args.append(self.expr())
        close = self.peek()
        if close is None or close.kind != "rp":
            raise NoExpr
        self.take()
        self.depth -= 1
        return ", ".join(args)

    def _func(self) -> str:
        t = self.take()
        nxt = self.peek()
        trig = t.value in ("sin", "cos", "tan")
        self.trig += trig
        try:
            if nxt is not None and nxt.kind == "lp":
                arg = self._group()
            elif nxt is None or nxt.kind not in _STARTS_PRIMARY:
                raise NoExpr
            else:
                arg = self.postfix() if t.text == "√" else self.power()
        finally:
            self.trig -= trig
        name = t.value
        if name == "log":
            self.side.any_base_log = True
        if name.startswith("logb:"):
            base = name[5:]
            b = self._number(Fraction(base)) if base.isdigit() else f"s_{base}"
            return f"(f_ln({arg}) / f_ln({b}))"
        return f"f_{name}({arg})"

    def _num(self) -> str:
        t = self.take()
        value = t.value
        nxt = self.peek()
        # a mixed number: 2 1/2
        if (
            not t.mulword
            and t.decimals == 0
            and nxt is not None
            and nxt.kind == "num"
            and self.i + 2 < self.stop
            and self.toks[self.i + 1].kind == "op"
            and self.toks[self.i + 1].value == "/"
            and self.toks[self.i + 2].kind == "num"
            and nxt.decimals == 0
            and self.toks[self.i + 2].decimals == 0
            and 0 < nxt.value < self.toks[self.i + 2].value
        ):
            self.take()
            self.take()
            den = self.take()
            value = value + nxt.value / den.value
        elif self._glued_fraction(t):
            self.take()
            den = self.take()
            value = value / den.value
            self.side.fraction = True
        self.side.money = self.side.money or t.money
        self.side.percent = self.side.percent or t.decimals == -1
        self.side.cut = self.side.cut or t.cut
        if t.mulword:
            self.side.operators += 1
        else:
            self._unit()
        return self._number(value)

    def _glued_fraction(self, t: Token) -> bool:
        """`1/2` written without spaces is one number: "50/ 1/2" is 50 divided by a half."""
        if t.mulword or t.decimals != 0 or self.i + 1 >= self.stop:
            return False
        slash, den = self.toks[self.i], self.toks[self.i + 1]
        return (
            slash.kind == "op"
            and slash.value == "/"
            and slash.start == t.end
            and den.start == slash.end
            and den.kind == "num"
            and den.decimals == 0
            and not den.money
            and den.value != 0
            and not (
                self.i + 2 < self.stop
                and self.toks[self.i + 2].kind == "op"
                and self.toks[self.i + 2].value == "^"
            )
        )

    def _unit(self) -> None:
        """Skip a unit after a number: "15 spoons", "60 minutes per hour", "33 dollars/ride"."""
        nxt = self.peek()
        if nxt is not None and nxt.kind == "op" and nxt.value == "/" and nxt.start == self.last.end:
            after = self.toks[self.i + 1] if self.i + 1 < self.stop else None
            if after is not None and after.kind == "word" and after.start == nxt.end and len(after.value) > 1:
                self.take()  # "$15/student": a rate, its unit after the slash
                self.take()
            return
        if nxt is None or nxt.kind != "word" or nxt.value.lower() in KEYWORDS:
            return
        self.take()
        if not self.side.unit:
            self.side.unit = nxt.value.lower()
        nxt = self.peek()
        if nxt is None:
            return
        if nxt.kind == "word" and nxt.value.lower() == "per":
            after = self.toks[self.i + 1] if self.i + 1 < self.stop else None
            if after is not None and after.kind in ("word", "var"):
                self.take()
                self.take()
        elif nxt.kind == "op" and nxt.value == "/" and nxt.start == self.last.end:
            after = self.toks[self.i + 1] if self.i + 1 < self.stop else None
            if after is not None and after.kind in ("word", "var") and after.start == nxt.end:
                self.take()
                self.take()


def scan(toks: list[Token], start: int, stop: int) -> Side:
    """The longest expression from token `start` (ending before `stop`). Raises NoExpr/TooComplex."""
    sc = _Scanner(toks, start, stop)
    source = sc.expr()
    side = sc.side
    side.end = sc.i
    side.source = source
    span = toks[start : sc.i]
    if len(span) == 1 and span[0].mulword:
        raise NoExpr  # "half" alone is a word, not a number
    if span[0].kind == "op" and span[0].value == "+":
        raise NoExpr  # "+ 1,000 = 6,000" carries on a computation from before
    if source == "n_0":
        side.bare_number = True
        side.decimals = span[0].decimals
    if len(span) == 1 and span[0].kind == "var":
        side.bare_symbol = span[0].value
    return side
