"""LLM batches over more than one process: the split of concurrency, rate limits and budget, the shared
cursor, and a real run against the fake server in which helper processes take part."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_scale_crash import alive, descendants, stored

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.llm_batch import Cursor, share_of
from tutorforge.dialogues.processes import process_count
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.ratelimit import RateLimit

CLI = [sys.executable, "-m", "tutorforge.cli"]


def _generate_args(server, db, n: int, model: str = "m") -> list[str]:
    """`generate` over two processes (64 in flight) against the fake server."""
    args = [*CLI, "generate", "-n", str(n), "--backend", "openai", "--model", model, "--max-turns", "6"]
    return args + ["--base-url", server.url + "/v1", "--concurrency", "64", "--workers", "2", "--db", str(db)]


def _config(**kw) -> GenerateConfig:
    base = {"backend": "openai", "models": {"teacher": "m", "student": "m", "critic": "m"}, "n": 1000}
    return GenerateConfig(**{**base, **kw})


def test_processes_only_where_one_loop_would_be_short_of_cpu():
    assert process_count(_config(concurrency=100, workers=2), 1000) == 2
    assert process_count(_config(concurrency=100, workers=8), 1000) == 3  # at least 32 in flight each
    assert process_count(_config(concurrency=40, workers=2), 1000) == 1
    assert process_count(_config(concurrency=100, workers=1), 1000) == 1
    assert process_count(_config(concurrency=100, workers=2), 40) == 1  # a short batch
    tight = {"m": RateLimit(requests_per_minute=100)}  # 50 per process would be under a request a second
    assert process_count(_config(concurrency=100, workers=2, rate_limits=tight), 1000) == 1
    few_tokens = {"*": RateLimit(tokens_per_minute=100_000)}
    assert process_count(_config(concurrency=100, workers=2, rate_limits=few_tokens), 1000) == 1


def test_shares_add_up_to_the_whole():
    limits = {"m": RateLimit(requests_per_minute=6000, tokens_per_minute=2_000_000), "n": RateLimit()}
    config = _config(concurrency=101, workers=3, rate_limits=limits, max_cost=1.5)
    shares = [share_of(config, 3, k) for k in range(3)]
    assert sum(s.concurrency for s in shares) == 101 and {s.concurrency for s in shares} == {33, 34}
    assert sum(s.rate_limits["m"].requests_per_minute for s in shares) == 6000
    assert sum(s.rate_limits["m"].tokens_per_minute for s in shares) == 2_000_000
    assert all(s.rate_limits["n"].requests_per_minute is None for s in shares)
    assert sum(s.max_cost for s in shares) == 1.5
    assert all(s.run_id() == config.run_id() for s in shares)  # the same run, the same dialogue ids
    assert share_of(config, 1, 0) is config


def test_cursor_hands_out_indices_in_order():
    cursor = Cursor([5, 7, 9])
    assert [cursor.take(), cursor.take()] == [5, 7] and cursor.untaken() == 1
    assert cursor.take() == 9 and cursor.take() is None and cursor.untaken() == 0


def _take_all(cursor: Cursor, out) -> None:
    taken = []
    while (i := cursor.take()) is not None:
        taken.append(i)
    out.put(taken)


def test_a_shared_cursor_gives_each_index_to_one_process():
    ctx = mp.get_context("spawn")
    todo = list(range(0, 6000, 3))
    cursor = Cursor(todo, ctx)
    out = ctx.Queue()
    workers = [ctx.Process(target=_take_all, args=(cursor, out)) for _ in range(2)]
    for w in workers:
        w.start()
    _take_all(cursor, out)
    taken = [out.get(timeout=60) for _ in range(3)]
    for w in workers:
        w.join(60)
    assert sorted(i for part in taken for i in part) == todo
    assert cursor.untaken() == 0


@pytest.mark.slow
def test_generate_over_two_processes_stores_every_dialogue_once(tmp_path):
    db = tmp_path / "two.db"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-two-processes-000000"}
    with start_fake_server(FakeConfig(latency=0.02, teacher_turns=3, revise_rate=0.2, seed=4)) as server:
        args = _generate_args(server, db, 150)
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        requests = sum(server.log.by_model.values())
    assert done.returncode == 0, done.stderr
    assert "64 dialogues in flight over 2 processes" in done.stderr
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT idx, status FROM dialogues ORDER BY idx").fetchall()
        calls = con.execute("SELECT count(*) FROM llm_calls WHERE cache_hit = 0").fetchone()[0]
        cached = con.execute("SELECT count(*) FROM llm_cache").fetchone()[0]
    assert [i for i, _ in rows] == list(range(150)) and {s for _, s in rows} == {"complete"}
    assert calls == requests  # every request the server saw belongs to a stored dialogue
    assert cached == calls  # both processes wrote their replies to the one cache


@pytest.mark.slow
def test_a_budget_split_over_processes_stops_the_run_and_a_rerun_finishes(tmp_path):
    db = tmp_path / "budget.db"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-two-budgets-0000000"}
    with start_fake_server(FakeConfig(latency=0.02, teacher_turns=3, seed=5)) as server:
        args = _generate_args(server, db, 400, model="gpt-4o-mini")
        stopped = subprocess.run(
            [*args, "--max-cost", "0.002"], env=env, capture_output=True, text=True, timeout=300
        )
        requests = sum(server.log.by_model.values())
        assert stopped.returncode == 0, stopped.stderr
        assert "64 dialogues in flight over 2 processes" in stopped.stderr
        assert "cost budget of $0.002 reached" in stopped.stderr
        # every process stops at its half of the budget: far fewer requests than the whole batch needs
        assert requests < 400
        with sqlite3.connect(db) as con:
            calls = con.execute("SELECT count(*) FROM llm_calls WHERE cache_hit = 0").fetchone()[0]
        assert calls == requests  # every paid call is on record, those of the dialogues it stopped too
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT idx FROM dialogues WHERE status = 'complete' ORDER BY idx").fetchall()
    assert [i for (i,) in rows] == list(range(400))


def _start(args: list[str], env: dict, db: Path, stored_at_least: int) -> tuple[subprocess.Popen, int | None]:
    """Start `generate` and wait until it has stored that many dialogues: (the process, its helper)."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, helper = time.monotonic() + 120, None
    while (helper is None or stored(db) < stored_at_least) and proc.poll() is None:
        assert time.monotonic() < deadline, "generate stored too little in two minutes"
        time.sleep(0.1)
        helper = helper or _helper_of(proc.pid)
    assert proc.poll() is None and helper is not None, "generate ended early, or without a helper"
    return proc, helper


