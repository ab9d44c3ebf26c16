"""Store and export speed on typical records (about ten turns each), measured in one run.

Prints ratios: the batched save against the generator's 100 dialogues/s target and against one
transaction per dialogue; reading and exporting against the save.

    python scripts/bench_store.py [--n 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from factories import make_record  # noqa: E402

from tutorforge.export.writer import export  # noqa: E402
from tutorforge.storage.store import Store  # noqa: E402

GENERATOR_TARGET = 100.0  # dialogues per second


def typical(n: int, run_id: str) -> list:
    """Records like a scripted run's: ~10 turns, some flagged, revised, labelled; a few LLM calls."""
    return [
        make_record(
            i,
            run_id=run_id,
            flagged=i % 4 == 0,
            revised=i % 5 == 0,
            labelled=i % 4 == 0,
            calls=2 if i % 10 == 0 else 0,
            extra_turns=2,
            review_status="pending" if i % 8 == 0 else "approved",
        )
        for i in range(n)
    ]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by fn(), and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Store.open(folder / "bench.db") as store:
            for run in ("batched", "single"):
                store.ensure_run(run, {}, 0, {})
            batch, single = typical(n, "batched"), typical(n, "single")
            turns = sum(len(r.turns) for r in batch)
            save, _ = timed(lambda: store.save_dialogues(batch))

            def one_by_one() -> None:
                for record in single:
                    store.save_dialogues([record])

            save_single, _ = timed(one_by_one)
            read, _ = timed(lambda: sum(1 for _ in store.iter_dialogues("all", run_id="batched")))
            out = folder / "out.jsonl"
            exports = {fmt: timed(lambda fmt=fmt: export(store, fmt, out)) for fmt in ("openai", "raw")}
    rate = n / save
    print(f"{n} dialogues, {turns} turns")
    print(f"save, one batch:           {save:.3f} s  {rate:,.0f} dialogues/s")
    print(f"  vs generator target:     {rate / GENERATOR_TARGET:.0f}x the {GENERATOR_TARGET:.0f} dialogues/s")
    print(f"  vs one per transaction:  {save_single / save:.1f}x faster ({save_single:.3f} s)")
    print(f"read back (iter_dialogues): {read:.3f} s  {n / read:,.0f} dialogues/s  ({read / save:.1f}x save)")
    for fmt, (seconds, written) in exports.items():
        print(f"export {fmt:<6} ({written} records): {seconds:.3f} s  {written / seconds:,.0f} records/s")


if __name__ == "__main__":
    main()
