"""LaTeX in a turn: find math segments (`$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`, `\\boxed{}`) and rewrite the
common subset as plain math text, keeping a map back to the original characters. Commands outside
the subset become one opaque character each; their sides are parsed by latex2sympy2_extended in
the worker pool."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutorforge.verifiers.limits import MAX_DEPTH

OPAQUE = "\ue000"

_SIMPLE = {
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "pm": "±",
    "mp": "∓",
    "approx": "≈",
    "simeq": "≈",
    "pi": "π",
    "neq": " ≠ ",
    "ne": " ≠ ",
    "le": " ≤ ",
    "leq": " ≤ ",
    "leqslant": " ≤ ",
    "ge": " ≥ ",
    "geq": " ≥ ",
    "geqslant": " ≥ ",
    "lt": " < ",
    "gt": " > ",
    "dots": " … ",
    "ldots": " … ",
    "cdots": " … ",
    "to": " → ",
    "Rightarrow": " → ",
    "implies": " → ",
    "quad": " ; ",
    "qquad": " ; ",
    "displaystyle": " ",
    "textstyle": " ",
    "limits": " ",
    "nolimits": " ",
    "hline": " ",
    "int": " ∫ ",
    "percent": "%",
    "circ": "°",
    "degree": "°",
    "equiv": " ≡ ",
    "mod": " mod ",
    "bmod": " mod ",
    "lg": " log_10 ",
    "lfloor": " floor(",
    "rfloor": ")",
    "lceil": " ceil(",
    "rceil": ")",
}
_BINOMS = {"binom", "dbinom", "tbinom"}
_DEGREE = re.compile(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ\b)")
_NAMED_FUNCS = {"sin", "cos", "tan", "ln", "exp", "arcsin", "arccos", "arctan"}
_GREEK = {"alpha", "beta", "gamma", "theta", "lambda", "mu", "phi", "omega", "tau", "sigma", "rho", "delta"}
_TEXT = {
    "text",
    "mathrm",
    "textrm",
    "textbf",
    "mbox",
    "mathit",
    "textit",
    "mathbf",
    "operatorname",
    "textnormal",
}
_SIZES = {"left", "right", "bigl", "bigr", "big", "Big", "bigg", "Bigg", "middle", "Bigl", "Bigr"}
_FRACS = {"frac", "dfrac", "tfrac", "cfrac"}
_ESCAPES = {
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    " ": " ",
    "%": "%",
    "$": "$",
    "{": "(",
    "}": ")",
    "\\": "\n",
}
_MATH_ENV = re.compile(
    r"\\begin\{((?:align|aligned|equation|eqnarray|gather|gathered|multline|displaymath|math)\*?)\}"
)
_BRACES = re.compile(r"(?<!\\)[{}]")
_DX = re.compile(r"d([a-zA-Z])\b")  # the spacing before `dx` is skipped by the search itself


@dataclass
class Normalized:
    """The turn's text with LaTeX rewritten, and how to map spans back."""

    text: str
    pos: list[int] | None = None  # original index of each character (None: identical text)
    math: tuple = ()  # (start, end) ranges of math segments, in normalized indexes
    boxed: list = field(default_factory=list)  # (start, end) of each \boxed{} content, normalized
    words: tuple = ()  # (start, end) of each \text{} content, normalized: words, not products of letters
    opaque: dict = field(default_factory=dict)  # normalized index of an OPAQUE char -> original span

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if self.pos is None:
            return start, end
        if start >= len(self.pos):
            return self.pos[-1] if self.pos else 0, self.pos[-1] + 1 if self.pos else 0
        a = self.pos[start]
        b = self.pos[max(start, end - 1)] + 1
        for i in range(start, min(end, len(self.pos))):
            if i in self.opaque:
                b = max(b, self.opaque[i][1])
        return a, max(a, b)


class _Writer:
    def __init__(self, src: str):
        self.src = src
        self.out: list[str] = []
        self.pos: list[int] = []
        self.math: list[tuple[int, int]] = []
        self.boxed: list[tuple[int, int]] = []
        self.opaque: dict[int, tuple[int, int]] = {}
        self.words: list[tuple[int, int]] = []

    def emit(self, s: str, at: int) -> None:
        self.out.append(s)
        self.pos.extend([at] * len(s))

    def copy(self, i: int, j: int) -> None:
        self.out.append(self.src[i:j])
        self.pos.extend(range(i, j))

    def opaque_span(self, i: int, j: int) -> None:
        self.opaque[len(self.pos)] = (i, j)
        self.emit(OPAQUE, i)

    @property
    def n(self) -> int:
        return len(self.pos)


