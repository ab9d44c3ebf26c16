"""Algebra steps: an equation in one unknown that the text derives from the one before it ("so",
"subtracting 5", "we get", "⇒"), and the first one against the equation the problem asks to solve,
compared by their solution sets.

A step is valid when one solution set holds the other: an equivalent rewrite, a consequence (squaring
adds roots) or a choice among roots ("x = 5" after "x^2 = 25"). A step sharing no solution, or only
some, is an `invalid_step` ("3x + 5 = 20", so "3x = 25"). Only rational equations are compared
(numbers, one symbol, + - × ÷, whole powers): linear ones exactly in-process, others in the worker pool
(sympy's solution sets over the reals, within the claim timeout). Real solutions list cases, roots and
trials side by side, so nothing is compared across a case, an alternative, a trial, another equation
or a result, and an equation read in part is left alone. With several unknowns a step is only
confirmed, when it is the equation before it times a constant (exact values at random points).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from tutorforge.verifiers.checks import CheckContext
from tutorforge.verifiers.claims import Chain, Extraction, extract
from tutorforge.verifiers.numeric import EvalError, evaluate, free_symbols, random_points, tree_to_json
from tutorforge.verifiers.safeparse import Rejected, to_tree

# a trial value or a supposition is not a step: "if x = 3", "try x = 4", "check x = 2"
_TRIAL = re.compile(
    r"\b(?:if|suppose|assume|try|trying|tried|check|checking|test|testing|plug|plugging|substitut\w*|"
    r"let|say|when|whether|guess|instead|not|example|another|similarly)\b[^.!?\n]*$",
    re.I,
)
_JOINS = ":+-*/^=<>·×÷"
_COMMAND_AFTER = re.compile(r"[ $]*\.?\\(?!quad|qquad)[A-Za-z]")
_APPLIED = re.compile(r"[A-Za-z]\s?\(")
_DERIVES = re.compile(
    r"\b(?:so|thus|therefore|hence|then|gives?|giving|get|gets|got|becomes?|simplif\w*|subtract\w*|add\w*|"
    r"divid\w*|multipl\w*|solv\w*|rearrang\w*|isolat\w*|implies|means)\b|\\implies|\\Rightarrow|⇒|→|=>",
    re.I,
)
_CASES = re.compile(
    r"\b(?:case|cases|if|when|suppose|assume|alternatively|or|another|also|similarly|second|first|"
    r"consider|check|try|instead|otherwise|either|each|other)\b",
    re.I,
)
# "x = 11 or x = 15 must be correct": candidates, not a step
_CANDIDATE = re.compile(r"[^.!?\n]{0,60}?\b(?:must|could|might|may)\s+be\b|[^.!?\n]{0,60}?\bpossib", re.I)
_SOLVE = re.compile(r"\bsolve\b", re.I)
_SOLVING = re.compile(r"\b(?:equation|solv\w*)\b", re.I)
_ALTERNATIVE = re.compile(r"[\s,]*or[\s,]*", re.I)
_MAX_UNKNOWNS = 4
_POINTS = (Fraction(0), Fraction(1), Fraction(2), Fraction(-3, 7), Fraction(11, 5), Fraction(-29, 3))


@dataclass(frozen=True)
class Equation:
    """`left = right` with its normalized span in the turn or in the problem statement."""

    var: str  # the unknown; several are joined by commas
    left: tuple
    right: tuple
    span: tuple[int, int]
    given: bool = False  # the problem's own equation
    decimals: int = 0  # digits of a written decimal on one side ("x = 34.72"): its root may be rounded


def _difference(eq: Equation, at: Fraction) -> Fraction | None:
    try:
        v = evaluate(("sub", eq.left, eq.right), {eq.var: at})
    except EvalError:
        return None
    return v if isinstance(v, Fraction) else None


def linear_root(eq: Equation) -> Fraction | None | str:
    """The root when `left - right` is a linear function with a nonzero slope; "flat" when it is constant
    (an identity or no solution); None when it is not linear or cannot be evaluated exactly."""
    points = _POINTS
    values = [_difference(eq, p) for p in points]
    if any(v is None for v in values):
        return None
    slope = (values[1] - values[0]) / (points[1] - points[0])
    if any(values[i] - values[0] != slope * (points[i] - points[0]) for i in range(2, len(points))):
        return None
    if slope == 0:
        return "flat"
    return -values[0] / slope


def _equations(chain: Chain, ex: Extraction, cx: CheckContext) -> list[Equation]:
    """The links of a chain that are equations in one unknown (identities such as `2(x + 3) = 2x + 6`
    included; they are told apart when solved)."""
    trees = [None if s.opaque else _plain_tree(s) for s in chain.sides]  # opaque LaTeX: not rational
    out = []
    for i in range(len(chain.sides) - 1):
        left, right = trees[i], trees[i + 1]
        if left is None or right is None:
            continue
        syms = free_symbols(left) | free_symbols(right)
        if not 0 < len(syms) <= _MAX_UNKNOWNS or not (rational(left) and rational(right)):
            continue
        if any(s.unit for s in chain.sides[i : i + 2]):
            continue  # "x = 0.20, which is x = 20 cents": a change of unit, not a step
        span = (ex.tokens[chain.sides[i].start].start, ex.tokens[chain.sides[i + 1].end - 1].end)
        decimals = (
            max(s.decimals for s in chain.sides[i : i + 2] if s.bare_number)
            if any(s.bare_number for s in chain.sides[i : i + 2])
            else 0
        )
        out.append(Equation(",".join(sorted(syms)), left, right, span, decimals=decimals))
    return out


def rational(tree: tuple) -> bool:
    """Whether a tree is a rational function: numbers, symbols, + - × ÷ and whole powers up to 12."""
    stack = [tree]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag in ("num", "sym"):
            continue
        if tag == "neg":
            stack.append(n[1])
        elif tag in ("add", "sub", "mul", "div"):
            stack.extend((n[1], n[2]))
        elif tag == "pow" and n[2][0] == "num" and n[2][1].denominator == 1 and 0 <= n[2][1] <= 12:
            stack.append(n[1])
        else:
            return False
    return True


@lru_cache(maxsize=1024)
def problem_equation(problem: str, unknowns: frozenset[str]) -> Equation | None:
    """The equation a problem asks to solve or gives as a condition, when it states exactly one, in one
    unknown ("Solve 3x + 5 = 20.", "If 3x + 5 = 20, ..."); an equation that only sets the scene ("Let
    f(x) = ...") is not one."""
    if not _SOLVE.search(problem[:2000]):
        return None
    ex = extract(problem[:2000], unknowns)
    found = []
    for chain in ex.chains:
        if not chain.asserted or any(s.opaque for s in chain.sides):
            continue
        trees = [_plain_tree(s) for s in chain.sides]
        for i in range(len(trees) - 1):
            span = (ex.tokens[chain.sides[i].start].start, ex.tokens[chain.sides[i + 1].end - 1].end)
            if _APPLIED.search(ex.norm.text, *span) or not _bounded(ex.norm.text, span):
                continue
            if (
                trees[i] is not None
                and trees[i + 1] is not None
                and rational(trees[i])
                and rational(trees[i + 1])
            ):
                syms = free_symbols(trees[i]) | free_symbols(trees[i + 1])
                if len(syms) == 1:
                    found.append(Equation(next(iter(syms)), trees[i], trees[i + 1], (0, 0), given=True))
    return found[0] if len(found) == 1 else None


def _plain_tree(side) -> tuple | None:
    try:
        return to_tree(side.source, tuple(side.numbers))
    except Rejected:
        return None


def _bounded(text: str, span: tuple[int, int]) -> bool:
    """Whether an equation stands on its own: no ratio or operator next to it, no letter or digit
    touching it, no decimal going on after it ("231846597.\\overline{…}" is read in part)."""
    touching = (text[span[0] - 1 : span[0]], text[span[1] : span[1] + 1])
    if any(c.isalnum() for c in touching):
        return False
    head = text[max(0, span[0] - 20) : span[0]].rstrip(" $")
    before = head[-1:]
    after = text[span[1] : span[1] + 20].lstrip(" $")[:2]
    if before == ":" and not head.endswith(" :"):
        before = ""  # a label ("Subtract 5: 3x = 25"), not a ratio ("20 : (80 + y)")
    if before and before in _JOINS + "})]":
        return False
    if after[:1] == "." and after[1:2] and not after[1].isspace():
        return False  # a period that does not end the sentence: "231846597.\\overline{…}"
    if _COMMAND_AFTER.match(text, span[1]):
        return False  # "x = 0.\\overline{3}", "= 5\\text{ cm}": notation read in part
    return not (after and after[0] in _JOINS + "({[")


def _derived(text: str, before: Equation, eq: Equation) -> bool:
    """Whether the text presents `eq` as derived from the equation before it: joined by "so",
    "subtracting 5", "we get", "⇒", with no case, alternative or trial between (equations on lines of
    their own may be a list); the problem's equation is followed by the turn's first one."""
    if before.given:
        return True
    between = text[before.span[1] : eq.span[0]]
    if len(between) > 160 or "=" in between or _CASES.search(between):
        return False  # another equation between them, even one not read, breaks the derivation
    return bool(_DERIVES.search(between))


def _assignment(eq: Equation) -> bool:
    """`x = 5`: a result or a case, which later equations are not derived from."""
    for a, b in ((eq.left, eq.right), (eq.right, eq.left)):
        if a[0] == "sym" and not free_symbols(b):
            return True
    return False


def proportional(a: Equation, b: Equation) -> bool:
    """Whether `b` is `a` times a nonzero constant ("2x + 2y = 10", then "x + y = 5"), by exact values at
    random rational points: then both have the same solutions."""
    ratio = None
    agreed = 0
    fa, fb = ("sub", a.left, a.right), ("sub", b.left, b.right)
    for env in random_points(a.var.split(","), len(a.var), 10):
        try:
            va, vb = evaluate(fa, env), evaluate(fb, env)
        except EvalError:
            continue
        if not (isinstance(va, Fraction) and isinstance(vb, Fraction)) or (va == 0) != (vb == 0):
            return False
        if va == 0:
            continue
        if ratio is not None and vb / va != ratio:
            return False
        ratio = vb / va
        agreed += 1
    return agreed >= 4


def _relation(a: Equation, b: Equation, cx: CheckContext) -> str | None:
    """How the solution sets of two equations in the same unknown relate: "nested" (one holds the other),
    "disjoint", "overlap" (some shared, neither holds the other), or None when unknown or when either is
    an identity or has no solution."""
    ra, rb = linear_root(a), linear_root(b)
    if "flat" in (ra, rb):
        return None
    if ra is not None and rb is not None:
        decimals = max(a.decimals, b.decimals)
        tolerance = Fraction(1, 2 * 10**decimals) if decimals else 0
        return "nested" if abs(ra - rb) <= tolerance else "disjoint"
    payload = {
        "var": a.var,
        "a": tree_to_json(("sub", a.left, a.right)),
        "b": tree_to_json(("sub", b.left, b.right)),
    }
    res = cx.symbolic("solution_sets", payload)
    return None if res is None else res.get("relation")


def _solved_by_reference(var: str, cx: CheckContext) -> bool:
    """Equations the reference answer already judges: in an unknown it solves for, or any equation when
    the answer is an expression (they are identities there)."""
    ref = cx.ref
    solved = all(v in ref.unknowns for v in var.split(",")) if ref is not None else False
    return ref is not None and (ref.kind == "expr" or (solved and bool(ref.solutions)))


def step_outcomes(text_norm: str, ex: Extraction, chains: list[Chain], cx: CheckContext, problem: str):
    """For every equation link that follows another equation in the same unknown (or the problem's
    equation): its span -> ("ok" | "invalid", detail). Alternatives ("x - 2 = 0 or x - 3 = 0") are each
    compared with the equation before the split, and so is everything after them."""
    previous = problem_equation(problem, cx.unknowns) if problem else None
    last: Equation | None = None
    anchor = previous  # the equation before the last one: what alternatives are compared with
    several: Equation | None = None  # the last equation in several unknowns
    split = False
    out: dict[tuple[int, int], tuple[str, str]] = {}
    for chain in chains:
        if not chain.asserted or chain.question:
            continue
        for eq in _equations(chain, ex, cx):
            if _solved_by_reference(eq.var, cx):
                continue
            s_start = max(ex.sentences[ex.sentence_of[chain.sides[0].start]][0], eq.span[0] - 200)
            if _TRIAL.search(text_norm[s_start : eq.span[0]]) or _CANDIDATE.match(text_norm, eq.span[1]):
                continue
            if "," in eq.var:  # several unknowns: a step is only confirmed, never flagged (systems)
                if several is not None and several.var == eq.var and proportional(several, eq):
                    out[eq.span] = ("ok", "")
                several = eq
                continue
            if (
                free_symbols(eq.left)
                and free_symbols(eq.right)
                and not _SOLVING.search(text_norm, s_start, eq.span[1])
            ):
                continue  # "he earned 1.5(2/3x) = 3x/2 dollars": a rewrite, not an equation being solved
            if _APPLIED.search(text_norm, eq.span[0], eq.span[1]) or not _bounded(text_norm, eq.span):
                continue  # "S(2020) = …" applies a function; "20 : (80 + y) = 1 : 6" is read in part
            if last is not None and _ALTERNATIVE.fullmatch(text_norm[last.span[1] : eq.span[0]]):
                split, previous = True, anchor
            if previous is not None and previous.var == eq.var and _derived(text_norm, previous, eq):
                relation = _relation(previous, eq, cx)
                if relation in ("disjoint", "overlap"):
                    where = "the problem's equation" if previous.given else "the equation before it"
                    shared = "no solution" if relation == "disjoint" else "not the same solutions"
                    out[eq.span] = ("invalid", f"has {shared} in common with {where}")
                elif relation == "nested":
                    out[eq.span] = ("ok", "")
            last = eq
            if _assignment(eq):  # "x = 5" ends a derivation: what follows starts another
                anchor = previous = None
            elif not split and linear_root(eq) != "flat":
                anchor, previous = previous, eq
    return out
