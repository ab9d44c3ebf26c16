"""A value the turn states twice: "φ(1547) = 1547 × 6/7 × 12/13 × 16/17" and later "φ(1547) = 1248". A
function at numbers has one value, so two different values for the same `f(3)`, `φ(1547)`, `P(5, 3)` in
one turn, with no case, trial or supposition between them, is a false claim (the later one)."""

from __future__ import annotations

import re

from tutorforge.verifiers.checks import CheckContext, Finding, fmt, side_tree
from tutorforge.verifiers.claims import Chain, Extraction
from tutorforge.verifiers.numeric import EvalError, Value, evaluate, free_symbols

_APPLIED_AT_NUMBERS = re.compile(r"[A-Za-z]{1,12} ?\( ?\d{1,12}(?: ?, ?\d{1,12}){0,3} ?\)")
_CASES = re.compile(
    r"\b(?:if|case|cases|suppose|assume|assuming|when|try|trying|instead|otherwise|alternatively|"
    r"either|or|check|test|let|say|similarly|another|other)\b",
    re.I,
)


def _value(chain: Chain, cx: CheckContext) -> Value | None:
    """The exact value of the chain's last side, when it is a number read completely and the chain says
    `=` ("the last digit of f(10) is 4" is not a value of f(10))."""
    side = chain.sides[-1]
    if not side.complete or side.unit or side.cut or side.decimals or any(chain.approx) or any(chain.weak):
        return None
    tree = side_tree(side, cx) if not side.opaque else None
    if tree is None or free_symbols(tree):
        return None
    try:
        v = evaluate(tree, {})
    except EvalError:
        return None
    return v if not isinstance(v, float) else None


def restated_values(ex: Extraction, chains: list[Chain], cx: CheckContext) -> list[Finding]:
    """`false_arithmetic` for a later chain giving a function at numbers another value than an earlier one."""
    seen: dict[str, tuple[Value, int]] = {}
    findings = []
    for chain in chains:
        first = chain.sides[0]
        label = " ".join(ex.norm.text[ex.tokens[first.start].start : ex.tokens[first.end - 1].end].split())
        if not first.complete or not _APPLIED_AT_NUMBERS.fullmatch(label):
            continue
        value = _value(chain, cx)
        if value is None:
            continue
        if label in seen:
            before, at = seen[label]
            if value != before and not _CASES.search(ex.norm.text, at, chain.span[0]):
                detail = f"the turn gave {label} = {fmt(before)} before, here {fmt(value)}"
                findings.append(Finding("false_arithmetic", *chain.span, detail))
        seen[label] = (value, ex.sentences[ex.sentence_of[first.start]][0])
    return findings
