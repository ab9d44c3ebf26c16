"""Time the quality report against reading the store, on a corpus of scripted dialogues.

    python scripts/bench_quality.py [--db PATH | -n N]

Without --db, N scripted dialogues (default 2000) are generated into a temporary database first.
Prints, measured in this run: seconds (wall and CPU) for reading every dialogue from the store, the
metrics without near-duplicates, near-duplicate detection alone, the whole report, an export with and
without --dedup and the card; each as a ratio to the plain read, and the report's cost per 1,000
dialogues with the projection to 100,000.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tutorforge.export.publish import publish
from tutorforge.export.writer import export
from tutorforge.quality.metrics import CorpusMetrics, find_near_duplicates, quality_figures
from tutorforge.quality.report import render_html
from tutorforge.storage.store import Store


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def read_all(store: Store) -> int:
    return sum(1 for _ in store.iter_dialogues("all"))


def metrics_only(store: Store) -> dict:
    metrics = CorpusMetrics(near_duplicates=False)
    for record in store.iter_dialogues("all"):
        metrics.add_record(record)
    return metrics.figures()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="an existing corpus database")
    parser.add_argument("-n", type=int, default=2000, help="dialogues to generate when --db is not given")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "bench.db"
            cmd = [sys.executable, "-m", "tutorforge.cli", "generate", "-n", str(args.n), "--seed", "1"]
            subprocess.run([*cmd, "--db", str(db)], check=True, capture_output=True)
        out = Path(tmp) / "out" / "data.jsonl"
        out.parent.mkdir()
        with Store.open(db, create=False) as store:
            rows: list[tuple[str, float, float]] = []

            def run(label: str, fn: Callable[[], object]) -> object:
                wall, cpu, value = timed(fn)
                rows.append((label, wall, cpu))
                return value

            n = run("read every dialogue from the store", lambda: read_all(store))
            run("metrics without near-duplicates", lambda: metrics_only(store))
            run("near-duplicates alone", lambda: find_near_duplicates(store.iter_dialogues("all")))
            figures = run("whole report (figures + HTML)", lambda: render_html(quality_figures(store)))
            run("export raw, no card", lambda: export(store, "raw", out, "all"))
            run("export raw, --dedup, card", lambda: publish(store, "raw", out, "all", dedup=True))
    base_wall, base_cpu = rows[0][1], rows[0][2]
    print(f"{n:,} dialogues ({db})")
    print(f"{'step':40} {'wall s':>8} {'cpu s':>8} {'x read (wall)':>14} {'x read (cpu)':>13}")
    for label, wall, cpu in rows:
        print(f"{label:40} {wall:8.2f} {cpu:8.2f} {wall / base_wall:14.2f} {cpu / base_cpu:13.2f}")
    report_wall = rows[3][1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"report: {1000 * report_wall / n:.2f} s per 1,000 dialogues, about "
        f"{report_wall * 100_000 / n / 60:.1f} min for 100,000 at this rate; peak memory {peak:.0f} MiB"
    )
    assert figures  # the HTML was rendered
    return 0


if __name__ == "__main__":
    sys.exit(main())
