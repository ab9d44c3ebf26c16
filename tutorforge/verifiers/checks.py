"""Checks of extracted claims: every link of a chain, equations against the reference solution,
final answers against the reference. Exact rationals first, then random points, then the worker pool."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from tutorforge.verifiers.claims import Answer, Chain, Extraction
from tutorforge.verifiers.exprscan import Side
from tutorforge.verifiers.limits import MAX_ALTERNATIVES
from tutorforge.verifiers.numeric import (
    EvalError,
    TooBig,
    Undefined,
    Unsupported,
    Value,
    bits,
    close_enough,
    evaluate,
    expand_pm,
    free_symbols,
    has_tag,
    random_points,
    tree_to_json,
)
from tutorforge.verifiers.reference import Reference, operands
from tutorforge.verifiers.safeparse import Rejected, to_tree

# A call into the worker pool: (op, payload) -> result dict, or None when it timed out or is unavailable.
Symbolic = Callable[[str, dict], dict | None]

_NEEDS_POOL = frozenset({"int", "opaque"})


@dataclass
class Finding:
    """One outcome worth reporting: a flag kind, or `unverifiable`."""

    kind: str
    start: int  # normalized char range
    end: int
    detail: str
    severity: str = "error"


@dataclass
class CheckContext:
    unknowns: frozenset[str]
    ref: Reference | None
    symbolic: Symbolic
    latex_sides: Callable[[Side], tuple | None]  # parses an opaque side through the worker pool
    steps: dict | None = None  # reference steps: operands -> results (see reference.step_results)

    @property
    def symbolic_problem(self) -> bool:
        """Equations with symbols are identities here (the reference answer is an expression)."""
        return self.ref is not None and self.ref.kind == "expr"


def fmt(v: Value) -> str:
    """A short, bounded rendering of a value for a flag's detail."""
    if isinstance(v, Fraction):
        s = str(v) if bits(v) < 200 else ""
        if s and len(s) <= 40:
            return s
        digits = int(abs(v.numerator.bit_length() - v.denominator.bit_length()) * 0.30103) + 1
        return (
            f"{'-' if v < 0 else ''}a number of about {digits} digits" if digits > 300 else f"{float(v):.6g}"
        )
    return f"{v:.6g}"


def side_tree(side: Side, cx: CheckContext) -> tuple | None:
    """The tree of one side (through the worker pool when it holds LaTeX outside the fast subset)."""
    if side.opaque:
        return cx.latex_sides(side)
    try:
        return to_tree(side.source, tuple(side.numbers))
    except Rejected:
        return None


def _resolve(tree: tuple) -> tuple:
    """Give "the derivative of …" and "the integral of …" their variable: the body's only symbol, else x."""
    tag = tree[0]
    if tag in ("d", "int") and tree[1] is None:
        syms = sorted(free_symbols(tree[2]))
        var = syms[0] if len(syms) == 1 else "x"
        return (tag, var, _resolve(tree[2]), *tree[3:])
    if tag in ("neg", "pm"):
        return (tag, _resolve(tree[1]))
    if tag in ("add", "sub", "mul", "div", "pow"):
        return (tag, _resolve(tree[1]), _resolve(tree[2]))
    return tree


def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def _rounds_to(exact: Value, written: Value, decimals: int) -> bool:
    """Whether `written` is `exact` rounded to `decimals` places (half up or half to even)."""
    scale = 10**decimals
    if isinstance(exact, Fraction) and isinstance(written, Fraction):
        scaled = exact * scale
        candidates = {math.floor(scaled + Fraction(1, 2)), round(scaled)}
        return written * scale in candidates
    return abs(float(exact) - float(written)) <= 0.5 / scale + 1e-9 * max(1.0, abs(float(exact)))


def _rounded(side: Side | None, exact: Value, written: Value, approx: bool) -> bool:
    """A written decimal that rounds the exact value ("50/3 = 16.67"), or an approximation ("10/3 ≈ 3")."""
    if side is None or not side.bare_number:
        return False
    d = max(side.decimals, 0)
    if side.cut:  # "0.333..." is the exact value cut off or rounded at its last place
        return abs(float(exact) - float(written)) <= 10.0**-d + 1e-12 * max(1.0, abs(float(exact)))
    if (d > 0 or approx) and _rounds_to(exact, written, d):
        return True
    return approx and abs(float(exact) - float(written)) <= 0.01 * abs(float(written))


