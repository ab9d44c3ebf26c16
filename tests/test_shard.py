"""Sharding: `--shard I/N` splits a run by index without changing its id, each shard resumes on its own,
and the merged shards are the corpus an unsharded run gives (same ids, same text, same export)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from factories import run_cli

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.shard import Shard


def tutorforge(*args: str) -> tuple[int, str]:
    """The command line, run in this process: (exit code, stderr + stdout)."""
    code, out, err = run_cli(*args)
    return code, err + out


def test_shard_spec():
    assert Shard.parse("2/5") == Shard(2, 5) and str(Shard.parse(" 2 / 5 ")) == "2/5"
    assert list(Shard(2, 3).indices(10)) == [1, 4, 7]
    shards = [Shard(i, 4) for i in range(1, 5)]
    for n in (0, 1, 7, 41):
        parts = [list(s.indices(n)) for s in shards]
        assert sorted(i for part in parts for i in part) == list(range(n))  # a partition: no gap, no overlap
        assert all(s.owns(i) for s, part in zip(shards, parts, strict=True) for i in part)
    for bad in ("0/2", "3/2", "1/0", "2", "a/b", "-1/2", "1/2/3"):
        with pytest.raises(ValueError):
            Shard.parse(bad)


def test_shard_does_not_change_the_run_id():
    base = GenerateConfig(seed=3, n=100)
    assert GenerateConfig(seed=3, n=100, shard="2/4").run_id() == base.run_id()


@pytest.mark.parametrize(("flag", "needle"), [("0/3", "I must be between 1 and N"), ("x", "is not I/N")])
def test_bad_shard_flag_exits_2(tmp_path, flag, needle):
    code, out = tutorforge("generate", "-n", "4", "--shard", flag, "--db", str(tmp_path / "x.db"))
    assert code == 2 and "--shard" in out and needle in out


def dump(db: Path) -> dict:
    """Everything that is the corpus, not how it was made: ids, personas, problems, statuses, turn texts."""
    with sqlite3.connect(db) as con:
        return {
            "runs": con.execute("SELECT run_id, config_json, seed FROM runs ORDER BY run_id").fetchall(),
            "dialogues": con.execute(
                "SELECT dialogue_id, run_id, idx, problem_id, teacher, student, critic, status,"
                " review_status, review_reasons_json, verdict_summary_json, n_turns FROM dialogues"
                " ORDER BY dialogue_id"
            ).fetchall(),
            "turns": con.execute(
                "SELECT dialogue_id, turn_index, role, text, status, flags_json FROM turns"
                " ORDER BY dialogue_id, turn_index"
            ).fetchall(),
            "drafts": con.execute(
                "SELECT * FROM drafts ORDER BY dialogue_id, turn_index, draft_index"
            ).fetchall(),
            "labels": con.execute("SELECT * FROM generator_labels ORDER BY dialogue_id, rowid").fetchall(),
            "problems": con.execute("SELECT * FROM problems ORDER BY problem_id").fetchall(),
        }


def test_merged_shards_equal_the_unsharded_run(tmp_path):
    common = (
        "-n",
        "90",
        "--seed",
        "12",
        "--max-turns",
        "10",
        "--family",
        "linear_equation",
        "--family",
        "word_problem",
    )
    # The whole run in two worker processes; the shards in-process: how they ran does not matter.
    code, out = tutorforge("generate", *common, "--workers", "2", "--db", str(tmp_path / "whole.db"))
    assert code == 0, out
    for i in (1, 2, 3):
        code, out = tutorforge(
            "generate", *common, "--workers", "1", "--shard", f"{i}/3", "--db", str(tmp_path / f"part{i}.db")
        )
        assert code == 0, out
        assert "30 dialogues in run" in out and f"(shard {i}/3)" in out
    code, out = tutorforge(
        "merge", *(str(tmp_path / f"part{i}.db") for i in (3, 1, 2)), "--db", str(tmp_path / "m.db")
    )
    assert code == 0, out
    whole, merged = dump(tmp_path / "whole.db"), dump(tmp_path / "m.db")
    assert len(whole["dialogues"]) == 90 and whole["turns"]
    assert merged == whole
    for name in ("whole", "m"):
        code, out = tutorforge(
            "export",
            "--db",
            str(tmp_path / f"{name}.db"),
            "--format",
            "openai",
            "--include",
            "all",
            "--no-card",
            "--out",
            str(tmp_path / f"{name}.jsonl"),
        )
        assert code == 0, out
    assert (tmp_path / "m.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


def test_each_shard_resumes_on_its_own(tmp_path):
    db = tmp_path / "s.db"
    args = ("generate", "--seed", "4", "--max-turns", "8", "--shard", "2/2", "--db", str(db))
    code, out = tutorforge(*args, "-n", "10")
    assert code == 0 and "5 dialogues in run" in out, out
    code, out = tutorforge(*args, "-n", "10")
    assert code == 0 and "5 of 5 already done" in out, out
    code, out = tutorforge(*args, "-n", "16")  # a larger run: this shard's share grows by three
    assert code == 0 and "5 of 8 already done" in out and "3 new" in out, out
    with sqlite3.connect(db) as con:
        assert [i for (i,) in con.execute("SELECT idx FROM dialogues ORDER BY idx")] == [
            1,
            3,
            5,
            7,
            9,
            11,
            13,
            15,
        ]


@pytest.mark.slow
def test_run_shard_gives_each_shard_its_own_export(tmp_path):
    """A config naming `out`: each shard of scripts/run_shard.sh exports to its own file, none replaced."""
    import json
    import os
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "scripts" / "run_shard.sh"
    config = tmp_path / "run.toml"
    config.write_text('n = 6\nseed = 3\nout = "all.jsonl"\n')
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for shard in ("1/2", "2/2"):
        done = subprocess.run(
            ["bash", str(script), str(config), "shards"],
            cwd=tmp_path, env={**env, "SHARD": shard}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert not (tmp_path / "all.jsonl").exists()
    ids = [
        {json.loads(line)["metadata"]["index"] for line in (tmp_path / name).read_text().splitlines()}
        for name in ("all.shard-1-of-2.jsonl", "all.shard-2-of-2.jsonl")
    ]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    assert ids[0] <= {0, 2, 4} and ids[1] <= {1, 3, 5}
