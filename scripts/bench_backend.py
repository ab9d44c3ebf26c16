"""Throughput of LLM-backed generation against the fake server at a fixed latency.

    python scripts/bench_backend.py [--latency 0.2] [--dialogues 400] [--concurrency 1,10,100,400]
                                    [--workers 0]

The fake server runs in its own process; each level runs a real `generate` batch (OpenAI SDK over HTTP,
the LangGraph graph, verification of every turn, the response cache and the SQLite store; helper
processes beside this one when the batch is large enough, as `generate` does) and reports achieved LLM
calls per second as a share of the ideal, concurrency / latency (every dialogue in flight waiting on
exactly one call at a time). Low levels run fewer dialogues (20 per unit of concurrency).

A finite batch cannot reach that ideal: while its last dialogues finish, fewer than `concurrency` are in
flight. `bound` is the share a client costing nothing would reach with the same dialogues (their call
counts laid out on `concurrency` slots at exactly the latency per call), `of bound` ours against it, and
`busy` the share while every slot was taken (from the start to the last dialogue's start).
`sdk` is the baseline for `busy`: the share a client doing nothing but the SDK's requests reaches on
the same number of processes at the same concurrency (`OpenAIBackend.reply` in a loop per slot, 20 calls
each over connections already open, so no start-up and no ramp-down): what is left of the ideal once the
official SDK has taken its CPU per call.
`cores` is the machine's busy CPU during the batch (all processes: this one, its helpers, the server)
and `client ms` / `server ms` the CPU per call of the generating processes and of the fake server.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tutorforge.dialogues.batch import plan_batch, run_batch
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.llm_batch import new_loop, share_of
from tutorforge.dialogues.processes import process_count, settle_gc, start_early
from tutorforge.llm.base import Message
from tutorforge.llm.openai_backend import OpenAIBackend
from tutorforge.storage.store import Store

SERVER = Path(__file__).resolve().parent / "fake_llm_server.py"
COLUMNS = ("concurrency", "dialogues", "calls", "wall s", "calls/s", "ideal", "share", "bound", "of bound")
COLUMNS += ("busy", "sdk", "cores", "client ms", "server ms")
WIDTHS = (11, 9, 6, 7, 8, 7, 6, 6, 8, 5, 5, 6, 9, 9)
SDK_CALLS_PER_SLOT = 20
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Level:
    """The figures of one batch."""

    concurrency: int
    dialogues: int
    calls: int
    wall: float
    latency: float
    bound: float  # share of the ideal a client costing nothing reaches with these dialogues
    busy: float  # share of the ideal while every slot was busy
    machine_cpu: float  # busy CPU seconds of the whole machine during the batch
    server_cpu: float
    sdk: float | None = None  # share of the ideal the SDK alone reaches on as many processes

    @property
    def share(self) -> float:
        return self.calls / self.wall / (self.concurrency / self.latency)

    def row(self) -> tuple:
        client = (self.machine_cpu - self.server_cpu) / self.calls * 1000
        return (
            self.concurrency,
            self.dialogues,
            self.calls,
            f"{self.wall:.2f}",
            f"{self.calls / self.wall:.1f}",
            f"{self.concurrency / self.latency:.1f}",
            f"{self.share:.2f}",
            f"{self.bound:.2f}",
            f"{self.share / self.bound:.2f}",
            f"{self.busy:.2f}",
            "-" if self.sdk is None else f"{self.sdk:.2f}",
            f"{self.machine_cpu / self.wall:.2f}",
            f"{client:.2f}",
            f"{self.server_cpu / self.calls * 1000:.2f}",
        )


def _start_server(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", "--latency", str(latency), "--revise-rate", "0.1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    return proc, line.split(" on ")[1].split(" ")[0]


def _machine_cpu() -> float:
    """Busy CPU seconds of the whole machine since boot (Linux /proc/stat; steal time left out)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4] - fields[7]) / _TICKS