def values_match(a: Value, b: Value, sa: Side | None, sb: Side | None, approx: bool = False) -> bool | None:
    """Equal up to rounding a written decimal, a percent written as a number, or an approximation.
    None: floats too close to call."""
    if isinstance(a, Fraction) and isinstance(b, Fraction) and a == b:
        return True
    if approx and abs(float(a) - float(b)) <= 0.01 * max(abs(float(a)), abs(float(b))):
        return True  # "≈" between two expressions: within one percent
    if sa is not None and sb is not None and sa.percent != sb.percent:
        # "0.2 × 100 = 20%": a bare percent also reads as its number of hundredths
        pa, pb = (a * 100, b) if sa.percent else (a, b * 100)
        if (sa.bare_number if sa.percent else sb.bare_number) and close_enough(pa, pb):
            return True
    if not (isinstance(a, Fraction) and isinstance(b, Fraction)) and close_enough(a, b):
        return True
    if _rounded(sb, a, b, approx) or _rounded(sa, b, a, approx):
        return True
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return False
    fa, fb = float(a), float(b)
    return False if abs(fa - fb) > 1e-6 * max(1.0, abs(fa), abs(fb)) else None


def _identity(left: tuple, right: tuple, symbols: list[str], cx: CheckContext) -> tuple[bool | None, str]:
    """Whether left == right for every value of the symbols: random points, then the worker pool."""
    seed = _seed(left, right)
    for positive in (False, True):
        agreed = 0
        for env in random_points(symbols, seed, 12, positive=positive):
            try:
                lv, rv = evaluate(left, env), evaluate(right, env)
            except Undefined:
                continue
            except TooBig:
                return None, "too large to evaluate"
            except (Unsupported, EvalError):
                return _pool_equal(left, right, cx)
            m = values_match(lv, rv, None, None)
            if m is None:
                return _pool_equal(left, right, cx)
            if not m:
                where = ", ".join(f"{k} = {fmt(v)}" for k, v in env.items())
                return False, f"at {where} the left side is {fmt(lv)} and the right side is {fmt(rv)}"
            agreed += 1
            if agreed >= 4:
                return True, ""
        if agreed >= 2:
            return True, ""
    return _pool_equal(left, right, cx)


def _pool_equal(left: tuple, right: tuple, cx: CheckContext) -> tuple[bool | None, str]:
    if has_tag(left, frozenset({"opaque"})) or has_tag(right, frozenset({"opaque"})):
        return None, "cannot be evaluated"
    res = cx.symbolic("equal", {"left": tree_to_json(left), "right": tree_to_json(right)})
    if res is None or res.get("equal") is None:
        return None, (res or {}).get("error", "symbolic check timed out")
    return bool(res["equal"]), "" if res["equal"] else "the two sides differ (symbolic check)"


def _numeric(
    lefts: list[tuple], rights: list[tuple], ls: Side, rs: Side, approx: bool, cx: CheckContext
) -> tuple[str, str]:
    try:
        lv = [evaluate(t, {}) for t in lefts]
        rv = [evaluate(t, {}) for t in rights]
    except TooBig as exc:
        return "unverifiable", f"too large to check ({exc})"
    except Undefined as exc:
        if "division by zero" in str(exc):
            return "false", f"undefined: {exc}"
        return "unverifiable", f"undefined in the reals: {exc}"  # √-4 = 2i holds in the complex numbers
    except EvalError:
        if len(lefts) == 1 and len(rights) == 1:
            ok, detail = _pool_equal(lefts[0], rights[0], cx)
            return ("unverifiable", detail) if ok is None else ("ok", "") if ok else ("false", detail)
        return "unverifiable", "cannot be evaluated"
    results = [[values_match(a, b, ls, rs, approx) for b in rv] for a in lv]
    if all(any(r is True for r in row) for row in results) and all(
        any(results[i][j] is True for i in range(len(lv))) for j in range(len(rv))
    ):
        return "ok", ""
    if any(r is None for row in results for r in row) and len(lv) == 1 and len(rv) == 1:
        ok, detail = _pool_equal(lefts[0], rights[0], cx)
        return ("unverifiable", detail) if ok is None else ("ok", "") if ok else ("false", detail)
    shown_l = " or ".join(fmt(v) for v in lv)
    shown_r = " or ".join(fmt(v) for v in rv)
    return "false", f"the left side is {shown_l}, the right side is {shown_r}"


