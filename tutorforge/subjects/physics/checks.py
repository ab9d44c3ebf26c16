"""The physics checker: every equation chain with units in a turn, and its final answer.

Flag kinds (all errors unless noted):
- `wrong_unit_conversion`: a quantity set equal to itself in other units with the wrong number
  (`72 km/h = 25 m/s`, `36 km/h = 36 m/s`);
- `dimension_mismatch`: quantities of different kinds added or equated (`4 m/s + 3 m`, `6 m/s = 6 m`);
- `false_arithmetic`: a link between two computed sides that is false (`2 m/s^2 × 3 s = 8 m/s`);
- `invalid_step`: a formula evaluated with the problem's given values is not what the turn says
  (`v = u + at = 32 m/s` when u = 20 m/s, a = -3 m/s^2, t = 4 s);
- `wrong_final_answer`: a stated answer that is not the reference answer (units converted first);
- `missing_unit` (info): the right number stated without its unit;
- `reveals_answer` (info): a teacher states the answer before the student has;
- `unparseable` (info): a side with numbers that could not be read.

The problem's given values are read from `symbol = quantity` statements in its text
("Given: u = 20 m/s, a = -3 m/s^2, t = 4 s."); they are the only values symbols take.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from fractions import Fraction

from tutorforge.subjects.physics.quantities import Q, Side, read_side, segments
from tutorforge.subjects.physics.units import describe, si_label
from tutorforge.verifiers.extra import Checked
from tutorforge.verifiers.types import Flag, PriorTurn, VerifyContext

MAX_PROBLEM_CHARS = 5_000
_MAX_CLAIMS = 200
_MAX_CLAIM_TEXT = 200
_ANSWER = re.compile(
    r"\b(?:answer|final\s+(?:speed|velocity|distance|displacement|time|acceleration|position))\b"
    r"(?:\s+(?:is|was|would\s+be|should\s+be|of|comes\s+out\s+(?:to|as)))?\s*[:=]?\s*"
    r"(?:about|approximately|roughly)?\s*",
    re.I,
)


def check_turn(text: str, role: str, ctx: VerifyContext) -> Checked:
    """Check every chain of quantities in one turn, then its stated final answer."""
    out = Checked()
    givens = given_sides(ctx.problem or "")
    values = {name: side.value for name, side in givens.items()}
    links = 0
    for seg in segments(text):
        if not seg.has_equation or (seg.question and role == "teacher"):
            continue
        sides = [read_side(tokens, values) for tokens in seg.sides() if tokens]
        for side in sides:
            if side.dimension_error:
                out.flags.append(
                    _flag(text, "dimension_mismatch", side.start, side.end, side.dimension_error)
                )
                out.claims += 1
            elif side.problem:
                detail = f"cannot read this side: {side.problem}"
                out.flags.append(_flag(text, "unparseable", side.start, side.end, detail, "info"))
                out.unverifiable += 1
        known = [s for s in sides if s.value is not None]
        approx = any(seg.approx)
        for left, right in zip(known, known[1:], strict=False):
            if links >= _MAX_CLAIMS:
                break
            links += 1
            out.claims += 1
            problem = _compare(text, left, right, givens, approx)
            if problem:
                kind, detail = problem
                out.flags.append(_flag(text, kind, left.start, right.end, detail))
    _check_answers(text, role, ctx, out)
    return out


@functools.lru_cache(maxsize=256)
def given_sides(problem: str) -> dict[str, Side]:
    """The given values of a problem, by symbol: `symbol = quantity` statements in its text."""
    if len(problem) > MAX_PROBLEM_CHARS:
        return {}
    found: dict[str, Side] = {}
    for seg in segments(problem):
        parts = seg.sides()
        if len(parts) != 2 or len(parts[0]) != 1 or parts[0][0].kind != "sym":
            continue
        side = read_side(parts[1], {})
        if side.value is not None and not side.symbolic:
            found[parts[0][0].text.replace("_", "")] = side
    return found


@functools.lru_cache(maxsize=256)
def reference(answer: str) -> Side | None:
    """The reference answer as a quantity, or None when it is not one number with its unit."""
    parsed = [s for s in segments(answer) if s.tokens]
    if len(parsed) != 1:
        return None
    side = read_side(parsed[0].sides()[-1], {})
    return side if side.value is not None and not side.symbolic else None


def _compare(
    text: str, left: Side, right: Side, givens: dict[str, Side], approx: bool
) -> tuple[str, str] | None:
    """What is wrong with the link `left = right`, as (flag kind, detail), or None when it holds."""
    a, b = left.value, right.value
    if a.dims != b.dims:
        return (
            "dimension_mismatch",
            f"the left side is {describe(a.dims)}, the right side is {describe(b.dims)}",
        )
    if abs(a.value - b.value) <= max(_tolerance(left, approx), _tolerance(right, approx)):
        return None
    value, other = (left, right) if left.symbolic or not right.symbolic else (right, left)
    shown, wrong = _show(value.value, other), _show(other.value, other)
    if value.symbolic:
        names = _symbols(value, givens)
        if (
            len(names) == 1
            and len(value.tokens) == 1
            and other.single
            and givens[names[0]].units != other.units
        ):
            given = givens[names[0]]
            return (
                "wrong_unit_conversion",
                f"{names[0]} = {given.number} {given.unit} is {shown}, not {wrong}",
            )
        used = ", ".join(f"{name} = {_join(givens[name].number, givens[name].unit)}" for name in names)
        return "invalid_step", f"with {used} from the problem, {_text(text, value)} is {shown}, not {wrong}"
    if (left.single or right.single) and left.units != right.units:
        source = left if left.single else right
        target = right if source is left else left
        return "wrong_unit_conversion", (
            f"{_text(text, source)} is {_show(source.value, target)}, not {_show(target.value, target)}"
        )
    return "false_arithmetic", f"the left side is {_show(a, right)}, the right side is {_show(b, right)}"


def _symbols(side: Side, givens: dict[str, Side]) -> list[str]:
    """The given symbols a formula side uses, in order of first use."""
    names: list[str] = []
    for t in side.tokens:
        if t.kind != "sym":
            continue
        name = t.text.replace("_", "")
        for part in [name] if name in givens else list(name):
            if part in givens and part not in names:
                names.append(part)
    return names


def _tolerance(side: Side, approx: bool) -> Fraction:
    """How far from exact a written number may be: one unit in its last decimal place (half a unit,
    whole numbers included, after '≈')."""
    if not side.single:
        return Fraction(0)
    decimals = len(side.number.partition(".")[2])
    if not decimals and not approx:
        return Fraction(0)
    place = Fraction(1, 10**decimals)
    return (place / 2 if approx else place) * side.scale


def _show(q: Q, like: Side | None) -> str:
    """A quantity as text, in the unit of `like` when that side is a single quantity, else in SI."""
    if like is not None and like.single and like.scale:
        return _join(_number(q.value / like.scale), like.unit)
    return _join(_number(q.value), si_label(q.dims))


def _join(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    rounded = round(float(value), 4)
    return f"{rounded:g}" if Fraction(rounded).limit_denominator(10**6) == value else f"about {rounded:g}"


def _text(text: str, side: Side) -> str:
    return text[side.start : side.end]


def _check_answers(text: str, role: str, ctx: VerifyContext, out: Checked) -> None:
    ref = reference((ctx.answer or "").strip()[:200]) if ctx.answer else None
    if ref is None:
        return
    stated_correct = []
    for m in _ANSWER.finditer(text):
        side = _side_at(text, m.end())
        if side is None:
            continue
        out.claims += 1
        problem = _answer_problem(side, ref)
        if problem is None:
            stated_correct.append(side)
        else:
            kind, detail, severity = problem
            out.flags.append(_flag(text, kind, m.start(), side.end, detail, severity))
    if role == "teacher":
        stated_correct += _chain_results_equal_to(text, ref)
        if stated_correct and not _student_stated(ctx.history, ref):
            side = stated_correct[0]
            detail = "states the reference answer before the student has"
            out.flags.append(_flag(text, "reveals_answer", side.start, side.end, detail, "info"))


def _side_at(text: str, position: int) -> Side | None:
    """The quantity stated right after `position` (the last side when it is a chain)."""
    for seg in segments(text[position : position + 300]):
        if seg.tokens[0].start > 2:
            return None
        side = read_side(seg.sides()[-1], {})
        if side.value is None or side.symbolic:
            return None
        side.tokens = [replace(t, start=t.start + position, end=t.end + position) for t in side.tokens]
        return side
    return None


def _answer_problem(side: Side, ref: Side) -> tuple[str, str, str] | None:
    a, b = side.value, ref.value
    reference_text = (
        f"the reference answer is {_join(ref.number, ref.unit) if ref.single else _show(b, None)}"
    )
    if a.dims != b.dims:
        if side.single and not side.unit and ref.single and a.value * ref.scale == b.value:
            return "missing_unit", f"the number is right but has no unit; {reference_text}", "info"
        return "wrong_final_answer", f"states {describe(a.dims)}; {reference_text}", "error"
    if abs(a.value - b.value) <= max(_tolerance(side, False), _tolerance(ref, False)):
        return None
    return "wrong_final_answer", reference_text, "error"


def _chain_results_equal_to(text: str, ref: Side) -> list[Side]:
    """The last sides of the turn's chains that equal the reference answer."""
    found = []
    for seg in segments(text):
        if seg.has_equation and not seg.question:
            side = read_side(seg.sides()[-1], {})
            if side.value is not None and not side.symbolic and _answer_problem(side, ref) is None:
                found.append(side)
    return found


def _student_stated(history: list[PriorTurn] | None, ref: Side) -> bool:
    for turn in history or []:
        if turn.role != "student":
            continue
        for seg in segments(turn.text[:5_000]):
            for tokens in seg.sides():
                side = read_side(tokens, {}) if tokens else None
                if side is not None and side.value is not None and _answer_problem(side, ref) is None:
                    return True
    return False


def _flag(text: str, kind: str, start: int, end: int, detail: str, severity: str = "error") -> Flag:
    return Flag(kind, text[start:end][:_MAX_CLAIM_TEXT], (start, end), detail, severity)  # type: ignore[arg-type]
