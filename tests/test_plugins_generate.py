"""`generate` with personas from plug-in folders: used, recorded in the export's metadata, seen by the
worker processes, and a bad file stops the run before any worker starts."""

from __future__ import annotations

import re

import pytest
from plugins_support import line_of, read_jsonl, run, student, teacher, write

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.personas.names import STUDENT_NAMES


def _run_id(stderr: str) -> str:
    return re.search(r"dialogues in run (\w+)", stderr)[1]


def test_a_persona_in_a_personas_dir_is_used_and_recorded_in_the_export(tmp_path):
    folder = write(tmp_path / "mine", "maker.toml", student("maker-student", version="3.1")).parent
    args = ["-n", "4", "--student", "maker-student", "--db", "a.db", "--out", "a.jsonl"]
    r = run("generate", *args, "--personas-dir", str(folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    records = read_jsonl(tmp_path / "a.jsonl")
    assert records and all(
        rec["metadata"]["personas"]["student"] == {"name": "maker-student", "version": "3.1"}
        for rec in records
    )
    # students are addressed by a name drawn per dialogue, apart from the persona, and it is recorded
    assert all(rec["metadata"]["student_name"] in STUDENT_NAMES for rec in records)
    assert any(
        rec["metadata"]["student_name"] in m["content"] for rec in records for m in rec["messages"][1:]
    )
    r_again = run("generate", *args, "--personas-dir", str(folder), cwd=tmp_path)
    assert _run_id(r.stderr) == _run_id(r_again.stderr) and "4 of 4 already done" in r_again.stderr
    with_dir = GenerateConfig(student="maker-student", personas_dirs=[str(folder)])
    assert with_dir.run_id() != GenerateConfig(student="maker-student").run_id()
    assert "personas_dirs" not in GenerateConfig().identity()  # runs without plug-ins keep their ids


@pytest.mark.slow
def test_worker_processes_see_the_same_plugins(tmp_path):
    write(tmp_path / "env", "env.toml", teacher("env-teacher"))
    write(tmp_path / "dir", "dir.toml", student("dir-student"))
    r = run(
        "generate", "-n", "64", "--workers", "2", "--max-turns", "6", "--teacher", "env-teacher",
        "--student", "dir-student", "--personas-dir", "dir", "--db", "w.db", "--out", "w.jsonl",
        cwd=tmp_path, env={"TUTORFORGE_PATH": str(tmp_path / "env")},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    personas = {
        (rec["metadata"]["personas"]["teacher"]["name"], rec["metadata"]["personas"]["student"]["name"])
        for rec in read_jsonl(tmp_path / "w.jsonl")
    }
    assert personas == {("env-teacher", "dir-student")}


@pytest.mark.slow
def test_a_bad_persona_file_stops_a_multi_process_run_with_file_line_field(tmp_path):
    bad = write(tmp_path / "dir", "bad.toml", student("bad-student", misconceptions={"sign-slip": 2}))
    r = run("generate", "-n", "64", "--workers", "2", "--personas-dir", "dir", "--db", "x.db", cwd=tmp_path)
    assert r.returncode == 2
    assert f"dir/bad.toml:{line_of(bad, 'sign-slip')}: student.misconceptions.sign-slip:" in r.stderr
    assert "Traceback" not in r.stderr