def _process_cpu(pid: int) -> float:
    """A live process's CPU seconds so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def zero_cost_end(calls_in_order: list[int], concurrency: int, latency: float) -> float:
    """When a batch of dialogues with these call counts (in the order they start) would end if the client
    cost nothing: each of `concurrency` slots takes the next dialogue as soon as its last one ends."""
    slots = [0.0] * concurrency
    end = 0.0
    for calls in calls_in_order:
        free = heapq.heappop(slots)
        done = free + calls * latency
        end = max(end, done)
        heapq.heappush(slots, done)
    return end


def busy_rate(db: Path) -> float:
    """Calls per second from the batch's start to the start of its last dialogue: the span in which every
    slot was taken (the ramp-down at the end left out). A dialogue's calls are spread evenly over its
    lifetime and counted by the share of it inside the span."""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT d.started_at, d.finished_at,"
            " (SELECT count(*) FROM llm_calls c WHERE c.dialogue_id = d.dialogue_id) FROM dialogues d"
        ).fetchall()
    begin, end = min(r[0] for r in rows), max(r[0] for r in rows)
    if end - begin <= 0:
        return float("nan")
    inside = sum(n * max(0.0, min(f, end) - max(s, begin)) / (f - s) for s, f, n in rows if f > s)
    return inside / (end - begin)


def level_config(url: str, concurrency: int, dialogues: int, workers: int = 0) -> GenerateConfig:
    """The settings of one batch against the fake server at `url`."""
    return GenerateConfig(
        n=dialogues,
        seed=concurrency,
        backend="openai",
        models={"teacher": "gpt-4o-mini", "student": "gpt-4o-mini", "critic": "gpt-4o-mini"},
        base_url=url + "/v1",
        max_turns=12,
        concurrency=concurrency,
        workers=workers,
    )


def run_level(
    url: str,
    server_pid: int,
    concurrency: int,
    dialogues: int,
    latency: float,
    folder: Path,
    workers: int = 0,
) -> Level:
    """One batch of `dialogues` at `concurrency` against the fake server at `url`."""
    config = level_config(url, concurrency, dialogues, workers)
    db = folder / f"bench-{concurrency}.db"
    with Store.open(db) as store:
        plan = plan_batch(config, store)
        server, machine, started = _process_cpu(server_pid), _machine_cpu(), time.perf_counter()
        run_batch(config, store, plan, lambda records: None)
        wall = time.perf_counter() - started
        machine, server = _machine_cpu() - machine, _process_cpu(server_pid) - server
        per_dialogue = store.conn.execute(
            "SELECT d.idx, (SELECT count(*) FROM llm_calls c WHERE c.dialogue_id = d.dialogue_id)"
            " FROM dialogues d ORDER BY d.idx"
        ).fetchall()
        failed = store.conn.execute("SELECT count(*) FROM dialogues WHERE status = 'failed'").fetchone()[0]
    if failed:
        raise SystemExit(f"{failed} dialogues failed at concurrency {concurrency}")
    counts = [n for _, n in per_dialogue]
    calls, ideal = sum(counts), concurrency / latency
    bound = calls / zero_cost_end(counts, concurrency, latency) / ideal
    busy = busy_rate(db) / ideal
    return Level(concurrency, dialogues, calls, wall, latency, bound, busy, machine, server)


def _sdk_process(url: str, slots: int, barrier, queue) -> None:
    """One process of the SDK-alone baseline: `slots` loops of `SDK_CALLS_PER_SLOT` sequential calls."""
    messages = [
        Message("system", "You are Ms. Rivera, a patient math teacher.\n\nYour role: teacher."),
        Message("user", "I think 3/4 + 1/8 = 4/12, so the answer is 1/3?"),
    ]

    async def run() -> None:
        backend = OpenAIBackend("unused", url + "/v1")
        settle_gc()  # as in a generating process

        async def call() -> None:
            await backend.reply(messages, model="gpt-4o-mini", max_tokens=400)

        async def slot() -> None:
            for _ in range(SDK_CALLS_PER_SLOT):
                await call()

        await asyncio.gather(*(call() for _ in range(slots)))  # every slot's connection open
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
        started = time.monotonic()
        await asyncio.gather(*(slot() for _ in range(slots)))
        queue.put((started, time.monotonic()))
        await backend.aclose()

    with asyncio.Runner(loop_factory=new_loop) as runner:
        runner.run(run())


def sdk_alone(url: str, config: GenerateConfig, latency: float) -> float:
    """The share of the ideal that bare SDK calls reach at the concurrency of `config`, split over as many
    processes as its batch uses."""
    processes = process_count(config, config.n)
    ctx = mp.get_context("forkserver")
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    slots = [share_of(config, processes, k).concurrency for k in range(processes)]
    workers = [ctx.Process(target=_sdk_process, args=(url, n, barrier, queue)) for n in slots]
    for worker in workers:
        worker.start()
    spans = [queue.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return SDK_CALLS_PER_SLOT * latency / wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--dialogues", type=int, default=400)
    parser.add_argument("--concurrency", default="1,10,100,400")
    parser.add_argument("--workers", type=int, default=0, help="processes, as generate's --workers")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    proc, url = _start_server(args.latency)
    # `generate` starts the helpers' forkserver once it has its settings, so that its imports overlap the
    # command's own; here the imports are done before any clock starts, and so is the forkserver.
    start_early(level_config(url, max(levels), args.dialogues, args.workers))
    print(f"fake server at {url}, latency {args.latency * 1000:.0f} ms, verification on")
    print(" ".join(f"{c:>{w}}" for c, w in zip(COLUMNS, WIDTHS, strict=True)))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for c in levels:
                n = min(args.dialogues, 20 * c)
                level = run_level(url, proc.pid, c, n, args.latency, Path(tmp), args.workers)
                level.sdk = sdk_alone(url, level_config(url, c, n, args.workers), args.latency)
                print(" ".join(f"{v:>{w}}" for v, w in zip(level.row(), WIDTHS, strict=True)), flush=True)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
