"""Corpus production at scale, measured in one run.

    python scripts/bench_scale.py [-n 100000] [--llm-dialogues 768] [--concurrency 256] [--latency 0.2,2]

1. Scripted generation: a real `tutorforge generate -n N` (worker processes on every core, the parent
   alone writing SQLite). Prints dialogues/s and the resident memory of the parent and of every process it
   started (pool workers, verifier workers), read from /proc/<pid>/status (VmRSS now, VmHWM the peak so
   far) at several corpus sizes: memory is flat when the late rows match the early ones. The goal is a
   peak of at most 500 MB per process.
2. Export: `tutorforge export --format openai` of the whole corpus (goal: at most 20 s for 100,000).
3. LLM throughput: a `generate` batch against the fake server at `--concurrency` dialogues in flight with
   every turn verified (bench_backend.py's level and figures), at each server latency given: achieved
   calls/s as a share of the ideal, concurrency / latency (goal: at least 0.9), with the CPU per call of
   the generating process, which caps the rate one event loop can reach at 1000 / (CPU ms per call).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_backend  # noqa: E402

from tutorforge.dialogues.processes import start_early  # noqa: E402

CLI = [sys.executable, "-m", "tutorforge.cli"]
MEMORY_GOAL_MB = 500.0
EXPORT_GOAL_S = 20.0
EXPORT_GOAL_N = 100_000
SHARE_GOAL = 0.9


_TICKS = os.sysconf("SC_CLK_TCK")


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (kB) and CPU seconds of a live process (empty when it is gone)."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out["cpu"] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    except (OSError, ValueError, IndexError):
        return {}
    return out if "VmHWM" in out else {}  # a process that has exited has no memory lines


def _descendants(pid: int) -> dict[int, str]:
    """pid -> a short name, for every live process below `pid`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out: dict[int, str] = {pid: "parent"}
    stack = [pid]
    while stack:
        parent = stack.pop()
        for child in children.get(parent, ()):
            stack.append(child)
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            out[child] = _role(cmd, out[parent])
    return out


