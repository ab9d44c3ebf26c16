"""Benchmark the verifier on text nobody here wrote: ProcessBench solutions labelled by experts.

    python scripts/bench_verifier_external.py [--limit 200] [--split omnimath] [--show 10]
        [--dump alarms.jsonl] [--no-baseline]

Each solution's steps go to the verifier as student turns, with the problem and no reference answer
(the splits' README). Per split it prints: hits (a flag on the first wrong step), false alarms (a flag on
a step before it, or in an all-correct solution), precision of flags, first-error recall, time per step
and the same figures for a math-verify baseline run on the same steps in the same process (each `=`
between two numeric LaTeX pieces of a step parsed and compared by math-verify), with the time ratio.

It also measures recall of explicit arithmetic slips in real text: in every step the experts call
correct, each true `a op b = c` with plain numbers (found by a regex independent of the verifier) has
its result changed by one in the last digit, and the altered step must be flagged.
Prints figures measured in this run; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from fractions import Fraction
from pathlib import Path

from tutorforge.verifiers import VERIFIER_VERSION, PriorTurn, VerifyContext, close, verify_turn

ROOT = Path(__file__).resolve().parents[1]
PROCESSBENCH = ROOT.parent / "shared" / "data" / "processbench"
SPLITS = ("olympiadbench", "omnimath")

_MATH = re.compile(r"\\\((.{1,400}?)\\\)|\\\[(.{1,400}?)\\\]|\$\$(.{1,400}?)\$\$|\$(.{1,400}?)\$", re.S)
_NUM = r"\d{1,7}(?:\.\d{1,4})?"
_OPS = {"+": "+", "-": "-", "\\times": "*", "\\cdot": "*", "×": "*", "*": "*", "\\div": "/", "÷": "/"}
_SLIP = re.compile(
    rf"(?<![\w.^/{{}}])({_NUM})\s*(\+|-|\\times|\\cdot|×|\*|\\div|÷)\s*({_NUM})\s*=\s*({_NUM})(?![\w.^/{{}}(])"
)


def flagged(verdict) -> bool:
    return any(f.severity == "error" for f in verdict.flags)


def run_steps(rec: dict) -> tuple[list[bool], list[list[tuple]], float]:
    """Verify one solution's steps as student turns; return per-step flags, their details and the time."""
    history: list[PriorTurn] = []
    out, details = [], []
    t0 = time.perf_counter()
    for step in rec["steps"]:
        ctx = VerifyContext(problem=rec["problem"], answer=None, history=list(history))
        verdict = verify_turn(step, "student", ctx)
        history.append(PriorTurn("student", step, verdict))
        out.append(flagged(verdict))
        details.append([(f.kind, f.claim, f.detail) for f in verdict.flags if f.severity == "error"])
    return out, details, time.perf_counter() - t0


def _top_level_split(s: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in s:
        depth += ch in "{(["
        depth -= ch in "})]"
        if ch == "=" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _numeric(expr) -> bool:
    """A parsed side with no free symbols: the only claims a value comparison can judge."""
    return not getattr(expr, "free_symbols", True)


def baseline_step(step: str, parse, verify) -> bool:
    """math-verify on one step: every `lhs = rhs` inside a LaTeX piece, both sides parsed and compared."""
    for m in _MATH.finditer(step[:4000]):
        body = next(g for g in m.groups() if g is not None)
        sides = [p.strip() for p in _top_level_split(body) if p.strip()]
        for a, b in zip(sides, sides[1:], strict=False):
            if "<" in a + b or ">" in a + b or len(a) > 200 or len(b) > 200:
                continue
            pa, pb = parse(f"${a}$"), parse(f"${b}$")
            if pa and pb and _numeric(pa[0]) and _numeric(pb[0]) and not verify(pa, pb):
                return True
    return False


def slips(step: str) -> list[str]:
    """The step with one true explicit `a op b = c` altered to a false result, one variant per claim."""
    out = []
    for m in _SLIP.finditer(step[:4000]):
        a, op, b, c = m.groups()
        x, y, z = Fraction(a), Fraction(b), Fraction(c)
        sym = _OPS[op]
        value = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else None}[sym]
        if value != z:
            continue
        bumped = str(int(c) + 1) if c.isdigit() else c[:-1] + str((int(c[-1]) + 1) % 10)
        out.append(step[: m.start(4)] + bumped + step[m.end(4) :])
    return out