def _helper_of(pid: int) -> int | None:
    """The generation helper below `pid`: a child of its forkserver process."""
    for child in descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            stat = Path(f"/proc/{child}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if b"forkserver" in cmdline and parent != pid:
            return child
    return None


@pytest.mark.parametrize("stop", ["ctrl-c", "helper-killed"])
@pytest.mark.slow
def test_a_stopped_run_keeps_what_finished_leaves_no_process_and_resumes(tmp_path, stop):
    """Ctrl-C to the parent alone (it must stop its helpers itself): exit 130. A helper killed: the run
    fails with exit 1 naming it. Either way what was saved stays and a rerun does exactly the rest."""
    db = tmp_path / "stop.db"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-two-stopped-000000"}
    with start_fake_server(FakeConfig(latency=0.05, teacher_turns=3, seed=6)) as server:
        args = _generate_args(server, db, 600)
        proc, helper = _start(args, env, db, 100)
        family = descendants(proc.pid)
        if stop == "ctrl-c":
            proc.send_signal(signal.SIGINT)
        else:
            os.kill(helper, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err and "rerun the same command to resume" in err
        if stop == "ctrl-c":
            assert proc.returncode == 130, err
        else:
            assert proc.returncode == 1 and "a generation process exited with code -9" in err, err
        deadline = time.monotonic() + 20
        while any(alive(p) for p in family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in family if alive(p)]
        kept = stored(db)
        assert 100 <= kept < 600
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and f"{kept} of 600 already done" in done.stderr, done.stderr
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT idx FROM dialogues WHERE status = 'complete' ORDER BY idx").fetchall()
    assert [i for (i,) in rows] == list(range(600))
