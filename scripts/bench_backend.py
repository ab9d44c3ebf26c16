"""Throughput of LLM-backed generation against the fake server at a fixed latency.

    python scripts/bench_backend.py [--latency 0.2] [--dialogues 400] [--concurrency 1,10,100,400]

The fake server runs in its own process; each level runs a real `generate` batch (OpenAI SDK over HTTP,
the LangGraph graph, verification of every turn, the response cache and the SQLite store) and reports
achieved LLM calls per second as a share of the ideal, concurrency / latency (every dialogue in flight
waiting on exactly one call at a time), and the generating process's CPU time per call, which bounds
the rate one core can reach (1000 / cpu ms per call). Low levels run fewer dialogues (20 per unit of
concurrency) so the run stays short; the ratio is a steady-state rate either way.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tutorforge.dialogues.batch import plan_batch, run_batch
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.store import Store
from tutorforge.llm import openai_backend  # noqa: F401  (imported before the clock starts)

SERVER = Path(__file__).resolve().parent / "fake_llm_server.py"
WIDTHS = (11, 9, 6, 7, 8, 7, 6, 12)


def _start_server(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", "--latency", str(latency), "--revise-rate", "0.1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    return proc, line.split(" on ")[1].split(" ")[0]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _level(url: str, concurrency: int, dialogues: int, folder: Path) -> tuple[int, float, float]:
    """(LLM calls made, wall seconds, CPU seconds of this process) for one batch."""
    config = GenerateConfig(
        n=dialogues,
        seed=concurrency,
        backend="openai",
        models={"teacher": "gpt-4o-mini", "student": "gpt-4o-mini", "critic": "gpt-4o-mini"},
        base_url=url + "/v1",
        max_turns=12,
        concurrency=concurrency,
    )
    with Store.open(folder / f"bench-{concurrency}.db") as store:
        plan = plan_batch(config, store)
        started, cpu = time.perf_counter(), _cpu()
        run_batch(config, store, plan, lambda records: None)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        calls = store.conn.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
        failed = store.conn.execute("SELECT count(*) FROM dialogues WHERE status = 'failed'").fetchone()[0]
    if failed:
        raise SystemExit(f"{failed} dialogues failed at concurrency {concurrency}")
    return calls, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--dialogues", type=int, default=400)
    parser.add_argument("--concurrency", default="1,10,100,400")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    proc, url = _start_server(args.latency)
    print(f"fake server at {url}, latency {args.latency * 1000:.0f} ms, verification on")
    columns = ("concurrency", "dialogues", "calls", "wall s", "calls/s", "ideal", "share", "cpu ms/call")
    print(" ".join(f"{c:>{w}}" for c, w in zip(columns, WIDTHS, strict=True)))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for c in levels:
                n = min(args.dialogues, 20 * c)
                calls, wall, cpu = _level(url, c, n, Path(tmp))
                rate, ideal = calls / wall, c / args.latency
                share, per_call = f"{rate / ideal:.2f}", f"{cpu / calls * 1000:.2f}"
                row = (c, n, calls, f"{wall:.2f}", f"{rate:.1f}", f"{ideal:.1f}", share, per_call)
                print(" ".join(f"{v:>{w}}" for v, w in zip(row, WIDTHS, strict=True)), flush=True)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