def _role(cmd: str, parent: str) -> str:
    """parent (the command), forkserver, worker (a pool worker: a child of the forkserver), verifier
    (a symbolic-check worker), tracker (multiprocessing's resource tracker)."""
    if "verifiers.worker" in cmd:
        return "verifier"
    if "resource_tracker" in cmd:
        return "tracker"
    if "forkserver" in cmd:
        return "worker" if parent == "forkserver" else "forkserver"
    return "worker"


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT count(*) FROM dialogues").fetchone()[0]
    except sqlite3.Error:
        return 0


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def scripted(n: int, seed: int, db: Path) -> tuple[float, dict[str, int], dict[str, float]]:
    """Generate `n` dialogues; print memory at checkpoints. Returns (wall seconds, peak kB by role, CPU
    seconds by role)."""
    checkpoints = sorted({max(1, n * k // 8) for k in (1, 2, 4, 6)} | {n})
    print(f"scripted generate -n {n} on {os.cpu_count()} cores")
    print(f"{'stored':>9} {'wall s':>7} {'dlg/s':>7}  RSS MB now/peak: parent | workers | verifiers")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*CLI, "generate", "-n", str(n), "--seed", str(seed), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak: dict[int, tuple[str, int]] = {}
    cpu: dict[int, tuple[str, float]] = {}
    last_count, last_time = 0, started
    while proc.poll() is None:
        time.sleep(0.5)
        tree = _descendants(proc.pid)
        now: dict[str, list[int]] = {}
        for pid, role in tree.items():
            status = _status(pid)
            if status:
                peak[pid] = (role, max(int(status["VmHWM"]), peak.get(pid, ("", 0))[1]))
                cpu[pid] = (role, status["cpu"])
                now.setdefault(role, []).append(int(status["VmRSS"]))
        stored = _stored(db)
        if checkpoints and stored >= checkpoints[0] and stored > 0:
            while checkpoints and stored >= checkpoints[0]:
                checkpoints.pop(0)
            t = time.perf_counter()
            rate = (stored - last_count) / (t - last_time)
            last_count, last_time = stored, t
            parts = []
            for role in ("parent", "worker", "verifier"):
                peaks = [kb for r, kb in peak.values() if r == role]
                parts.append(f"{_mb(max(now.get(role, [0])))}/{_mb(max(peaks, default=0))}")
            print(f"{stored:>9} {t - started:>7.1f} {rate:>7.1f}  " + " | ".join(parts), flush=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"generate exited {proc.returncode}")
    by_role: dict[str, int] = {}
    for role, kb in peak.values():
        by_role[role] = max(by_role.get(role, 0), kb)
    seconds: dict[str, float] = {}
    for role, used in cpu.values():
        seconds[role] = seconds.get(role, 0.0) + used
    return wall, by_role, seconds


def export_time(db: Path, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [*CLI, "export", "--db", str(db), "--format", "openai", "--no-card", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"export failed: {done.stderr}")
    records = sum(1 for _ in out.open("rb"))
    return wall, records


def llm_level(concurrency: int, dialogues: int, latency: float, folder: Path) -> bench_backend.Level:
    """One batch against the fake server (bench_backend's figures)."""
    proc, url = bench_backend._start_server(latency)
    config = bench_backend.level_config(url, concurrency, dialogues)
    start_early(config)  # as `generate` does before its imports (see bench_backend)
    try:
        return bench_backend.run_level(url, proc.pid, concurrency, dialogues, latency, folder)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=100_000, help="scripted dialogues to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--llm-dialogues", type=int, default=768, help="dialogues of each LLM batch")
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--latency", default="0.2,2", help="fake server latencies, seconds, comma-separated")
    parser.add_argument("--skip-llm", action="store_true", help="only the scripted part and the export")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "scale.db"
        wall, peaks, seconds = scripted(args.n, args.seed, db)
        rate = args.n / wall
        print(f"\ngenerated {args.n} dialogues in {wall:.1f} s: {rate:.1f} dialogues/s (start-up included)")
        print(
            "CPU seconds (until the last sample): "
            + ", ".join(f"{role} {used:.0f}" for role, used in sorted(seconds.items()))
            + f"; cores kept busy: {sum(seconds.values()) / wall:.2f} of {os.cpu_count()}"
        )
        worst = max(peaks.values())
        print(
            "peak RSS MB: "
            + ", ".join(f"{role} {_mb(kb)}" for role, kb in sorted(peaks.items()))
            + f"; worst against the {MEMORY_GOAL_MB:.0f} MB goal: {worst / 1024 / MEMORY_GOAL_MB:.2f}"
        )
        print(f"database {db.stat().st_size / 2**20:.0f} MB")
        seconds, records = export_time(db, folder / "corpus.jsonl")
        goal = EXPORT_GOAL_S * args.n / EXPORT_GOAL_N
        print(
            f"export (openai) of {records} approved records: {seconds:.1f} s, {records / seconds:.0f}"
            f" records/s; against the goal ({goal:.1f} s for {args.n}): {seconds / goal:.2f}"
        )
        if args.skip_llm:
            return
        for latency in (float(x) for x in args.latency.split(",")):
            where = folder / f"latency-{latency:g}"
            where.mkdir()
            level = llm_level(args.concurrency, args.llm_dialogues, latency, where)
            _, _, calls, _, _, _, share, bound, of_bound, busy, _, cores, client, server = level.row()
            print(
                f"fake server, concurrency {args.concurrency}, latency {latency * 1000:.0f} ms,"
                f" verification on: {calls} calls; share of ideal {share} over the batch (goal {SHARE_GOAL};"
                f" a client costing nothing: {bound}, ours against it {of_bound}), {busy} while all"
                f" {args.concurrency} were in flight; {cores} cores busy, CPU per call {client} ms client,"
                f" {server} ms server",
                flush=True,
            )


if __name__ == "__main__":
    main()