def _integral(left: tuple, right: tuple, cx: CheckContext) -> tuple[str, str]:
    if right[0] == "int" and left[0] != "int":
        left, right = right, left
    if left[0] != "int" or left[3] is not None or has_tag(right, frozenset({"int"})):
        ok, detail = _pool_equal(left, right, cx)
        if ok is False and has_tag(right, frozenset({"int"})):
            return "unverifiable", "integrals on both sides"  # ∫u dv = uv - ∫v du: u, v are functions
        return ("unverifiable", detail) if ok is None else ("ok", "") if ok else ("false", detail)
    var, body = left[1], left[2]
    syms = sorted(free_symbols(right) | free_symbols(body) | {var})
    ok, detail = _identity(("d", var, right), body, syms, cx)
    if ok is None:
        return "unverifiable", detail
    return ("ok", "") if ok else ("false", f"its derivative is not the integrand: {detail}")


def _holds_at(left: tuple, right: tuple, ls: Side, rs: Side, sol: dict) -> bool | None:
    try:
        lv, rv = evaluate(left, sol), evaluate(right, sol)
    except EvalError:
        return None
    return values_match(lv, rv, ls, rs)


def check_link(left: tuple | None, right: tuple | None, ls: Side, rs: Side, approx: bool, cx: CheckContext):
    """Outcome of one link `left = right`: (ok|skip|false|invalid|unverifiable, detail)."""
    if left is None or right is None:
        return "unverifiable", "could not be parsed"
    if has_tag(left, frozenset({"opaque"})) or has_tag(right, frozenset({"opaque"})):
        return "skip", ""  # a function named by the writer (f(x) = …): a definition
    left, right = _resolve(left), _resolve(right)
    if has_tag(left, _NEEDS_POOL) or has_tag(right, _NEEDS_POOL):
        return _integral(left, right, cx)
    try:
        lefts, rights = expand_pm(left), expand_pm(right)
    except TooBig as exc:
        return "unverifiable", str(exc)
    free = free_symbols(left) | free_symbols(right)
    if not free:
        return _numeric(lefts, rights, ls, rs, approx, cx)
    if ls.bare_symbol and ls.bare_symbol in cx.unknowns and not free_symbols(right):
        return "skip", ""  # `x = 5` is an answer statement, checked as one
    if len(lefts) * len(rights) > 1:
        return "unverifiable", "± with symbols"
    ok, detail = _identity(left, right, sorted(free), cx)
    if ok:
        return "ok", ""
    if ok is None:
        return "unverifiable", detail
    for side, other in ((ls, right), (rs, left)):
        if (
            side.bare_symbol
            and side.bare_symbol not in cx.unknowns
            and side.bare_symbol not in free_symbols(other)
        ):
            return "skip", ""  # `u = 3x + 1`: a definition
    ref = cx.ref
    if free <= cx.unknowns and ref is not None and ref.solutions:
        held = [_holds_at(left, right, ls, rs, sol) for sol in ref.solutions]
        if any(h is True for h in held):
            return "ok", ""
        if any(h is None for h in held):
            return "unverifiable", "cannot be evaluated at the solution"
        return "invalid", f"does not hold at the solution {ref.shown}"
    if cx.symbolic_problem or ls.special or rs.special:
        return "false", f"not an identity: {detail}"
    return "unverifiable", "an equation in symbols the problem does not define"


_KIND = {"false": "false_arithmetic", "invalid": "invalid_step", "wrong": "wrong_final_answer"}


def _measure(side: Side) -> str:
    return side.unit.rstrip("s") if side.unit else "$" if side.money else "%" if side.percent else ""


def _unit_conversion(ls: Side, rs: Side) -> bool:
    """`1 hour = 60 minutes`, `80% is equal to $500`, `24 = 2 dozen = $12 x 2`: one amount in two
    measures, not arithmetic."""
    if not (ls.bare_number or rs.bare_number):
        return False
    a, b = _measure(ls), _measure(rs)
    if a == b:
        return False
    if ls.bare_number and rs.bare_number:  # "20% = 0.2" and "$5 = 500" are still arithmetic
        return bool(a and b) or (a or b) not in ("%", "$")
    computed = rs if ls.bare_number else ls
    if computed.money and computed.unit and not computed.bare_number:
        return False  # "495 students × $15/student = $7,425": money computed from a count is arithmetic
    return "$" in (a, b) and bool(a and b)  # a count against money: "2 dozen = $12 x 2"


