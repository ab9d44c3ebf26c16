"""Job arrays: `--shard auto` from Slurm and Kubernetes indexed jobs, each shard's own `out` file, and the
run's rate limits and budget divided among the shards unless `--limits-per-shard`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from factories import make_record, run_cli

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.shard import Shard, from_environment, out_path
from tutorforge.errors import BadInput
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.storage.store import Store

SLURM = "SLURM_ARRAY_TASK_"


@pytest.mark.parametrize(
    ("env", "count", "shard"),
    [
        ({f"{SLURM}ID": "3", f"{SLURM}COUNT": "16", f"{SLURM}MIN": "1", f"{SLURM}MAX": "16"}, None, (3, 16)),
        ({f"{SLURM}ID": "3", f"{SLURM}COUNT": "16"}, None, (3, 16)),  # sbatch --array=1-16
        ({f"{SLURM}ID": "0", f"{SLURM}MIN": "0", f"{SLURM}MAX": "15"}, None, (1, 16)),  # --array=0-15
        ({f"{SLURM}ID": "15", f"{SLURM}MIN": "0", f"{SLURM}MAX": "15"}, 16, (16, 16)),
        ({f"{SLURM}ID": "7", f"{SLURM}MIN": "1", f"{SLURM}MAX": "9", f"{SLURM}STEP": "2"}, None, (4, 5)),
        ({"JOB_COMPLETION_INDEX": "0"}, 4, (1, 4)),
        ({"JOB_COMPLETION_INDEX": "3"}, 4, (4, 4)),
    ],
)
def test_the_shard_comes_from_the_job_array(env, count, shard):
    assert from_environment(env, count) == Shard(*shard)


@pytest.mark.parametrize(
    ("env", "count", "needle"),
    [
        ({f"{SLURM}ID": "17", f"{SLURM}COUNT": "16"}, None, "shard 17 is out of range (1 to 16)"),
        ({f"{SLURM}ID": "0", f"{SLURM}COUNT": "16"}, None, "is not a task of the array"),
        (
            {f"{SLURM}ID": "4", f"{SLURM}MIN": "1", f"{SLURM}STEP": "2", f"{SLURM}COUNT": "5"},
            None,
            "not a task",
        ),
        ({f"{SLURM}ID": "3"}, None, "--shard-count"),
        ({f"{SLURM}ID": "3", f"{SLURM}COUNT": "16"}, 8, "--shard-count 8: the job array has 16 tasks"),
        ({f"{SLURM}ID": "x3", f"{SLURM}COUNT": "16"}, None, "is not a task number"),
        ({"JOB_COMPLETION_INDEX": "4"}, 4, "shard 5 is out of range (1 to 4)"),
        ({"JOB_COMPLETION_INDEX": "1"}, None, "--shard-count"),
        ({}, None, "no job array found"),
    ],
)
def test_a_task_outside_the_array_is_bad_input(env, count, needle):
    with pytest.raises(BadInput, match="--shard") as caught:
        from_environment(env, count)
    assert needle in str(caught.value)


def test_each_shard_writes_its_own_out_file():
    assert out_path(Path("out/corpus.jsonl"), Shard(3, 16)) == Path("out/corpus.shard-3-of-16.jsonl")
    assert out_path(Path("corpus.parquet"), Shard(1, 2)) == Path("corpus.shard-1-of-2.parquet")
    assert out_path(Path("corpus.jsonl"), Shard()) == Path("corpus.jsonl")


def test_limits_and_budget_are_divided_among_the_shards_unless_per_shard():
    limits = {"gpt-4.1": {"requests_per_minute": 1600, "tokens_per_minute": 800_000}, "*": {}}
    whole = GenerateConfig(shard="3/16", max_cost=8.0, rate_limits=limits)
    share = whole.shard_share()
    assert share.max_cost == 0.5
    assert share.rate_limits["gpt-4.1"].requests_per_minute == 100
    assert share.rate_limits["gpt-4.1"].tokens_per_minute == 50_000
    assert share.run_id() == whole.run_id()
    per_shard = GenerateConfig(shard="3/16", max_cost=8.0, rate_limits=limits, limits_per_shard=True)
    assert per_shard.shard_share().max_cost == 8.0
    assert GenerateConfig(max_cost=8.0).shard_share().max_cost == 8.0  # unsharded: the whole budget


def _env(monkeypatch, **values: str) -> None:
    for name in (f"{SLURM}ID", f"{SLURM}COUNT", f"{SLURM}MIN", f"{SLURM}MAX", "JOB_COMPLETION_INDEX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_shard_auto_on_slurm_runs_its_indices_and_writes_its_own_export(tmp_path, monkeypatch):
    _env(monkeypatch, SLURM_ARRAY_TASK_ID="2", SLURM_ARRAY_TASK_COUNT="3", SLURM_ARRAY_TASK_MIN="1")
    config = tmp_path / "run.toml"
    config.write_text(
        f'n = 9\nseed = 4\nmax_turns = 20\nshard = "auto"\nout = "{tmp_path / "corpus.jsonl"}"\n'
    )
    code, out, err = run_cli("generate", "--config", str(config), "--db", str(tmp_path / "s2.db"))
    assert code == 0, err
    assert "(shard 2/3)" in err
    with sqlite3.connect(tmp_path / "s2.db") as con:
        assert [i for (i,) in con.execute("SELECT idx FROM dialogues ORDER BY idx")] == [1, 4, 7]
    assert not (tmp_path / "corpus.jsonl").exists()
    mine = tmp_path / "corpus.shard-2-of-3.jsonl"
    assert f"to {mine}" in err
    ids = [json.loads(line)["metadata"]["index"] for line in mine.read_text().splitlines()]
    assert ids and set(ids) <= {1, 4, 7}


def test_shard_auto_in_a_kubernetes_indexed_job(tmp_path, monkeypatch):
    _env(monkeypatch, JOB_COMPLETION_INDEX="0")
    args = ("generate", "-n", "6", "--max-turns", "8", "--shard", "auto", "--db", str(tmp_path / "k.db"))
    code, _, err = run_cli(*args)
    assert code == 2 and "--shard-count" in err
    code, _, err = run_cli(*args, "--shard-count", "3")
    assert code == 0 and "(shard 1/3)" in err, err
    _env(monkeypatch, JOB_COMPLETION_INDEX="3")
    code, _, err = run_cli(*args, "--shard-count", "3")
    assert code == 2 and "out of range" in err
    with sqlite3.connect(tmp_path / "k.db") as con:
        assert [i for (i,) in con.execute("SELECT idx FROM dialogues ORDER BY idx")] == [0, 3]


def test_sixteen_shards_with_a_budget_stay_within_it_together(tmp_path, monkeypatch):
    """Sixteen shards against one server, each given the run's whole --max-cost: together they spend at
    most that budget, not sixteen budgets."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-shards")
    budget = 0.08
    with start_fake_server(FakeConfig(latency=0.001, teacher_turns=3, seed=5)) as server:
        for i in range(1, 17):
            _env(monkeypatch, SLURM_ARRAY_TASK_ID=str(i), SLURM_ARRAY_TASK_COUNT="16")
            code, _, err = run_cli(
                "generate", "-n", "256", "--seed", "2", "--backend", "openai", "--model", "gpt-4.1-mini",
                "--base-url", server.url + "/v1", "--max-turns", "6", "--concurrency", "1",
                "--shard", "auto", "--max-cost", str(budget), "--db", str(tmp_path / f"s{i}.db"),
            )  # fmt: skip
            assert code == 0, err
    spent, shares = 0.0, []
    for i in range(1, 17):
        with sqlite3.connect(tmp_path / f"s{i}.db") as con:
            shares.append(con.execute("SELECT coalesce(sum(cost_usd), 0) FROM llm_calls").fetchone()[0])
    spent = sum(shares)
    assert all(0 < share <= budget / 16 for share in shares)  # each shard kept to its share
    assert budget / 4 < spent <= budget  # together: within the one budget, and they did use it


