"""The physics subject end to end: generated, verified and exported offline with the scripted backend,
and run by an LLM backend (the OpenAI SDK over real HTTP to the fake server) with its personas' prompts."""

from __future__ import annotations

import random
import sqlite3
import sys
from collections import Counter

import pytest
from plugins_support import generate_raw

from tutorforge.cli import main
from tutorforge.dialogues.agents import DialogueView
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.prompts import student_messages, teacher_messages
from tutorforge.personas.loader import load_registry
from tutorforge.problems.generators import sample_problem
from tutorforge.subjects.physics.generators import FAMILIES


def test_physics_generates_verifies_and_exports_offline(tmp_path):
    args = ("--subject", "physics", "-n", "16", "--seed", "3", "--student", "unit-skipper")
    records = generate_raw(*args, cwd=tmp_path)
    assert 0 < len(records) <= 16
    assert all(rec["metadata"]["review_status"] == "approved" for rec in records)
    assert {rec["metadata"]["subject"] for rec in records} == {"physics"}
    assert {rec["metadata"]["family"] for rec in records} <= set(FAMILIES)
    assert {rec["metadata"]["personas"]["student"]["name"] for rec in records} == {"unit-skipper"}
    caught = Counter()
    unit_errors = ("unit-slip", "conversion-inverted")
    for rec in records:
        for label in rec["metadata"]["generator_labels"]:
            if label["kind"] == "student_misconception" and label["misconception"] in unit_errors:
                flags = {f["kind"] for f in rec["turns"][label["turn"]]["verdict"]["flags"]}
                caught["flagged" if flags & {"wrong_unit_conversion", "invalid_step"} else "missed"] += 1
                caught["conversion"] += "wrong_unit_conversion" in flags
    assert caught["flagged"] > 0 and caught["missed"] == 0 and caught["conversion"] > 0
    teacher_errors = [
        t
        for rec in records
        for t in rec["turns"]
        if t["role"] == "teacher" and t["verdict"]["status"] == "error"
    ]
    assert teacher_errors == []  # the physics teachers make no deliberate errors, and none is flagged falsely


def test_llm_prompts_carry_the_physics_personas():
    registry = load_registry(path_env="")
    problem = sample_problem(random.Random(1), subject="physics")
    teacher, student = registry.get("kinematics-tutor", "teacher"), registry.get("unit-skipper", "student")
    view = DialogueView(
        problem, teacher, student, registry.get("physics-critic", "critic"), [], random.Random(0), 10
    )
    system = teacher_messages(view)[0].content
    assert "Insist on units" in system and problem.statement in system and problem.answer in system
    student_system = student_messages(view)[0].content
    assert (
        "72 km/h is 72 m/s to you" in student_system
        and problem.answer not in student_system.split("Given:")[0]
    )


@pytest.fixture
def fake_server():
    with start_fake_server(FakeConfig(latency=0.0, teacher_turns=2, seed=1)) as running:
        yield running


def test_an_llm_backend_runs_physics_dialogues(fake_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-physics")
    monkeypatch.delenv("TUTORFORGE_PATH", raising=False)
    db = tmp_path / "llm.db"
    args = ["generate", "--subject", "physics", "-n", "3", "--backend", "openai", "--model", "gpt-4o-mini"]
    args += ["--base-url", fake_server.url + "/v1", "--db", str(db), "--max-turns", "6"]
    monkeypatch.setattr(sys, "argv", ["tutorforge", *args])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0, capsys.readouterr().err
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM dialogues GROUP BY status").fetchall())
        subjects = {row[0] for row in conn.execute("SELECT subject FROM problems")}
        calls = conn.execute("SELECT count(*) FROM llm_calls").fetchone()[0]
    assert statuses == {"complete": 3} and subjects == {"physics"}
    assert calls >= 3 * 2 and fake_server.log.counts  # real requests reached the server