def _part_of_whole(ls: Side, rs: Side, left: tuple | None, right: tuple | None) -> bool:
    """ "12 = 2/3" (of the total), "6 = 1/3": a whole number matched to the share it stands for."""
    if not (ls.bare_number and rs.bare_number and not ls.fraction and ls.decimals == 0):
        return False
    if left is None or right is None or left[0] != "num" or right[0] != "num":
        return False
    return left[1] > 1 and left[1].denominator == 1 and 0 < right[1] < 1 and (rs.fraction or rs.percent)


def _running(left: tuple | None, right: tuple | None) -> bool:
    """`3/2 = 1.50 + 3.00 = 4.50`: the right side carries on from the left side's value."""
    if left is None or right is None or right[0] not in ("add", "sub", "mul", "div"):
        return False
    first = right
    while first[0] in ("add", "sub", "mul", "div"):
        first = first[1]
    if first[0] != "num" or free_symbols(left):
        return False
    try:
        return evaluate(left, {}) == first[1]
    except EvalError:
        return False


def _against_steps(tree: tuple | None, steps: dict) -> tuple[str, str]:
    """A true computation on a reference step's numbers must reach that step's result."""
    key = operands(tree) if tree is not None else None
    if key is None or key not in steps:
        return "ok", ""
    try:
        value = evaluate(tree, {})
    except EvalError:
        return "ok", ""
    if any(values_match(value, r, None, None) for r in steps[key]):
        return "ok", ""
    shown = " and ".join(fmt(v) for v in key)
    results = " or ".join(fmt(r) for r in steps[key])
    return "invalid", f"the solution combines {shown} into {results}, not {fmt(value)}"


def _division_with_remainder(left: tuple | None, right: tuple | None, ls: Side, rs: Side) -> tuple[str, str]:
    """ "17 ÷ 5 = 3 remainder 2": 17 = 5 × 3 + 2 with 0 ≤ 2 < 5."""
    if ls.remainder is not None or left is None or right is None or left[0] != "div" or right[0] != "num":
        return "unverifiable", "a remainder where no division is written"
    try:
        a, b = evaluate(left[1], {}), evaluate(left[2], {})
    except EvalError:
        return "unverifiable", "could not be evaluated"
    q, r = right[1], rs.remainder
    if not all(isinstance(v, Fraction) and v.denominator == 1 for v in (a, b, q)) or b <= 0:
        return "unverifiable", "a remainder of a division that is not of whole numbers"
    if a == b * q + r and 0 <= r < b:
        return "ok", ""
    return "false", f"{fmt(a)} ÷ {fmt(b)} is {fmt(a // b)} remainder {fmt(a % b)}"


def check_chain(chain: Chain, ex: Extraction, cx: CheckContext) -> tuple[int, list[Finding]]:
    """(claims counted, findings) for every link of a chain."""
    trees = [side_tree(s, cx) for s in chain.sides]
    findings = []
    claims = 0
    for i in range(len(chain.sides) - 1):
        ls, rs = chain.sides[i], chain.sides[i + 1]
        if _unit_conversion(ls, rs) or _part_of_whole(ls, rs, trees[i], trees[i + 1]):
            continue
        if not (ls.complete and rs.complete):
            outcome, detail = "unverifiable", "a side was not read completely"
        elif chain.approx[i] and ls.compared:
            outcome, detail = "unverifiable", "an approximation inside a chain of comparisons"
        elif rs.remainder is not None or ls.remainder is not None:
            outcome, detail = _division_with_remainder(trees[i], trees[i + 1], ls, rs)
        else:
            outcome, detail = check_link(trees[i], trees[i + 1], ls, rs, chain.approx[i], cx)
        if outcome == "false" and _running(trees[i], trees[i + 1]):
            outcome = "ok"
        if outcome == "false" and (ls.any_base_log or rs.any_base_log):
            outcome, detail = "unverifiable", "a logarithm without a base"
        if outcome == "ok" and cx.steps:
            outcome, detail = _against_steps(trees[i], cx.steps)
        if outcome == "skip":
            continue
        claims += 1
        if outcome == "ok":
            continue
        start, end = ex.tokens[ls.start].start, ex.tokens[rs.end - 1].end
        findings.append(Finding(_KIND.get(outcome, outcome), start, end, detail))
    return claims, findings


def _answer_values(ans: Answer, cx: CheckContext) -> list[tuple[Value, Side]] | None:
    out = []
    for side in ans.values:
        tree = side_tree(side, cx)
        if tree is None or free_symbols(tree):
            return None
        try:
            out.extend((evaluate(t, {}), side) for t in expand_pm(tree))
        except EvalError:
            return None
    return out