def needs_latex(text: str) -> bool:
    """Whether a turn has anything for the LaTeX pass (a backslash or a `$…$` math pair)."""
    return "\\" in text or _find_dollar_math(text, 0) is not None


def _find_dollar_math(text: str, start: int) -> tuple[int, int, int] | None:
    """The next `$…$` or `$$…$$` math pair from `start`: (open, content_start, close_end)."""
    i = text.find("$", start)
    while i != -1:
        if text.startswith("$$", i):
            j = text.find("$$", i + 2)
            if j != -1:
                return i, i + 2, j + 2
            return None
        j = text.find("$", i + 1)
        if j == -1:
            return None
        content = text[i + 1 : j]
        if (
            content
            and not content[0].isspace()
            and not content[-1].isspace()
            and content[-1] not in "=+-*/"  # "$3.00=$4.50": two amounts of money, not math
            and "\n" not in content
            and re.search(r"[\\^_{}=]|[a-zA-Z]", content)
            and not re.match(r"\d[\d,.]*\s*(?:[a-zA-Z]{2,}|$)", content)
        ):
            return i, i + 1, j + 1
        i = j
    return None


class _DollarPairs:
    """`$…$` pairs looked up left to right: one scan serves every `$` up to the pair it found (a scan
    per `$` is quadratic in a turn of many `$`)."""

    def __init__(self, text: str):
        self.text = text
        self.found: tuple[int, int, int] | None = None
        self.valid_to = -1

    def at(self, i: int) -> tuple[int, int, int] | None:
        """The pair opening at `i`, if any."""
        if i > self.valid_to:
            self.found = _find_dollar_math(self.text, i)
            if self.found is not None:
                self.valid_to = self.found[0]
            else:  # none up to an unclosed `$$`, or none at all
                q = self.text.find("$$", i)
                self.valid_to = len(self.text) if q == -1 else q
        return self.found if self.found is not None and self.found[0] == i else None


class TooDeep(Exception):
    """Braces nested past the limit: the LaTeX is not rewritten or parsed."""


def _check_depth(text: str) -> None:
    depth = 0
    for m in _BRACES.finditer(text):
        depth += 1 if m.group() == "{" else -1
        if depth > MAX_DEPTH:
            raise TooDeep(f"braces nested more than {MAX_DEPTH} deep")


def normalize(text: str) -> Normalized:
    """Rewrite LaTeX in `text` as plain math; text without LaTeX comes back unchanged. Raises TooDeep."""
    if not needs_latex(text):
        return Normalized(text)
    _check_depth(text)
    w = _Writer(text)
    pairs = _DollarPairs(text)
    unclosed: dict[str, int] = {}  # `(` or `[` -> a position after which `\)` or `\]` never comes
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "$":
            found = pairs.at(i)
            if found is not None:
                _, cs, ce = found
                close_len = 2 if text.startswith("$$", i) else 1
                _math_segment(w, cs, ce - close_len)
                w.emit(" ", ce - 1)
                i = ce
                continue
        elif c == "\\" and i + 1 < n and text[i + 1] in "([" and unclosed.get(text[i + 1], n) > i:
            closer = "\\)" if text[i + 1] == "(" else "\\]"
            j = text.find(closer, i + 2)
            if j == -1:  # none closes after here: later openers are not searched again (quadratic)
                unclosed[text[i + 1]] = i
            else:
                w.emit(" ", i)
                _math_segment(w, i + 2, j)
                w.emit(" ", j)
                i = j + 2
                continue
        elif c == "\\" and (env := _MATH_ENV.match(text, i)):
            close = text.find(f"\\end{{{env.group(1)}}}", env.end())
            if close != -1:
                _math_segment(w, env.end(), close)
                w.emit(" ", close)
                i = close + len(env.group(1)) + 6
                continue
        if c == "\\":
            i = _command(w, i, n)
            continue
        w.copy(i, i + 1)
        i += 1
    return Normalized("".join(w.out), w.pos + [n], tuple(w.math), w.boxed, tuple(w.words), w.opaque)


def _math_segment(w: _Writer, i: int, j: int) -> None:
    start = w.n
    w.emit(" ", i)
    _translate(w, i, j)
    w.math.append((start, w.n))