def test_the_card_says_how_the_run_was_spread(tmp_path, monkeypatch):
    common = ("generate", "-n", "6", "--seed", "9", "--max-turns", "8", "--workers", "1")
    for task in ("1", "2", "3"):
        _env(monkeypatch, SLURM_ARRAY_TASK_ID=task, SLURM_ARRAY_TASK_COUNT="3")
        code, _, err = run_cli(*common, "--shard", "auto", "--db", str(tmp_path / f"s{task}.db"))
        assert code == 0, err
    merged = tmp_path / "merged.db"
    code, _, err = run_cli("merge", *(str(tmp_path / f"s{t}.db") for t in "123"), "--db", str(merged))
    assert code == 0, err
    _env(monkeypatch)
    code, _, err = run_cli(*common, "--db", str(tmp_path / "whole.db"))
    assert code == 0, err
    for db, needle in (
        (merged, "was spread over 3 shards (`--shard I/3`"),
        (tmp_path / "whole.db", "was generated on one machine, unsharded: 1 `generate` command saved 6"),
    ):
        out = tmp_path / db.stem / "train.jsonl"
        out.parent.mkdir()
        code, _, err = run_cli(
            "export", "--db", str(db), "--format", "openai", "--include", "all", "--out", str(out)
        )
        assert code == 0, err
        card = (out.parent / "README.md").read_text(encoding="utf-8")
        assert needle in card, card
    assert "3 of the 3 shards are here, from 3 `generate` commands that saved 6 dialogues" in (
        tmp_path / "merged" / "README.md"
    ).read_text(encoding="utf-8")


