"""Tokens of a turn's text: numbers (with currency, percent, thousands separators), operators in
symbols and in words, variables, functions, relations, words and punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from tutorforge.verifiers.limits import MAX_NUMBER_DIGITS

_TOKEN = re.compile(
    r"""
    (?P<time>\b\d{1,2}:\d{2}(?:\s*[ap]\.?m\b\.?)?)
   |(?P<num>(?:\$\s?)?(?:\d{1,3}(?:,\d{3})+(?![\d,]\d)|\d+)(?:\.\d+(?:\.\.\.|…)?)?|(?:\$\s?)?\.\d+)
   |(?P<deriv>\bd\s*/\s*d(?P<dvar>[a-zA-Z])\b)
   |(?P<word>[A-Za-z]+(?:_[A-Za-z0-9]+)?(?:'[a-z]+)?)
   |(?P<op>\*\*|[-+*/^×·⋅÷±∓−–])
   |(?P<lp>[(\[])
   |(?P<rp>[)\]])
   |(?P<eq>==?|≈|≅)
   |(?P<bang>!)
   |(?P<pct>%)
   |(?P<sup>[²³])
   |(?P<sqrt>√)
   |(?P<int>∫)
   |(?P<pi>π)
   |(?P<deg>°)
   |(?P<opaque>\ue000)
   |(?P<punct>[.,;:?\n"“”])
   |(?P<other>\S)
    """,
    re.X,
)

OPS = {
    "+": "+",
    "-": "-",
    "−": "-",
    "–": "-",
    "*": "*",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "/": "/",
    "÷": "/",
    "^": "^",
    "**": "^",
    "±": "±",
    "∓": "±",
}
WORD_OPS = {"times": "*", "plus": "+", "minus": "-", "mod": "mod"}
TWO_WORD_OPS = {("multiplied", "by"): "*", ("divided", "by"): "/", ("divide", "by"): "/"}
BETWEEN_NUMBER_OPS = {"divide": "/", "over": "/", "x": "*"}  # operators only between two numbers
ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
WEAK_EQ = {"is", "are", "was", "were", "makes", "gives", "would be", "will be"}
STRONG_WORD_EQ = {"equals", "equal to"}
FUNCTIONS = {
    "sqrt": "sqrt",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "ln": "ln",
    "log": "log",
    "exp": "exp",
    "abs": "abs",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "floor": "floor",
    "ceil": "ceil",
    "binomial": "binomial",
    "log10": "log10",
    "log_10": "log10",
}
MULTIPLIER_WORDS = {
    "half": Fraction(1, 2),
    "twice": Fraction(2),
    "double": Fraction(2),
    "triple": Fraction(3),
    "thrice": Fraction(3),
    "third": Fraction(1, 3),
    "quarter": Fraction(1, 4),
}
GREEK = {"alpha", "beta", "gamma", "theta", "lambda", "mu", "phi", "omega", "tau", "sigma", "rho", "delta"}
USER_FUNCTIONS = {"f", "g", "h", "F", "G", "H"}
NOT_VARIABLES = {"a", "A", "I"}
SEPARATORS = {"or", "and"}
# Words that never act as a unit after a number.
KEYWORDS = (
    set(WORD_OPS)
    | WEAK_EQ
    | STRONG_WORD_EQ
    | SEPARATORS
    | set(FUNCTIONS)
    | set(MULTIPLIER_WORDS)
    | {"of", "equal", "by", "multiplied", "divided", "per", "x", "squared", "cubed", "percent", "so", "then"}
    | {"to", "from", "in", "on", "for", "with", "at", "the", "a", "an", "which", "that", "this", "if", "not"}
    | {"isn't", "wasn't", "doesn't", "aren't", "cannot", "can't"}
)


@dataclass
class Token:
    kind: str  # num var const func ufunc op lp rp eq bang pct pow deriv int dx word sep punct other opaque
    start: int
    end: int
    text: str
    value: object = None  # Fraction for num, name for var/func/const/deriv/dx, operator for op
    money: bool = False
    decimals: int = 0  # digits after the point of a written decimal
    weak: bool = False  # an equality written as a word ("is"), checked only in narrow forms
    approx: bool = False
    mulword: bool = False  # "twice", "half", ...: multiplies what follows without an operator
    math: int = 0  # which LaTeX math segment holds it (0: none); whitespace there does not separate factors
    cut: bool = False  # a decimal written cut off ("0.333..."): good to the last place shown
    prose: bool = False  # a word written in LaTeX `\\text{}`: never a variable


_DIGIT_RUN = re.compile(r"[\d,]+")


class NumberTooLong(ValueError):
    """A number with more digits than `MAX_NUMBER_DIGITS`: the text holding it is not read."""

    def __init__(self, digits: int):
        super().__init__(f"number too long: {digits} digits; the limit is {MAX_NUMBER_DIGITS}")


def _num_token(m: re.Match) -> Token:
    raw = m.group()
    money = raw.startswith("$")
    cut = raw.endswith(("...", "…"))
    digits = raw.lstrip("$ ").replace(",", "").rstrip(".…")
    if len(digits) > MAX_NUMBER_DIGITS:
        raise NumberTooLong(len(digits) - ("." in digits))
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return Token("num", m.start(), m.end(), raw, Fraction(digits), money=money, decimals=decimals, cut=cut)


def _segments(n: int, math_ranges: tuple) -> list[int]:
    """For each character, 1 + the start of the outermost math segment holding it (0: none)."""
    seg = [0] * (n + 1)
    for a, b in sorted(math_ranges, key=lambda r: (-r[0], r[1])):  # outer ranges last, so they win
        seg[a:b] = [a + 1] * (b - a)
    return seg


def _letters(t: Token, words: tuple) -> list[Token]:
    """Inside math a run of letters is a product of variables ("5bd", "ac"), unless it is a name the
    verifier knows or a word written in `\\text{}`."""
    w = t.value
    if any(a <= t.start < b for a, b in words):
        t.math, t.prose = 0, True  # a \\text{} word folds as prose: a unit, never a variable
        return [t]
    if (
        len(w) == 1
        or "_" in w
        or w.lower() in FUNCTIONS
        or w in GREEK
        or w.lower() in KEYWORDS
        or w in ("pi", "binomial")
        or len(w) > 4
        or (len(w) == 2 and w[0] == "d")  # dx, dt: the variable of an integral
    ):
        return [t]
    return [Token("word", t.start + k, t.start + k + 1, c, c, math=t.math) for k, c in enumerate(w)]


def tokenize(
    text: str,
    unknowns: frozenset[str] = frozenset(),
    math_ranges: tuple = (),
    words: tuple = (),
    e_variable: bool = False,
) -> list[Token]:
    """Split `text` into tokens; word operators and relations are folded into operator tokens.

    `words` are the normalized ranges of `\\text{}` contents; with `e_variable`, `e` is a variable.
    Raises NumberTooLong first for a run of digits and commas holding more than `MAX_NUMBER_DIGITS`
    digits: the thousands pattern rescans such a run from each of its groups (quadratic)."""
    for run in _DIGIT_RUN.finditer(text):
        digits = len(run.group()) - run.group().count(",")
        if digits > MAX_NUMBER_DIGITS:
            raise NumberTooLong(digits)
    raw: list[Token] = []
    seg = _segments(len(text), math_ranges)
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        s, e = m.span()
        if kind == "num":
            raw.append(_num_token(m))
        elif kind == "deriv":
            raw.append(Token("deriv", s, e, m.group(), m.group("dvar")))
        elif kind == "word":
            t = Token("word", s, e, m.group(), m.group(), math=seg[s])
            raw.extend(_letters(t, words) if t.math else [t])
            continue
        elif kind == "op":
            raw.append(Token("op", s, e, m.group(), OPS[m.group()]))
        elif kind == "eq":
            raw.append(Token("eq", s, e, m.group(), "=", approx=m.group() in ("≈", "≅")))
        elif kind == "sup":
            raw.append(Token("pow", s, e, m.group(), Fraction(2 if m.group() == "²" else 3)))
        elif kind == "sqrt":
            raw.append(Token("func", s, e, m.group(), "sqrt"))
        elif kind == "pi":
            raw.append(Token("const", s, e, m.group(), "pi"))
        else:
            raw.append(Token(kind, s, e, m.group(), m.group()))
        raw[-1].math = seg[s]
    brackets: list[bool] = []
    for i, t in enumerate(raw):
        if t.kind == "bang" and not _factorial(raw, i):
            t.kind = "punct"
        elif t.kind == "op" and t.value == "-" and _bullet(raw, i, text):
            t.kind = "punct"  # "- 10 = 2 * 5": a list item, not a minus
        elif t.text == "[" and t.math:
            # "\\frac{1}{2}[\\cos 36^\\circ - \\cos 48^\\circ]" groups a factor; a bracket that follows no
            # operand ("[22.8] = 22", "x \\in [0, 1]") is a floor, an interval or a matrix: never read as ( )
            grouping = i > 0 and raw[i - 1].kind in ("num", "rp", "word", "pi") and raw[i - 1].math == t.math
            brackets.append(grouping)
            t.kind = "lp" if grouping else "other"
        elif t.text == "]" and t.math:
            t.kind = "rp" if brackets and brackets.pop() else "other"
    raw = _continued_results(_parenthetical_labels(raw, text))
    tokens = _fold_words(raw, text, unknowns, e_variable)
    for t in tokens:
        t.math = seg[t.start]
    return tokens


def _parenthetical_labels(raw: list[Token], text: str) -> list[Token]:
    """ "70 (cookies) - 25 (cookies) = 45": a word in parentheses after a number, in prose, labels it like
    a unit ("70 cookies"); a single letter ("3 (x)") stays a factor."""
    out: list[Token] = []
    i = 0
    while i < len(raw):
        t = raw[i]
        if (
            i + 3 < len(raw)
            and t.kind == "num"
            and not t.math
            and raw[i + 1].text == "("
            and raw[i + 1].start > t.end
            and raw[i + 2].kind == "word"
            and len(raw[i + 2].value) >= 3
            and raw[i + 2].value.isalpha()
            and raw[i + 3].text == ")"
            and not raw[i + 2].math
        ):
            w = raw[i + 2]
            out += [t, Token("word", w.start, w.end, w.text, w.value)]
            i += 4
            continue
        out.append(t)
        i += 1
    return out


def _continued_results(raw: list[Token]) -> list[Token]:
    """ "5,000.\\n+ 1,000 = 6,000": a computation going on from the result before it, in prose; the period
    after that result does not end its claim, so `5,000 + 1,000 = 6,000` is checked as written."""
    drop: set[int] = set()
    for i in range(1, len(raw) - 3):
        t = raw[i]
        glued = raw[i - 1].kind == "num" and raw[i - 1].end == t.start
        if not (glued and t.kind == "punct" and t.value == "."):
            continue
        j = i + 1
        if raw[j].kind == "punct" and raw[j].value == "\n":
            j += 1
        op, nxt = raw[j], raw[j + 1] if j + 1 < len(raw) else None
        if (
            nxt is not None
            and op.kind == "op"
            and op.value in ("+", "*")
            and op.start > t.end
            and nxt.kind == "num"
            and not (t.math or op.math or nxt.math)
            and any(x.kind == "eq" for x in raw[j + 2 : j + 5])
        ):
            drop.update(range(i, j))
    return [t for i, t in enumerate(raw) if i not in drop] if drop else raw


def _bullet(raw: list[Token], i: int, text: str) -> bool:
    """A `-` opening a line and followed by a space."""
    if raw[i].math:
        return False
    line_start = i == 0 or (raw[i - 1].kind == "punct" and raw[i - 1].value == "\n")
    return line_start and text[raw[i].end : raw[i].end + 1] == " "


def _factorial(raw: list[Token], i: int) -> bool:
    """`5! = 120`, `(n+1)!`: a `!` glued to a number or bracket and followed by math, not by a sentence."""
    prev = raw[i - 1] if i else None
    nxt = raw[i + 1] if i + 1 < len(raw) else None
    if prev is None or prev.kind not in ("num", "rp", "word") or prev.end != raw[i].start:
        return False
    if prev.kind == "word" and len(prev.value) != 1:
        return False
    if prev.math:  # inside LaTeX math `!` is never punctuation: "13!(210 - 1)", "8 \\cdot 7 \\cdot 6!"
        return True
    return nxt is not None and nxt.kind in ("eq", "op", "rp")


def _fold_words(raw: list[Token], text: str, unknowns: frozenset[str], e_variable: bool) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        nxt = raw[i + 1] if i + 1 < n else None
        if t.kind == "num" and nxt is not None and nxt.kind == "word" and nxt.start == t.end:
            if nxt.value.lower() in ORDINAL_SUFFIXES:  # "2nd", "21st": an ordinal, not a quantity
                out.append(Token("word", t.start, nxt.end, text[t.start : nxt.end], text[t.start : nxt.end]))
                i += 2
                continue
        if t.kind == "num" and nxt is not None and nxt.kind == "pct" and nxt.start - t.end <= 1:
            t.value = t.value / 100
            t.kind, t.end, t.text = "num", nxt.end, text[t.start : nxt.end]
            t.decimals = -1  # marks a percent
            out.append(t)
            i += 2
            continue
        if t.kind != "word":
            out.append(t)
            i += 1
            continue
        w = t.value
        lw = w.lower()
        after = nxt.value.lower() if nxt is not None and nxt.kind == "word" else None
        if (lw, after) in TWO_WORD_OPS:
            out.append(Token("op", t.start, nxt.end, text[t.start : nxt.end], TWO_WORD_OPS[(lw, after)]))
            i += 2
            continue
        if lw == "equal" and after == "to":
            out.append(Token("eq", t.start, nxt.end, text[t.start : nxt.end], "="))
            i += 2
            continue
        if lw == "is" and after == "equal" and i + 2 < n and raw[i + 2].text.lower() == "to":
            out.append(Token("eq", t.start, raw[i + 2].end, text[t.start : raw[i + 2].end], "="))
            i += 3
            continue
        if lw in ("would", "will") and after == "be":
            out.append(Token("eq", t.start, nxt.end, text[t.start : nxt.end], "=", weak=True))
            i += 2
            continue
        if lw in ("derivative", "integral") and after == "of":
            kind = "deriv" if lw == "derivative" else "int"
            out.append(Token(kind, t.start, nxt.end, text[t.start : nxt.end], None))
            i += 2
            continue
        folded = _fold_word(t, lw, raw, i, text, unknowns, out, e_variable)
        if folded is not None:
            out.append(folded)
        i += 1
    return out


def _fold_word(
    t: Token,
    lw: str,
    raw: list[Token],
    i: int,
    text: str,
    unknowns: frozenset[str],
    out: list[Token],
    e_variable: bool = False,
) -> Token | None:
    """The token a word stands for (None when it folds into the previous number)."""
    w = t.value
    prev = out[-1] if out else None
    nxt = raw[i + 1] if i + 1 < len(raw) else None
    if lw in WORD_OPS:
        return Token("op", t.start, t.end, w, WORD_OPS[lw])
    if lw == "equals":
        return Token("eq", t.start, t.end, w, "=")
    if lw in WEAK_EQ:
        return Token("eq", t.start, t.end, w, "=", weak=True)
    if lw in SEPARATORS:
        return Token("sep", t.start, t.end, w, lw)
    if lw == "percent" and prev is not None and prev.kind == "num" and prev.decimals >= 0:
        prev.value = prev.value / 100
        prev.decimals = -1
        prev.end, prev.text = t.end, text[prev.start : t.end]
        return None
    if lw in ("squared", "cubed"):
        return Token("pow", t.start, t.end, w, Fraction(2 if lw == "squared" else 3))
    if lw in MULTIPLIER_WORDS or (
        lw.endswith("s") and lw[:-1] in ("third", "quarter") and prev and prev.kind == "num"
    ):
        base = lw[:-1] if lw not in MULTIPLIER_WORDS else lw
        return Token("num", t.start, t.end, w, MULTIPLIER_WORDS[base], mulword=True)
    if lw == "of":
        return Token("of", t.start, t.end, w, "*")
    if lw in FUNCTIONS and (nxt is None or nxt.kind != "word"):
        return Token("func", t.start, t.end, w, FUNCTIONS[lw])
    if lw.startswith("log_") and (lw[4:].isdigit() or (len(lw) == 5 and lw[4].isalpha())):
        return Token("func", t.start, t.end, w, "logb:" + w[4:])  # a logarithm to a written base
    if lw == "pi":
        return Token("const", t.start, t.end, w, "pi")
    if lw in BETWEEN_NUMBER_OPS and (lw != "x" or w == "x") and _is_times(prev, nxt, t, unknowns):
        return Token("op", t.start, t.end, w, BETWEEN_NUMBER_OPS[lw])
    if len(w) == 2 and w[0] == "d" and w[1].isalpha():
        return Token("dx", t.start, t.end, w, w[1])
    if w in USER_FUNCTIONS and nxt is not None and nxt.kind == "lp" and nxt.start == t.end:
        return Token("ufunc", t.start, t.end, w, w)
    if t.prose:
        return t
    if w == "e" and not e_variable:
        return Token("const", t.start, t.end, w, "E")
    if t.math and len(w) == 1:
        return Token("var", t.start, t.end, w, w)  # in math every letter is a symbol, "a" and "I" too
    if _is_variable(w, unknowns):
        return Token("var", t.start, t.end, w, w)
    return t


def _is_times(prev: Token | None, nxt: Token | None, t: Token, unknowns: frozenset[str]) -> bool:
    """`x`, `divide`, `over` between two numbers, spaced on both sides ("12 x 3", "12 divide 4")."""
    if prev is None or nxt is None:
        return False
    spaced = prev.end < t.start and nxt.start > t.end
    before = prev.kind in ("num", "rp") or (prev.kind == "word" and prev.value.lower() not in KEYWORDS)
    return spaced and before and nxt.kind in ("num", "lp")


def _is_variable(w: str, unknowns: frozenset[str]) -> bool:
    if w in unknowns:
        return True
    if len(w) == 1:
        return w not in NOT_VARIABLES
    if "_" in w and len(w.split("_")[0]) == 1:
        return True
    return w in GREEK