def _match_reference_value(v: Value, side: Side, ref: Reference) -> bool | None:
    ref_side = Side(0, 0, "", percent=ref.percent)
    results = [values_match(r, v, ref_side, side) for r in ref.values]
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def _mathverify(pred: tuple, cx: CheckContext) -> bool | None:
    ref = cx.ref
    payload = {"pred": tree_to_json(pred)}
    if ref.tree is not None:
        payload["gold"] = tree_to_json(ref.tree)
    else:
        payload["gold_latex"] = ref.text
    res = cx.symbolic("mathverify", payload)
    return None if res is None or res.get("equal") is None else bool(res["equal"])


def check_answer(ans: Answer, cx: CheckContext) -> tuple[str, str]:
    """Outcome of a final-answer statement against the reference: (ok|wrong|unverifiable|skip, detail)."""
    ref = cx.ref
    if ref is None:
        return "skip", ""
    if ans.assignments:
        return _check_assignments(ans, cx)
    if ref.kind == "expr" or ref.kind == "unparsed":
        if len(ans.values) != 1:
            return "unverifiable", "several values against one expression"
        tree = side_tree(ans.values[0], cx)
        if tree is None:
            return "unverifiable", "could not be parsed"
        if ref.kind == "expr":
            syms = sorted(free_symbols(tree) | free_symbols(ref.tree))
            ok, _ = _identity(tree, ref.tree, syms, cx)
        else:
            ok = _mathverify(tree, cx)
        if ok is None:
            return "unverifiable", "could not be compared with the reference"
        return ("ok", "") if ok else ("wrong", f"the reference answer is {ref.shown}")
    if ref.kind == "solutions" and len(ref.unknowns) > 1:
        return "skip", ""
    values = _answer_values(ans, cx)
    if values is None:
        return "unverifiable", "could not be evaluated"
    results = [_match_reference_value(v, side, ref) for v, side in values]
    if results and all(r is True for r in results) and len(values) >= len(ref.values):
        return "ok", ""
    if any(r is None for r in results):
        trees = [side_tree(s, cx) for s in ans.values]
        if len(trees) == 1 and trees[0] is not None:
            ok = _mathverify(trees[0], cx)
            if ok is not None:
                return ("ok", "") if ok else ("wrong", f"the reference answer is {ref.shown}")
        return "unverifiable", "could not be compared with the reference"
    stated = " or ".join(fmt(v) for v, _ in values)
    return "wrong", f"states {stated}; the reference answer is {ref.shown}"


def _check_assignments(ans: Answer, cx: CheckContext) -> tuple[str, str]:
    ref = cx.ref
    if ref.kind != "solutions":
        return "skip", ""
    stated: list[dict[str, tuple[Value, Side]]] = [{}]
    for alt in ans.assignments:
        options: list[dict] = [{}]
        for name, side in alt:
            if name not in ref.unknowns:
                return "skip", ""
            tree = side_tree(side, cx)
            if tree is None or free_symbols(tree):
                return "unverifiable", "could not be evaluated"
            try:
                vals = [evaluate(t, {}) for t in expand_pm(tree)]
            except EvalError:
                return "unverifiable", "could not be evaluated"
            options = [dict(o, **{name: (v, side)}) for o in options for v in vals]
            if len(options) > MAX_ALTERNATIVES:
                return "unverifiable", "too many alternatives"
        stated = options if stated == [{}] else stated + options
        if len(stated) > MAX_ALTERNATIVES:
            return "unverifiable", "too many alternatives"
    names = set().union(*(s.keys() for s in stated))

    def same(a: dict, sol: dict) -> bool:
        return all(values_match(a[n][0], sol[n], a[n][1], None) is True for n in names)

    missing_in_ref = [a for a in stated if not any(same(a, sol) for sol in ref.solutions)]
    if missing_in_ref:
        bad = missing_in_ref[0]
        shown = ", ".join(f"{n} = {fmt(bad[n][0])}" for n in sorted(bad))
        return "wrong", f"{shown} is not a solution; the reference answer is {ref.shown}"
    complete = ans.how in ("phrase", "boxed") or len(stated) > 1
    if complete:
        projected = {tuple((n, sol[n]) for n in sorted(names)) for sol in ref.solutions}
        covered = {
            tuple((n, sol[n]) for n in sorted(names))
            for sol in ref.solutions
            if any(same(a, sol) for a in stated)
        }
        if covered != projected:
            return "wrong", f"incomplete: the reference answer is {ref.shown}"
    return "ok", ""