def _translate(w: _Writer, i: int, j: int) -> None:
    src = w.src
    while i < j:
        c = src[i]
        if c == "\\":
            i = _command(w, i, j)
        elif c == "{":
            w.emit("(", i)
            i += 1
        elif c == "}":
            w.emit(")", i)
            i += 1
        elif c in "&~":
            w.emit(" ", i)
            i += 1
        elif c == "_":
            i = _subscript(w, i, j)
        elif c == "^" and (deg := _DEGREE.match(src, i)):
            w.emit("°", i)
            i = deg.end()
        else:
            w.copy(i, i + 1)
            i += 1


def _group(src: str, i: int, j: int) -> tuple[int, int, int] | None:
    """The argument at i: a {…} group or one character. Returns (content_start, content_end, next)."""
    while i < j and src[i] == " ":
        i += 1
    if i >= j:
        return None
    if src[i] != "{":
        if src[i] == "\\":
            m = re.match(r"\\[a-zA-Z]+", src[i:j])
            if m:
                return i, i + m.end(), i + m.end()
        return i, i + 1, i + 1
    depth = 0
    for k in range(i, j):
        if src[k] == "{" and (k == 0 or src[k - 1] != "\\"):
            depth += 1
        elif src[k] == "}" and src[k - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1, k, k + 1
    return None


def _subscript(w: _Writer, i: int, j: int) -> int:
    g = _group(w.src, i + 1, j)
    if g is None:
        w.opaque_span(i, j)
        return j
    content = w.src[g[0] : g[1]]
    if re.fullmatch(r"[A-Za-z0-9]+", content):
        w.emit("_" + content, i)
    else:
        w.opaque_span(i, g[2])
    return g[2]


def _command(w: _Writer, i: int, j: int) -> int:
    """Rewrite the command at `src[i] == '\\'`; return the index after it."""
    src = w.src
    if i + 1 >= j:
        w.emit(" ", i)
        return j
    nxt = src[i + 1]
    if not nxt.isalpha():
        if nxt in _ESCAPES:
            w.emit(_ESCAPES[nxt], i)
            return i + 2
        w.opaque_span(i, i + 2)
        return i + 2
    m = re.match(r"[a-zA-Z]+", src[i + 1 : j])
    name = m.group()
    k = i + 1 + len(name)
    if name in _FRACS:
        return _frac(w, i, k, j)
    if name == "sqrt":
        return _sqrt(w, i, k, j)
    if name == "boxed" or name == "fbox":
        g = _group(src, k, j)
        if g is None:
            w.opaque_span(i, k)
            return k
        w.emit(" ", i)
        start = w.n
        mstart = w.n
        _translate(w, g[0], g[1])
        w.boxed.append((start, w.n))
        w.math.append((mstart, w.n))
        w.emit(" ", g[1])
        return g[2]
    if name in _SIZES:
        return _sized(w, i, k, j)
    if name in _TEXT:
        g = _group(src, k, j)
        if g is None:
            return k
        w.emit(" ", i)
        start = w.n
        for x in range(g[0], g[1]):
            if src[x] == "~":
                w.emit(" ", x)  # a non-breaking space: "\\mathrm{~g}"
            else:
                w.copy(x, x + 1)
        w.words.append((start, w.n))
        w.emit(" ", g[1])
        return g[2]
    if name in _BINOMS:
        return _binom(w, i, k, j)
    if name == "overline":
        return _overline(w, i, k, j)
    if name == "pmod":
        g = _group(src, k, j)
        if g is None:
            w.opaque_span(i, k)
            return k
        w.emit(" (mod ", i)
        _translate(w, g[0], g[1])
        w.emit(") ", g[2] - 1)
        return g[2]
    if name in ("tag", "label"):
        g = _group(src, k, j)
        w.emit(" ", i)
        return g[2] if g else k
    if name in ("begin", "end"):
        g = _group(src, k, j)
        w.emit(" ", i)
        return g[2] if g else k
    if name == "int" and k < j and src[k] in "_^":
        return _definite_integral(w, i, k, j)
    if name in _SIMPLE:
        w.emit(_SIMPLE[name], i)
        return k
    if name in _NAMED_FUNCS or name in _GREEK:
        w.emit(f" {name} ", i)
        return k
    if name == "log":
        base = _LOG_BASE.match(src, k, j)
        if base:
            w.emit(f" log_{base.group(1) or base.group(2)} ", i)
            return base.end()
        if src[k : min(j, k + 4)].lstrip(" ")[:1] == "_":
            w.opaque_span(i, k)
            return k
        w.emit(" log ", i)
        return k
    end = k
    while True:
        g = _group(src, end, j) if end < j and src[end] == "{" else None
        if g is None:
            break
        end = g[2]
    w.opaque_span(i, end)
    return end


_LOG_BASE = re.compile(r" {0,3}_\s*(?:\{\s*([0-9]{1,4}|[a-zA-Z])\s*\}|([0-9]|[a-zA-Z]))")
_DIGITS = re.compile(r"[0-9]{1,6}")


def _binom(w: _Writer, i: int, k: int, j: int) -> int:
    """`\\binom{n}{k}` as `binomial(n, k)`."""
    a = _group(w.src, k, j)
    b = _group(w.src, a[2], j) if a else None
    if a is None or b is None:
        w.opaque_span(i, k)
        return k
    return _two_groups(w, a, b, (" binomial((", "), (", ")) "), i)


def _two_groups(w: _Writer, a: tuple, b: tuple, marks: tuple[str, str, str], i: int) -> int:
    """Write two `{…}` arguments translated, between the three marks (`((a)/(b))`, `binomial((a), (b))`)."""
    w.emit(marks[0], i)
    _translate(w, a[0], a[1])
    w.emit(marks[1], a[1])
    _translate(w, b[0], b[1])
    w.emit(marks[2], max(b[1], b[2] - 1))
    return b[2]


def _overline(w: _Writer, i: int, k: int, j: int) -> int:
    """A repeating decimal `0.\\overline{3}`: its digits written out to 15 places and marked as cut off
    ("0.333333333333333..."), which the checks read with the tolerance of the last place."""
    g = _group(w.src, k, j)
    before = "".join(w.out[-3:])
    if g is None or not _DIGITS.fullmatch(w.src[g[0] : g[1]]) or not re.search(r"\d\.\d*$|\.$", before):
        w.opaque_span(i, g[2] if g else k)
        return g[2] if g else k
    digits = w.src[g[0] : g[1]]
    w.emit((digits * (15 // len(digits) + 1))[:15] + "...", i)
    return g[2]


def _frac(w: _Writer, i: int, k: int, j: int) -> int:
    src = w.src
    a = _group(src, k, j)
    b = _group(src, a[2], j) if a else None
    if a is None or b is None:
        w.opaque_span(i, k)
        return k
    top, bottom = src[a[0] : a[1]].strip(), src[b[0] : b[1]].strip()
    if _DIGITS.fullmatch(top) and _DIGITS.fullmatch(bottom) and i > 0 and src[i - 1].isdigit():
        w.emit(f" {top}/{bottom}", i)  # a mixed number: 2\frac{1}{3} is 2 1/3
        return b[2]
    if top == "d" and re.fullmatch(r"d\s*[a-zA-Z]", bottom):
        w.emit(f" d/d{bottom[-1]} ", i)
        return b[2]
    if top.startswith("d") and re.fullmatch(r"d\s*[a-zA-Z]", bottom):
        w.opaque_span(i, b[2])
        return b[2]
    return _two_groups(w, a, b, ("((", ")/(", "))"), i)


def _sqrt(w: _Writer, i: int, k: int, j: int) -> int:
    src = w.src
    index = None
    if k < j and src[k] == "[":
        close = src.find("]", k)
        if close == -1 or close > j:
            w.opaque_span(i, k)
            return k
        index = (k + 1, close)
        k = close + 1
    g = _group(src, k, j)
    if g is None:
        w.opaque_span(i, k)
        return k
    if index is None:
        w.emit(" sqrt(", i)
        _translate(w, g[0], g[1])
        w.emit(")", max(g[1], g[2] - 1))
    else:
        w.emit("((", i)
        _translate(w, g[0], g[1])
        w.emit(")^(1/(", index[0])
        _translate(w, index[0], index[1])
        w.emit(")))", max(g[1], g[2] - 1))
    return g[2]


def _sized(w: _Writer, i: int, k: int, j: int) -> int:
    src = w.src
    while k < j and src[k] == " ":
        k += 1
    if k >= j:
        return k
    c = src[k]
    if c in "([)]":
        w.emit(c, k)
        return k + 1
    for name, out in (("lfloor", " floor("), ("rfloor", ")"), ("lceil", " ceil("), ("rceil", ")")):
        if src.startswith("\\" + name, k):
            w.emit(out, k)
            return k + 1 + len(name)
    if c == ".":
        return k + 1
    if src.startswith("\\{", k):
        w.emit("(", k)
        return k + 2
    if src.startswith("\\}", k):
        w.emit(")", k)
        return k + 2
    w.opaque_span(i, k + 1)
    return k + 1


def _definite_integral(w: _Writer, i: int, k: int, j: int) -> int:
    m = _DX.search(w.src, k, j)
    end = m.end() if m else j
    w.opaque_span(i, end)
    return end