def run_split(name: str, args, parse, verify) -> None:
    records = json.loads((PROCESSBENCH / f"{name}.json").read_text())
    if args.limit:
        records = records[: args.limit]
    hits = alarms = wrong = steps = 0
    base_hits = base_alarms = 0
    t_ours = t_base = 0.0
    slip_total = slip_caught = 0
    shown = 0
    missed_slips: list[str] = []
    dump = args.dump.open("a") if args.dump else None
    for rec in records:
        label = rec["label"]
        wrong += label >= 0
        steps += len(rec["steps"])
        flags, details, dt = run_steps(rec)
        t_ours += dt
        for i, hit in enumerate(flags):
            if not hit:
                continue
            if i == label:
                hits += 1
            elif label < 0 or i < label:
                alarms += 1
            else:
                continue
            if dump:
                entry = {
                    "id": rec["id"],
                    "step": i,
                    "label": label,
                    "text": rec["steps"][i],
                    "flags": details[i],
                }
                dump.write(json.dumps({"hit": i == label, **entry}) + "\n")
            if i != label:
                if shown < args.show:
                    shown += 1
                    print(f"  false alarm {rec['id']} step {i}: {details[i][:2]}")
        if parse is not None:
            t0 = time.perf_counter()
            base = [baseline_step(s, parse, verify) for s in rec["steps"]]
            t_base += time.perf_counter() - t0
            base_hits += label >= 0 and base[label]
            base_alarms += sum(b for i, b in enumerate(base) if label < 0 or i < label)
        correct_steps = rec["steps"] if label < 0 else rec["steps"][:label]
        for step in correct_steps:
            for altered in slips(step):
                slip_total += 1
                if flagged(verify_turn(altered, "student", VerifyContext(problem=rec["problem"]))):
                    slip_caught += 1
                elif len(missed_slips) < args.show:
                    missed_slips.append(altered)
    if dump:
        dump.close()
    precision = hits / max(hits + alarms, 1)
    print(f"{name}: {len(records)} solutions, {steps} steps, {wrong} with a wrong step")
    print(f"  verifier     hits {hits}, false alarms {alarms}, precision {precision:.3f}, ", end="")
    print(f"first-error recall {hits}/{wrong} = {hits / max(wrong, 1):.3f}")
    print(f"               time per step {t_ours / steps * 1e3:.2f} ms")
    if parse is not None:
        bp = base_hits / max(base_hits + base_alarms, 1)
        print(f"  math-verify  hits {base_hits}, false alarms {base_alarms}, precision {bp:.3f}, ", end="")
        print(f"first-error recall {base_hits}/{wrong} = {base_hits / max(wrong, 1):.3f}")
        print(f"               time per step {t_base / steps * 1e3:.2f} ms; ", end="")
        print(f"ratio math-verify / verifier = {t_base / max(t_ours, 1e-9):.1f}x")
    share = slip_caught / max(slip_total, 1)
    print(f"  slips        {slip_caught}/{slip_total} explicit arithmetic slips in correct steps ", end="")
    print(f"flagged = {share:.1%}")
    for text in missed_slips:
        print(f"  missed slip  {text[:200]!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=SPLITS, action="append", help="default: both")
    ap.add_argument("--limit", type=int, default=0, help="first N solutions per split")
    ap.add_argument("--show", type=int, default=10, help="examples to print per category")
    ap.add_argument("--dump", type=Path, help="append every hit and false alarm as JSON lines here")
    ap.add_argument("--no-baseline", action="store_true", help="skip the math-verify baseline")
    args = ap.parse_args()
    if not PROCESSBENCH.exists():
        print(f"ProcessBench: {PROCESSBENCH} not found, skipped")
        return
    parse = verify = None
    if not args.no_baseline:
        from math_verify import parse, verify
    print(f"verifier {VERIFIER_VERSION}")
    try:
        for name in args.split or SPLITS:
            run_split(name, args, parse, verify)
    finally:
        close()


if __name__ == "__main__":
    main()
