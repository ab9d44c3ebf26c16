"""Benchmark the verifier: speed on a scripted corpus, recall of the generator's injected errors,
the share of clean turns flagged, and false flags on the MathDial reference solutions.

    python scripts/bench_verifier.py [--n 300] [--seed 7] [--corpus raw.jsonl] [--mathdial PATH] [--show 10]

Without --corpus it generates one with `tutorforge generate` and exports it as raw JSONL. Prints
figures measured in this run; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tutorforge.verifiers import VERIFIER_VERSION, PriorTurn, VerifyContext, close, verify_turn

ROOT = Path(__file__).resolve().parents[1]
MATHDIAL = ROOT.parent / "shared" / "data" / "mathdial" / "test.jsonl"
STUDENT_ERRORS = {"false_arithmetic", "invalid_step", "wrong_final_answer"}


def scripted_corpus(n: int, seed: int, workdir: Path) -> Path:
    """Generate and export a scripted corpus (raw records with generator labels)."""
    db, out = workdir / "bench.db", workdir / "bench.jsonl"
    cli = [sys.executable, "-m", "tutorforge.cli"]
    generate = ["generate", "-n", str(n), "--seed", str(seed), "--db", str(db)]
    subprocess.run([*cli, *generate], check=True, cwd=ROOT)
    export = ["export", "--db", str(db), "--format", "raw", "--include", "all", "--out", str(out)]
    subprocess.run([*cli, *export], check=True, cwd=ROOT)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_corpus(path: Path, show: int) -> None:
    latencies: list[float] = []
    labelled = caught = clean = clean_flagged = caught_in_graph = 0
    by_kind: Counter = Counter()
    missed_by_kind: Counter = Counter()
    statuses: Counter = Counter()
    missed, false_flags, unreadable = [], [], []
    with path.open() as fh:
        records = [json.loads(line) for line in fh]
    start = time.perf_counter()
    for rec in records:
        prob = rec["problem"]
        labels = {}
        for lab in rec["metadata"].get("generator_labels", []):
            labels.setdefault(lab["turn"], []).append(lab)
        history: list[PriorTurn] = []
        for i, turn in enumerate(rec["turns"]):
            steps = [st["claim"] for st in prob.get("steps", [])]
            unknowns = list(prob.get("unknowns", []))
            ctx = VerifyContext(prob["statement"], prob["answer"], unknowns, list(history), steps)
            t0 = time.perf_counter()
            verdict = verify_turn(turn["text"], turn["role"], ctx)
            latencies.append(time.perf_counter() - t0)
            history.append(PriorTurn(turn["role"], turn["text"], verdict))
            statuses[verdict.status] += 1
            flagged = verdict.has_error
            if verdict.status == "unverifiable" and len(unreadable) < show:
                unreadable.append((turn["text"], [f.detail for f in verdict.flags]))
            if i in labels:
                labelled += 1
                kind = labels[i][0]["kind"] + ":" + labels[i][0]["misconception"]
                by_kind[kind] += 1
                stored = turn.get("verdict") or {}
                caught_in_graph += any(f.get("severity") == "error" for f in stored.get("flags", []))
                if flagged:
                    caught += 1
                else:
                    missed_by_kind[kind] += 1
                    if len(missed) < show:
                        missed.append((kind, prob["answer"], turn["text"], verdict.status))
            else:
                clean += 1
                if flagged:
                    clean_flagged += 1
                    if len(false_flags) < show:
                        shown = [(f.kind, f.claim, f.detail) for f in verdict.flags if f.severity == "error"]
                        false_flags.append((turn["role"], prob["answer"], turn["text"], shown))
    wall = time.perf_counter() - start
    n = len(latencies)
    print(f"verifier {VERIFIER_VERSION}: scripted corpus {path.name}: {len(records)} dialogues, {n} turns")
    p50, p99 = percentile(latencies, 0.5) * 1e3, percentile(latencies, 0.99) * 1e3
    print(f"  speed       {n / wall:,.0f} turns/s in one process (wall time, verdicts included)")
    print(f"  latency     p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {max(latencies) * 1e3:.1f} ms per turn")
    print(f"  statuses    {dict(statuses)}")
    print(f"  recall      {caught}/{labelled} injected errors flagged = {caught / max(labelled, 1):.1%}")
    stored = caught_in_graph / max(labelled, 1)
    print(f"              {caught_in_graph}/{labelled} = {stored:.1%} in the verdicts the graph stored")
    for kind, count in sorted(by_kind.items()):
        print(f"              {kind}: {count - missed_by_kind[kind]}/{count}")
    share = clean_flagged / max(clean, 1)
    print(f"  clean       {clean_flagged}/{clean} clean turns flagged = {share:.2%}")
    for kind, answer, text, status in missed:
        print(f"  missed      [{kind}] (answer {answer}) {status}: {text[:160]!r}")
    for role, answer, text, shown in false_flags:
        print(f"  false flag  [{role}] (answer {answer}) {text[:160]!r} -> {shown}")
    for text, details in unreadable:
        print(f"  unverifiable {text[:120]!r} -> {details[:2]}")


def run_mathdial(path: Path, show: int) -> None:
    if not path.exists():
        print(f"MathDial: {path} not found, skipped")
        return
    rows = [json.loads(line) for line in path.open()]
    flagged, wrong_caught, latencies = [], 0, []
    for row in rows:
        answer = row["ground_truth"].strip().splitlines()[-1].strip()
        ctx = VerifyContext(problem=row["question"], answer=answer)
        t0 = time.perf_counter()
        verdict = verify_turn(row["ground_truth"], "teacher", ctx)
        latencies.append(time.perf_counter() - t0)
        errors = [f for f in verdict.flags if f.severity == "error"]
        if errors:
            flagged.append((row["qid"], [(f.kind, f.claim, f.detail) for f in errors]))
        student = verify_turn(row["student_incorrect_solution"], "student", ctx)
        wrong_caught += any(f.kind == "wrong_final_answer" for f in student.flags)
    print(f"MathDial test: {len(rows)} rows")
    share = len(flagged) / len(rows)
    print(f"  references  {len(flagged)}/{len(rows)} reference solutions flagged = {share:.2%}")
    print(f"              latency p50 {statistics.median(latencies) * 1e3:.3f} ms")
    for qid, errors in flagged[:show]:
        print(f"              qid {qid}: {errors}")
    print(f"  students    {wrong_caught}/{len(rows)} incorrect solutions flagged wrong_final_answer")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="dialogues to generate")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, help="an existing raw export instead of generating one")
    ap.add_argument("--mathdial", type=Path, default=MATHDIAL)
    ap.add_argument("--show", type=int, default=10, help="examples to print per category")
    args = ap.parse_args()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = args.corpus or scripted_corpus(args.n, args.seed, Path(tmp))
            run_corpus(corpus, args.show)
        run_mathdial(args.mathdial, args.show)
    finally:
        close()


if __name__ == "__main__":
    main()
