"""Benchmark: end-to-end scripted generation (graph, agents, verification, SQLite writes).

Prints dialogues per second of a full `generate` batch (all cores), its ratio to the 100 dialogues/s
goal, and, from a single-process run instrumented in the same process, the share of time spent in the
LangGraph graph, the agents, the verifier and storage.

    python scripts/bench_generate.py [-n 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from tutorforge import verifiers
from tutorforge.dialogues.batch import plan_batch, run_batch
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents
from tutorforge.personas.loader import load_registry
from tutorforge.storage.store import Store


class Timed:
    """Wraps the scripted agents and the verifier, adding up the time spent in each."""

    writes_attempts = True  # as the scripted agents it wraps

    def __init__(self) -> None:
        self.agents = 0.0
        self.verifier = 0.0
        self.inner = ScriptedAgents()

    async def teacher(self, view, feedback):
        t = time.perf_counter()
        u = await self.inner.teacher(view, feedback)
        self.agents += time.perf_counter() - t
        return u

    async def student(self, view):
        t = time.perf_counter()
        u = await self.inner.student(view)
        self.agents += time.perf_counter() - t
        return u

    async def critic(self, view, draft, verdict):
        t = time.perf_counter()
        d = await self.inner.critic(view, draft, verdict)
        self.agents += time.perf_counter() - t
        return d


def breakdown(n: int, db: Path) -> dict[str, float]:
    """Single process: seconds in graph, agents, verifier and storage for n dialogues."""
    timed = Timed()
    config = GenerateConfig(n=n, seed=1)
    factory = DialogueFactory(config, load_registry(), timed)
    original = factory._verify

    async def verify(text, role, ctx):
        t = time.perf_counter()
        v = await original(text, role, ctx)
        timed.verifier += time.perf_counter() - t
        return v

    factory._verify = verify
    storage = 0.0
    start = time.perf_counter()
    with Store.open(db) as store:
        store.ensure_run(factory.run_id, config.identity(), 1, {})
        for chunk in range(0, n, 16):
            records = asyncio.run(factory.run_many(range(chunk, min(chunk + 16, n))))
            t = time.perf_counter()
            store.save_dialogues(records)
            storage += time.perf_counter() - t
    total = time.perf_counter() - start
    graph = total - timed.agents - timed.verifier - storage
    return {
        "total": total,
        "graph": graph,
        "agents": timed.agents,
        "verifier": timed.verifier,
        "storage": storage,
    }


def full_batch(n: int, db: Path) -> tuple[float, int]:
    """The real batch path (one process per core): seconds and dialogues stored."""
    config = GenerateConfig(n=n, seed=2)
    start = time.perf_counter()
    with Store.open(db) as store:
        plan = plan_batch(config, store)
        run_batch(config, store, plan, lambda records: None)
        stored = len(store.done_indices(plan.run_id))
    return time.perf_counter() - start, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="dialogues in the full batch")
    parser.add_argument(
        "--profile-n", type=int, default=300, help="dialogues in the single-process breakdown"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seconds, stored = full_batch(args.n, Path(tmp) / "full.db")
        parts = breakdown(args.profile_n, Path(tmp) / "one.db")
    verifiers.close()
    rate = stored / seconds
    print(f"full batch: {stored} dialogues in {seconds:.2f} s on {os.cpu_count()} cores: {rate:.0f}/s")
    print(f"  ratio to the 100 dialogues/s goal: {rate / 100:.2f}")
    one = args.profile_n / parts["total"]
    print(f"single process: {one:.0f} dialogues/s; parallel speed-up {rate / one:.2f}x")
    print("  share of single-process time:")
    for key in ("graph", "agents", "verifier", "storage"):
        print(f"    {key:9s} {parts[key] / parts['total']:6.1%}")


if __name__ == "__main__":
    main()
