"""`tutorforge generate` end to end, as a user runs it: real processes, real SQLite, real exports."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "tutorforge.cli"]


def tf(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def count(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT count(*), count(DISTINCT dialogue_id) FROM dialogues").fetchone()


@pytest.fixture(scope="module")
def corpus_seed7(tmp_path_factory) -> Path:
    """1000 dialogues, seed 7, exported raw with every dialogue included."""
    d = tmp_path_factory.mktemp("seed7")
    r = tf("generate", "-n", "1000", "--seed", "7", "--db", "a.db", cwd=d)
    assert r.returncode == 0, r.stderr
    r = tf("export", "--db", "a.db", "--format", "raw", "--include", "all", "--out", "a.jsonl", cwd=d)
    assert r.returncode == 0, r.stderr
    return d / "a.jsonl"


def test_quick_start_writes_multi_turn_dialogues_that_datasets_loads(tmp_path):
    r = tf("generate", "-n", "20", "--out", "demo.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    records = read_jsonl(tmp_path / "demo.jsonl")
    assert 0 < len(records) <= 20
    for rec in records:
        roles = [m["role"] for m in rec["messages"]]
        assert roles[0] == "system" and roles.count("assistant") >= 2 and roles.count("user") >= 2
        meta = rec["metadata"]
        for key in ("dialogue_id", "problem_id", "family", "seed", "verifier_version", "generator_labels"):
            assert key in meta
        assert meta["review_status"] == "approved"
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("json", data_files=str(tmp_path / "demo.jsonl"), split="train")
    assert ds.num_rows == len(records)


@pytest.mark.slow
def test_same_seed_same_corpus_other_seed_differs(corpus_seed7, tmp_path):
    r = tf("generate", "-n", "1000", "--seed", "7", "--db", "b.db", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = tf("export", "--db", "b.db", "--format", "raw", "--include", "all", "--out", "b.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    a, b = read_jsonl(corpus_seed7), read_jsonl(tmp_path / "b.jsonl")
    key = lambda rec: (rec["metadata"]["dialogue_id"], [t["text"] for t in rec["turns"]])  # noqa: E731
    assert [key(x) for x in a] == [key(x) for x in b]
    r = tf("generate", "-n", "50", "--seed", "8", "--db", "c.db", cwd=tmp_path)
    r = tf("export", "--db", "c.db", "--format", "raw", "--include", "all", "--out", "c.jsonl", cwd=tmp_path)
    c = read_jsonl(tmp_path / "c.jsonl")
    assert [t["text"] for t in c[0]["turns"]] != [t["text"] for t in a[0]["turns"]]
    assert (
        len(
            {tuple(t["text"] for t in x["turns"]) for x in a[:50]}
            & {tuple(t["text"] for t in x["turns"]) for x in c}
        )
        == 0
    )


@pytest.mark.slow
def test_diversity_of_1000_dialogues(corpus_seed7):
    records = read_jsonl(corpus_seed7)
    assert len(records) == 1000
    teacher_turns = [
        re.sub(r"\d+", "#", t["text"]) for rec in records for t in rec["turns"] if t["role"] == "teacher"
    ]
    top, top_count = Counter(teacher_turns).most_common(1)[0]
    assert top_count / len(teacher_turns) < 0.03, (top, top_count, len(teacher_turns))
    dialogues = {tuple(t["text"] for t in rec["turns"]) for rec in records}
    assert len(dialogues) == 1000
    families = Counter(rec["metadata"]["family"] for rec in records)
    assert len(families) >= 8
    assert sum(bool(rec["metadata"]["generator_labels"]) for rec in records) > 100


@pytest.mark.slow
def test_rerun_resumes_and_larger_n_extends(tmp_path):
    assert tf("generate", "-n", "30", "--db", "r.db", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "r.db") as con:
        before = con.execute("SELECT dialogue_id, finished_at FROM dialogues ORDER BY dialogue_id").fetchall()
    r = tf("generate", "-n", "30", "--db", "r.db", cwd=tmp_path)
    assert r.returncode == 0 and "30 of 30 already done" in r.stderr
    r = tf("generate", "-n", "45", "--db", "r.db", cwd=tmp_path)
    assert r.returncode == 0 and "15 new" in r.stderr
    with sqlite3.connect(tmp_path / "r.db") as con:
        after = con.execute("SELECT dialogue_id, finished_at FROM dialogues ORDER BY dialogue_id").fetchall()
    assert count(tmp_path / "r.db") == (45, 45)
    assert set(before) <= set(after)  # the first 30 were kept, not regenerated


@pytest.mark.slow
def test_kill_9_then_rerun_gives_exactly_n_without_duplicates(tmp_path):
    db = tmp_path / "k.db"
    args = [*CLI, "generate", "-n", "3000", "--db", str(db)]
    proc = subprocess.Popen(
        args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        if db.exists():
            try:
                stored = count(db)[0]
            except sqlite3.OperationalError:
                continue
            if stored >= 200:
                break
    assert proc.poll() is None, "generate finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = count(db)[0]
    assert 0 < partial < 3000
    r = tf("generate", "-n", "3000", "--db", str(db), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert count(db) == (3000, 3000)
    with sqlite3.connect(db) as con:
        idx = [i for (i,) in con.execute("SELECT idx FROM dialogues ORDER BY idx")]
    assert idx == list(range(3000))


@pytest.mark.slow
def test_ctrl_c_keeps_finished_dialogues_and_exits_cleanly(tmp_path):
    db = tmp_path / "i.db"
    proc = subprocess.Popen(
        [*CLI, "generate", "-n", "3000", "--db", str(db)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.3)
        try:
            if db.exists() and count(db)[0] >= 100:
                break
        except sqlite3.OperationalError:
            pass
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "rerun the same command to resume" in err and "Traceback" not in err
    kept = count(db)[0]
    assert 100 <= kept < 3000
    r = tf("generate", "-n", "3000", "--db", str(db), cwd=tmp_path)
    assert r.returncode == 0 and f"{kept} of 3000 already done" in r.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-n", "0"], "-n"),
        (["-n", "-3"], "-n"),
        (["--teacher", "no-such-teacher"], "socratic-teacher"),
        (["--student", "socratic-teacher"], "not a student"),
        (["--family", "astrology"], "linear_equation"),
        (["--backend", "telepathy"], "scripted"),
    ],
)
def test_bad_flags_exit_2_with_a_clear_line(tmp_path, args, needle):
    r = tf("generate", *args, "--db", "x.db", cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_bad_database_paths_exit_2_and_are_left_untouched(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    r = tf("generate", "-n", "2", "--db", str(text), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and str(text) in r.stderr
    assert text.read_text() == "not a database\n"
    r = tf("generate", "-n", "2", "--db", str(tmp_path / "missing" / "dir" / "x.db"), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
