"""Hostile input: what each payload of issue 13 costs, and what it does to a run around it.

    python scripts/bench_hostile.py [--dialogues 100] [--concurrency 20] [--latency 0.05]
                                    [--payload-timeout 60] [--skip-run]

1. Payloads: each hostile text (a turn, a reference answer or a problem statement) is verified in a fresh
   process, which reports the seconds the verifier took, its peak RSS (the whole process's, imports
   included; `baseline` is an ordinary turn) and the largest peak RSS of its symbolic workers. A
   process still busy after `--payload-timeout` seconds is stopped and shown as `>N s`. Point
   PYTHONPATH at another checkout to measure its verifier with the same payloads.
2. Run: `--dialogues` LLM dialogues (OpenAI SDK over HTTP to the fake server in its own process, the
   LangGraph graph, verification of every turn, the SQLite store), once with ordinary replies and once
   with every tenth student reply replaced by the next payload (`FakeConfig.hostile`), side by side.
   It reports dialogues per second of each, their ratio (the issue asks >= 0.8), how many dialogues
   completed and failed, and how the review policy sorted them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBLEM = "Tom has 3 apples and buys 4 more. How many apples does he have?"
TURNS = {
    "baseline": "I added 3 + 4 = 7, so he has 7 apples.",
    "pm chain (22 signs)": "±" * 22 + "1 = 1",
    "comma flood (49,000)": "I think " + "," * 49_000 + " he has 3 + 4 = 8 apples",
    "spaces after an integral (15,000)": "$\\int_0^1" + " " * 15_000 + "x dx = 5$",
    "dollar flood after an integral": "$\\int_0^1" + "$1$ " * 12_000 + " 3 + 4 = 8",
    "4,301-digit number": "3 + 4 = " + "8" * 4_301,
    "turn over 50,000 characters": "3 + 4 = 8. " * 5_000,
    "hidden false claim": "3 \u200b＋ 4 ＝\u200f 8",
    "NUL": "3 + 4 = 8\x00",
}
CONTEXTS = {  # (problem, reference answer) for payloads outside the turn
    "pm chain as the reference answer": (PROBLEM, "±" * 22 + "1"),
    "75,000-character problem": ("Tom has many apples " * 3_750 + "How many apples does he have", "7"),
}
REPLY_10MB = "x" * 10_000_000  # a model reply: hygiene refuses it before any pattern runs
COLUMNS = ("payload", "seconds", "peak MB", "worker MB", "verdict")


def one(name: str) -> None:
    """Verify one payload in this process and print its figures as JSON."""
    from tutorforge.verifiers import VerifyContext, close, verify_turn

    if name in TURNS:
        text, ctx = TURNS[name], VerifyContext(PROBLEM, "7")
    else:
        problem, answer = CONTEXTS[name]
        text, ctx = "So he has 7 apples.", VerifyContext(problem, answer)
    started = time.perf_counter()
    verdict = verify_turn(text, "teacher", ctx, timeout=2.0)
    seconds = time.perf_counter() - started
    close()
    detail = "; ".join(f.detail for f in verdict.flags)[:60]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row = {
        "seconds": seconds,
        "peak_mb": peak,
        "worker_mb": workers,
        "verdict": f"{verdict.status} ({detail})",
    }
    print(json.dumps(row))


def payloads(timeout: float) -> None:
    print(f"{COLUMNS[0]:<36} {COLUMNS[1]:>8} {COLUMNS[2]:>8} {COLUMNS[3]:>9}  {COLUMNS[4]}")
    for name in [*TURNS, *CONTEXTS]:
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--one", name], capture_output=True, text=True, timeout=timeout
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            seconds, peak, verdict = f"{row['seconds']:.3f}", f"{row['peak_mb']:.0f}", row["verdict"]
            workers = f"{row.get('worker_mb', 0):.0f}"
        except subprocess.TimeoutExpired:
            seconds, peak, workers, verdict = f">{timeout:g}", "?", "?", "stopped"
        except (IndexError, ValueError):
            seconds, peak, workers, verdict = "?", "?", "?", f"failed: {out.stderr.strip()[-80:]}"
        print(f"{name:<36} {seconds:>8} {peak:>8} {workers:>9}  {verdict}", flush=True)


def _serve(config, ports) -> None:
    from tutorforge.llm.fake_server import FakeLLMServer

    async def serve() -> None:
        server = FakeLLMServer(config)
        ports.put(await server.serve())
        await asyncio.Event().wait()

    asyncio.run(serve())


def run(dialogues: int, concurrency: int, latency: float, hostile: tuple[str, ...], folder: Path) -> dict:
    """One batch against a fake server whose every tenth student reply is the next of `hostile`."""
    from tutorforge.dialogues.batch import plan_batch, run_batch
    from tutorforge.dialogues.config import GenerateConfig
    from tutorforge.llm.fake_server import FakeConfig
    from tutorforge.storage.store import Store

    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    fake = FakeConfig(latency=latency, hostile=hostile, hostile_every=10 if hostile else 0)
    server = ctx.Process(target=_serve, args=(fake, ports), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{ports.get(timeout=60)}/v1"
        config = GenerateConfig(
            n=dialogues,
            backend="openai",
            models={"teacher": "m", "student": "m", "critic": "m"},
            base_url=url,
            max_turns=12,
            concurrency=concurrency,
            workers=1,
        )
        db = folder / ("hostile.db" if hostile else "plain.db")
        with Store.open(db) as store:
            plan = plan_batch(config, store)
            started = time.perf_counter()
            run_batch(config, store, plan, lambda records: None)
            wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.join(10)
    with sqlite3.connect(db) as con:
        statuses = dict(con.execute("SELECT status, count(*) FROM dialogues GROUP BY 1").fetchall())
        review = con.execute(
            "SELECT review_reasons_json, count(*) FROM dialogues WHERE status = 'complete' GROUP BY 1"
        ).fetchall()
        retried = con.execute(
            "SELECT count(*) FROM llm_calls WHERE issues_json LIKE '%too_long%' OR issues_json LIKE '%nul%'"
        ).fetchone()[0]
        unverifiable = con.execute(
            "SELECT count(*) FROM turns WHERE role = 'student' AND status = 'unverifiable'"
        ).fetchone()[0]
    return {
        "wall": wall,
        "rate": dialogues / wall,
        "complete": statuses.get("complete", 0),
        "failed": statuses.get("failed", 0),
        "review": dict(review),
        "refused replies": retried,
        "unverifiable student turns": unverifiable,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--dialogues", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--payload-timeout", type=float, default=60.0)
    parser.add_argument("--skip-run", action="store_true", help="only the payloads")
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    payloads(args.payload_timeout)
    if args.skip_run:
        return
    hostile = (*[t for name, t in TURNS.items() if name != "baseline"], REPLY_10MB)
    print(
        f"\n{args.dialogues} dialogues, concurrency {args.concurrency}, latency {args.latency * 1000:.0f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        plain = run(args.dialogues, args.concurrency, args.latency, (), Path(tmp))
        bad = run(args.dialogues, args.concurrency, args.latency, hostile, Path(tmp))
    for name, r in (("ordinary", plain), ("hostile 1 in 10", bad)):
        print(
            f"{name:<16} {r['wall']:6.1f} s  {r['rate']:5.2f} dialogues/s  complete {r['complete']}"
            f"  failed {r['failed']}  refused replies {r['refused replies']}"
            f"  unverifiable student turns {r['unverifiable student turns']}"
        )
        print(f"{'':<16} review: {r['review']}")
    print(f"throughput ratio (hostile / ordinary): {bad['rate'] / plain['rate']:.2f}")


if __name__ == "__main__":
    main()