def test_a_version_2_database_gains_price_sources_and_run_parts(tmp_path):
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {}, 1, {})
        store.save_dialogues([make_record(0, calls=1)])
    with sqlite3.connect(path) as con:
        con.executescript(
            "DROP TABLE run_parts; ALTER TABLE llm_calls DROP COLUMN price_source;"
            "ALTER TABLE turns DROP COLUMN move; ALTER TABLE turns DROP COLUMN target;"
            "ALTER TABLE dialogues DROP COLUMN meta_json; ALTER TABLE drafts DROP COLUMN forced_by_verifier;"
            "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
        )
    with Store.open(path, create=False) as store:
        (call,) = next(store.iter_dialogues("all")).usage["calls"]
        assert call["price_source"] == "" and call["cost_usd"] == 0.0001  # unknown for older calls
        store.record_part("run-a", "2/4", 5.0, 1)
        assert store.run_parts()["run-a"][0]["shard"] == "2/4"


EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "jobs"


def test_the_slurm_example_runs_its_task_shard(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text("n = 6\nseed = 2\nmax_turns = 8\nworkers = 1\n")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "SLURM_ARRAY_TASK_ID": "2",
        "SLURM_ARRAY_TASK_COUNT": "2",
        "SLURM_ARRAY_TASK_MIN": "1",
        "SLURM_ARRAY_TASK_MAX": "2",
    }
    done = subprocess.run(
        ["bash", str(EXAMPLES / "slurm-array.sh"), str(config), str(tmp_path / "shards")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "shards" / "shard-2.db") as con:
        assert [i for (i,) in con.execute("SELECT idx FROM dialogues ORDER BY idx")] == [1, 3, 5]


def test_the_kubernetes_example_is_an_indexed_job_with_matching_counts():
    job = yaml.safe_load((EXAMPLES / "k8s-indexed-job.yaml").read_text())
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    command = " ".join(spec["template"]["spec"]["containers"][0]["args"])
    assert "--shard auto" in command and f"--shard-count {spec['completions']}" in command
    assert "${JOB_COMPLETION_INDEX}" in command  # each pod its own database
