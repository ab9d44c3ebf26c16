"""`kill -9` at a random moment while many dialogues are in flight, then a resume: no duplicate, no gap,
and the dialogues are the ones an uninterrupted run gives."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutorforge.llm.fake_server import FakeConfig, start_fake_server

CLI = [sys.executable, "-m", "tutorforge.cli"]


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT count(*) FROM dialogues WHERE status = 'complete'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def descendants(pid: int) -> set[int]:
    """The live descendants of `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            out.add(child)
            stack.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_at_random_moment(args: list[str], db: Path, env: dict, rng: random.Random) -> int:
    """Start `generate`, SIGKILL it at a random moment after its first save; the count stored then."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while stored(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 0.5))
    assert proc.poll() is None, f"generate ended before it could be killed: {proc.stderr.read()}"
    family = descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    # what it started goes away with it (pool workers and verifier workers see their parent's pipes close)
    deadline = time.monotonic() + 20
    while any(alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in family if alive(p)]
    for pid in left:  # clean up before failing, so a failure does not leave processes behind
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes outlived the killed run: {left}"
    return stored(db)


def assert_exactly(db: Path, indices: list[int]) -> None:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT idx, status FROM dialogues ORDER BY idx").fetchall()
        orphans = con.execute(
            "SELECT count(*) FROM turns WHERE dialogue_id NOT IN (SELECT dialogue_id FROM dialogues)"
        ).fetchone()[0]
        short = con.execute(
            "SELECT count(*) FROM dialogues d WHERE n_turns != (SELECT count(*) FROM turns t"
            " WHERE t.dialogue_id = d.dialogue_id)"
        ).fetchone()[0]
    assert [i for i, _ in rows] == indices  # no duplicate, no gap, nothing outside the shard
    assert {s for _, s in rows} == {"complete"}
    assert orphans == 0 and short == 0  # every saved dialogue has all of its turns, and nothing else is saved


def turn_texts(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT dialogue_id, turn_index, text FROM turns ORDER BY 1, 2").fetchall()


@pytest.mark.slow
def test_kill_9_in_worker_processes_then_resume(tmp_path):
    rng = random.Random()
    db = tmp_path / "k.db"
    args = [
        *CLI,
        "generate",
        "-n",
        "1500",
        "--seed",
        "5",
        "--shard",
        "2/3",
        "--workers",
        "2",
        "--db",
        str(db),
    ]
    partial = kill_at_random_moment(args, db, dict(os.environ), rng)
    assert 0 < partial < 500
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and f"{partial} of 500 already done" in done.stderr, done.stderr
    assert_exactly(db, list(range(1, 1500, 3)))
    clean = tmp_path / "clean.db"
    args[-1] = str(clean)
    assert subprocess.run(args, capture_output=True, timeout=300).returncode == 0
    assert turn_texts(db) == turn_texts(clean)


@pytest.mark.parametrize(("n", "concurrency"), [(80, "40"), (200, "64")], ids=["one-process", "helpers"])
@pytest.mark.slow
def test_kill_9_with_llm_dialogues_in_flight_then_resume(tmp_path, n, concurrency):
    """At concurrency 64 the run has a helper process beside it: it goes away with the killed run too."""
    rng = random.Random()
    db = tmp_path / "llm.db"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-crash-000000000000"}
    with start_fake_server(FakeConfig(latency=0.03, teacher_turns=3, revise_rate=0.2, seed=2)) as server:
        args = [
            *CLI,
            "generate",
            "-n",
            str(n),
            "--seed",
            "1",
            "--backend",
            "openai",
            "--model",
            "m",
            "--base-url",
            server.url + "/v1",
            "--concurrency",
            concurrency,
            "--workers",
            "2",
            "--max-turns",
            "6",
            "--db",
            str(db),
        ]
        partial = kill_at_random_moment(args, db, env, rng)
        assert 0 < partial < n
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and f"{partial} of {n} already done" in done.stderr, done.stderr
    assert_exactly(db, list(range(n)))
