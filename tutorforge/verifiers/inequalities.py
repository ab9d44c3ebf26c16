"""Comparisons between numbers: `3 + 5 > 9` is false, `2 < 3` true, `\\le`, `\\ge`, `≠`.

A comparison is judged only when both sides are numbers read completely (`claims.fully_read`), hold no
unit, no ± and no LaTeX outside the plain subset, and the text asserts it (not asked, negated or
rejected). Values closer than the precision a written decimal shows ("0.333 < 1/3") or than float error
are left unverifiable; sides with a letter (`x > 3`, `a \\star b`) are not numeric claims and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from tutorforge.verifiers.checks import CheckContext, Finding, fmt
from tutorforge.verifiers.claims import Extraction, _asserted, _left_side, _right_side, fully_read
from tutorforge.verifiers.exprscan import Side, TooComplex
from tutorforge.verifiers.limits import MAX_CLAIMS
from tutorforge.verifiers.numeric import EvalError, evaluate, free_symbols
from tutorforge.verifiers.safeparse import Rejected, to_tree

_HOLDS = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "≤": lambda a, b: a <= b,
    "≥": lambda a, b: a >= b,
    "≠": lambda a, b: a != b,
}
_DECIMALS = re.compile(r"\d\.(\d{1,12})")
# a condition or a goal, not a claim: "does not satisfy the condition 6 ≤ 41 < 6^2", "such that 41 < b^2"
_CONDITION = re.compile(
    r"\b(?:such\s+that|want|wants|need|needs|must|should|if|whether|when|find|largest|smallest|least|"
    r"greatest|requir\w*|condition|constraint|check\w*|test\w*|not|fails?)\b|n't\b",
    re.I,
)
# a reason states what follows it: "… does not satisfy the equation since 1 + 10 ≠ 1 + 10"
_REASON = re.compile(r"\b(?:since|because|as)\b", re.I)
_OPERAND = {"num", "var", "const", "func", "ufunc", "opaque", "pow", "bang", "deg"}
_RANGE = re.compile(r"\d-\d")  # "scores 80-90 > 70": a range in prose, not a subtraction


@dataclass
class Comparison:
    left: Side
    right: Side
    op: str
    span: tuple[int, int]  # normalized char range


def comparisons(ex: Extraction) -> list[Comparison]:
    """Every `a op b` with a comparison token between two expressions, both read completely."""
    out: list[Comparison] = []
    toks = ex.tokens
    for k, t in enumerate(toks):
        if len(out) >= MAX_CLAIMS:
            break
        if t.kind != "other" or t.value not in _HOLDS:
            continue
        if k + 1 < len(toks) and toks[k + 1].kind in ("eq", "other"):
            continue  # "<=", "< =", "<->": not read here
        if ex.norm.text[t.start - 1 : t.start] in ("-", "=", "<"):
            continue  # "->", "=>", "<<"
        try:
            left = _left_side(toks, k, 0)
            right = _right_side(toks, k)
        except TooComplex:
            continue
        if left is None or right is None or left.end != k:
            continue
        before = toks[left.start - 1] if left.start else None
        after = toks[right.end] if right.end < len(toks) else None
        if (before is not None and before.kind in _OPERAND | {"rp"}) or (
            after is not None
            and (after.kind in _OPERAND or (after.kind == "lp" and after.math == toks[right.end - 1].math))
        ):
            continue  # "70 ≤ 24\\( K \\)": an operand in the next LaTeX piece goes on the side
        if not (fully_read(toks, left) and fully_read(toks, right)):
            continue
        span = (toks[left.start].start, toks[right.end - 1].end)
        s_start = max(ex.sentences[ex.sentence_of[left.start]][0], span[0] - 80)
        reasons = [m.end() for m in _REASON.finditer(ex.norm.text, s_start, span[0])]
        if _CONDITION.search(ex.norm.text, reasons[-1] if reasons else s_start, span[0]):
            continue
        asserted, question = _asserted(span, left.start, ex.norm.text, ex.sentence_of, ex.sentences)
        if asserted and not question:
            out.append(Comparison(left, right, t.value, span))
    return out


def _value(side: Side):
    if side.opaque or side.unit or side.remainder is not None or "pm" in side.source:
        return None
    try:
        tree = to_tree(side.source, tuple(side.numbers))
    except Rejected:
        return None
    if free_symbols(tree):
        return None
    try:
        return evaluate(tree, {})
    except EvalError:
        return None


def _too_close(a, b, ls: Side, rs: Side, text: str) -> bool:
    """Whether rounding in what is written could decide the comparison."""
    gap = abs(a - b)
    places = max((len(d) for d in _DECIMALS.findall(text)), default=0)
    if ls.cut or rs.cut or places:
        return gap <= Fraction(1, 2 * 10**places) if places else True
    if isinstance(a, float) or isinstance(b, float):
        return gap <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return False


def check_comparisons(ex: Extraction, cx: CheckContext) -> tuple[int, list[Finding]]:
    """(comparisons judged, findings): a false one is `false_arithmetic`."""
    judged, findings = 0, []
    for c in comparisons(ex):
        ls, rs = c.left, c.right
        if ls.money != rs.money or ls.percent != rs.percent:
            continue
        text = ex.norm.text[c.span[0] : c.span[1]]
        if not ex.tokens[ls.start].math and _RANGE.search(text):
            continue
        a, b = _value(ls), _value(rs)
        if a is None or b is None or _too_close(a, b, ls, rs, text):
            continue
        judged += 1
        if not _HOLDS[c.op](a, b):
            findings.append(Finding("false_arithmetic", *c.span, f"{fmt(a)} {c.op} {fmt(b)} does not hold"))
    return judged, findings
