"""A job array on one machine: N shards of one run as concurrent processes against the fake server, each
with `--shard auto` from Slurm's variables and its own database, under one `--max-cost`.

    python scripts/bench_shards.py --shards 16 --max-cost 0.4 [--baseline OTHER/bin/tutorforge]
    python scripts/bench_shards.py --shards 16 --rpm 480 -n 96      # a shared rate limit instead

Prints what the shards spent together (or, with `--rpm`, the most requests the server saw in any 60 s),
side by side for the default (each shard gets its share of the budget and limits), for
`--limits-per-shard` (each shard gets the whole amounts) and, with `--baseline`, for another tutorforge
installation given `--shard I/N` by hand (e.g. a version from before shares).
gpt-4.1-mini is priced by genai-prices; the fake server reports token usage like the real API.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tutorforge.llm.fake_server import FakeConfig, start_fake_server


def run_array(url: str, folder: Path, args: argparse.Namespace, tutorforge: str, extra: list[str]) -> dict:
    """Start every shard at once, wait for all; what they spent and how many requests they made."""
    if args.rpm:
        config = folder / "run.toml"
        config.write_text(f'[rate_limits."*"]\nrequests_per_minute = {args.rpm}\n')
        limit = ["--config", str(config)]
    else:
        limit = ["--max-cost", str(args.max_cost)]
    procs = []
    started = time.perf_counter()
    for task in range(1, args.shards + 1):
        env = dict(os.environ, OPENAI_API_KEY="sk-bench-shards")
        env.update(SLURM_ARRAY_TASK_ID=str(task), SLURM_ARRAY_TASK_COUNT=str(args.shards))
        command = [
            str(tutorforge), "generate", "-n", str(args.n), "--seed", "3", "--backend", "openai",
            "--model", "gpt-4.1-mini", "--base-url", url + "/v1", "--max-turns", "8",
            "--concurrency", str(args.concurrency), "--workers", "1",
            *limit, "--db", str(folder / f"shard-{task}.db"),
            *[arg.replace("{I}", str(task)) for arg in extra],
        ]  # fmt: skip
        procs.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"a shard failed ({proc.returncode}): {err.decode()[-2000:]}")
    wall = time.perf_counter() - started
    spent = calls = dialogues = 0
    for task in range(1, args.shards + 1):
        with sqlite3.connect(folder / f"shard-{task}.db") as con:
            cost, n = con.execute("SELECT coalesce(sum(cost_usd), 0), count(*) FROM llm_calls").fetchone()
            spent, calls = spent + cost, calls + n
            dialogues += con.execute("SELECT count(*) FROM dialogues WHERE status = 'complete'").fetchone()[0]
    return {"spent": spent, "calls": calls, "dialogues": dialogues, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("-n", type=int, default=320, help="dialogues in the whole run")
    parser.add_argument("--max-cost", type=float, default=0.01, help="USD for the whole run")
    parser.add_argument("--concurrency", type=int, default=2, help="dialogues in flight per shard")
    parser.add_argument("--rpm", type=float, help="a rate limit (requests a minute) for the run, no budget")
    parser.add_argument("--baseline", help="another tutorforge executable, given --shard I/N by hand")
    args = parser.parse_args()
    ours = str(Path(sys.executable).with_name("tutorforge"))
    arrays = [
        ("shares (default)", ours, ["--shard", "auto"]),
        ("--limits-per-shard", ours, ["--shard", "auto", "--limits-per-shard"]),
    ]
    if args.baseline:
        arrays.append(("baseline", args.baseline, ["--shard", f"{{I}}/{args.shards}"]))
    with start_fake_server(FakeConfig(latency=0.02, teacher_turns=3, seed=7)) as server:
        for label, tutorforge, extra in arrays:
            first = len(server.log.entries)
            with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
                got = run_array(server.url, Path(tmp), args, tutorforge, extra)
            if args.rpm:
                times = [t for t, _, _ in list(server.log.entries)[first:]]
                print(
                    f"{label:>20}: {args.shards} shards, rate limit {args.rpm:g}/min for the run: at most "
                    f"{busiest_minute(times)} requests in any 60 s at the server ({got['calls']} calls, "
                    f"{got['wall']:.1f} s)",
                    flush=True,
                )
                continue
            print(
                f"{label:>20}: {args.shards} shards spent ${got['spent']:.5f} of --max-cost "
                f"${args.max_cost:g} ({got['spent'] / args.max_cost:.2f}x) in {got['calls']} calls, "
                f"{got['dialogues']} dialogues, {got['wall']:.1f} s",
                flush=True,
            )


def busiest_minute(times: list[float]) -> int:
    """The most of `times` (seconds) in any window of 60 s."""
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 60:
            start += 1
        most = max(most, end - start + 1)
    return most


if __name__ == "__main__":
    main()
