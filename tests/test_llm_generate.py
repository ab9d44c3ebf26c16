"""`tutorforge generate` with an LLM backend against the fake server: keys never leak, failures are
retried on rerun, revisions become preference pairs, the cost budget stops the run gracefully."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from factories import run_cli

from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.scripted_phrases import AFFIRM_WRONG

FAKE_KEY = "sk-test-LEAKCHECK-5f3c9a1e7b2d4c6a8e0f"


@pytest.fixture(scope="module")
def server():
    with start_fake_server(FakeConfig(latency=0.01, revise_rate=0.4, teacher_turns=3, seed=3)) as running:
        yield running


@pytest.fixture
def tutorforge(monkeypatch):
    """Run the command line in-process with the fake key set; returns (exit code, everything printed)."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.setenv(name, FAKE_KEY)

    def run(*args: str) -> tuple[int, str]:
        code, out, err = run_cli(*args)
        return code, out + err

    return run


def _generate(tutorforge, server, db: Path, *extra: str, backend: str = "openai") -> tuple[int, str]:
    url = server.url + ("/v1" if backend == "openai" else "")
    return tutorforge(
        "generate", "-n", "6", "--seed", "5", "--backend", backend, "--model", "gpt-4o-mini",
        "--base-url", url, "--db", str(db), "--concurrency", "3", "--max-turns", "8", *extra,
    )  # fmt: skip


def _files_containing(folder: Path, secret: str) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.parametrize("backend", ["openai", "anthropic"])
def test_fake_key_appears_nowhere(tutorforge, server, tmp_path, backend):
    db = tmp_path / "corpus.db"
    # The teacher's first two calls get a 401 whose message echoes the key, as real servers do.
    teacher = f"t-{backend}-fault-401x2"
    outputs = []
    export_now = ("--out", str(tmp_path / "a.jsonl"))
    code, out = _generate(tutorforge, server, db, "--teacher-model", teacher, *export_now, backend=backend)
    outputs.append(out)
    # failed dialogues: exit 1, the cause with its count, the command that resumes; a 401 stops the run
    assert code == 1, out
    assert "2 dialogues: http_401" in out and "resume with: tutorforge generate -n 6" in out
    assert "stopped early: the server refused the credentials (401/403); 3 dialogues not started" in out
    assert f"Bearer {FAKE_KEY}" in server.log.credentials
    with sqlite3.connect(db) as conn:
        failed = conn.execute("SELECT error FROM dialogues WHERE status = 'failed'").fetchall()
        errors = [e for (e,) in conn.execute("SELECT error FROM llm_calls WHERE status = 'failed'")]
    assert len(failed) == 2 and all("401" in e and "[redacted]" in e for (e,) in failed)
    assert len(errors) == 2 and all("Incorrect API key" in e for e in errors)

    code, out = _generate(tutorforge, server, db, "--teacher-model", teacher, backend=backend)
    outputs.append(out)
    assert code == 0 and "1 of 6 already done" in out, out
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT status, count(*) FROM dialogues GROUP BY status").fetchall())
        kept = conn.execute("SELECT count(*) FROM llm_calls WHERE status = 'failed'").fetchone()[0]
    assert statuses == {"complete": 6}  # the failed ones were redone
    assert kept == 2  # the calls of the failed attempts stay on record
    raw = tmp_path / "raw.jsonl"
    code, out = tutorforge(
        "export", "--db", str(db), "--format", "raw", "--include", "all", "--out", str(raw)
    )
    outputs.append(out)
    assert code == 0 and raw.stat().st_size > 0, out
    assert not any(FAKE_KEY in out or "LEAKCHECK" in out for out in outputs)
    assert _files_containing(tmp_path, "LEAKCHECK") == []


def test_revisions_are_stored_and_exported_as_preference_pairs(tutorforge, server, tmp_path):
    db = tmp_path / "corpus.db"
    code, out = _generate(tutorforge, server, db)
    assert code == 0, out
    with sqlite3.connect(db) as conn:
        drafts = conn.execute("SELECT count(*) FROM drafts").fetchone()[0]
        roles = dict(conn.execute("SELECT role, count(*) FROM llm_calls GROUP BY role").fetchall())
        cost = conn.execute("SELECT sum(cost_usd) FROM llm_calls").fetchone()[0]
        sources = {s for (s,) in conn.execute("SELECT DISTINCT price_source FROM llm_calls")}
    assert drafts > 0
    assert sources == {"genai-prices"}
    assert set(roles) == {"teacher", "student", "critic"}
    assert cost > 0  # genai-prices knows gpt-4o-mini
    pairs_file = tmp_path / "pairs.jsonl"
    code, out = tutorforge(
        "export", "--db", str(db), "--format", "dpo", "--include", "all", "--out", str(pairs_file)
    )
    assert code == 0, out
    pairs = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    assert pairs and all({"prompt", "chosen", "rejected"} <= set(p) for p in pairs)
    assert any(p["chosen"] != p["rejected"] for p in pairs)


def test_max_cost_is_never_overrun_and_a_rerun_keeps_every_paid_call(tutorforge, server, tmp_path):
    db = tmp_path / "corpus.db"
    code, out = _generate(tutorforge, server, db, "--concurrency", "2", "--max-cost", "0.002")
    assert code == 0, out
    assert "cost budget of $0.002 reached" in out
    with sqlite3.connect(db) as conn:
        done = conn.execute("SELECT count(*) FROM dialogues WHERE status = 'complete'").fetchone()[0]
        spent, calls = conn.execute("SELECT sum(cost_usd), count(*) FROM llm_calls").fetchone()
    assert done < 6 and calls > 2
    assert 0.001 < spent <= 0.002  # the calls in flight had their most possible cost held: never over
    code, out = _generate(tutorforge, server, db, "--concurrency", "1")
    assert code == 0, out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM dialogues WHERE status = 'complete'").fetchone()[0] == 6
        # the dialogues the budget stopped were redone; what their calls cost is still on record
        assert conn.execute("SELECT sum(cost_usd) FROM llm_calls").fetchone()[0] > spent


def test_mathdial_students_start_from_their_wrong_solution(tutorforge, server, tmp_path):
    record = {
        "qid": 7,
        "question": "Mia buys 3 packs of 12 pencils and gives away 5. How many pencils does she keep?",
        "ground_truth": "3 packs of 12 is 3 * 12 = 36 pencils.\n36 - 5 = 31 pencils are left.\n31",
        "student_profile": "Tomas is a 6th grader who rushes through subtraction.",
        "student_incorrect_solution": "3 + 12 = 15 pencils, and 15 - 5 = 10, so she keeps 10.",
    }
    problems = tmp_path / "mathdial.jsonl"
    problems.write_text(json.dumps(record) + "\n")
    code, out = _generate(
        tutorforge, server, tmp_path / "c.db", "--problems", str(problems), "--mathdial-students"
    )
    assert code == 0, out
    students = [s for s in server.log.systems if s.endswith("Your role: student.") and "Mia buys" in s]
    assert students and all(s.startswith("Tomas is a 6th grader") for s in students)
    assert all("15 - 5 = 10, so she keeps 10." in s and "31" not in s for s in students)


def test_sampling_per_role_from_the_run_config_reaches_the_requests(tutorforge, server, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        "[models]\nteacher = 'samp-teacher'\nstudent = 'samp-student'\ncritic = 'samp-critic'\n\n"
        "[sampling.teacher]\ntemperature = 0.25\nmax_tokens = 321\n\n"
        "[sampling.student]\nmax_tokens = 123\n"
    )
    code, out = tutorforge(
        "generate", "--config", str(config), "-n", "2", "--backend", "openai",
        "--base-url", server.url + "/v1", "--db", str(tmp_path / "s.db"), "--max-turns", "4",
    )  # fmt: skip
    assert code == 0, out
    seen = {p["model"]: p for p in list(server.log.params) if p["model"].startswith("samp-")}
    teacher, student = seen["samp-teacher"], seen["samp-student"]
    assert teacher["temperature"] == 0.25
    assert (teacher.get("max_completion_tokens") or teacher.get("max_tokens")) == 321
    assert (student.get("max_completion_tokens") or student.get("max_tokens")) == 123
    assert student["temperature"] == 0.9  # the student's default, not overridden


def test_bad_sampling_in_the_run_config_names_the_field(tutorforge, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text("[sampling.teacher]\ntemperature = 7\n")
    code, out = tutorforge("generate", "--config", str(config), "--db", str(tmp_path / "x.db"))
    assert code == 2
    assert "sampling.teacher.temperature" in out and str(config) in out


def test_a_dialogue_that_fails_midway_keeps_every_call_it_paid_for(tutorforge, server, tmp_path):
    """The teacher's first draft is made and paid for; the critic's call then fails for good (a 401):
    the failed dialogue's call records hold the teacher's call as well as the critic's."""
    db = tmp_path / "f.db"
    code, out = tutorforge(
        "generate", "-n", "2", "--backend", "openai", "--base-url", server.url + "/v1", "--db", str(db),
        "--teacher-model", "gpt-4o-mini", "--student-model", "gpt-4o-mini", "--critic-model", "fault-401",
    )  # fmt: skip
    assert code == 1 and "2 dialogues: http_401" in out, out
    with sqlite3.connect(db) as con:
        statuses = {s for (s,) in con.execute("SELECT status FROM dialogues")}
        calls = con.execute(
            "SELECT d.dialogue_id, c.role, c.status, c.cost_usd FROM dialogues d"
            " JOIN llm_calls c ON c.dialogue_id = d.dialogue_id ORDER BY c.id"
        ).fetchall()
    assert statuses == {"failed"}
    for did in {row[0] for row in calls}:
        mine = [(role, status, cost) for d, role, status, cost in calls if d == did]
        # a student with a misconception opens with its own attempt: one more paid call before the teacher
        paid = [("student", "ok")] if len(mine) == 3 else []
        assert [(role, status) for role, status, _ in mine] == [
            *paid,
            ("teacher", "ok"),
            ("critic", "failed"),
        ]
        assert mine[-2][2] > 0  # the teacher's call cost money, and the record says so


def test_request_timeout_bounds_each_attempt(tutorforge, server, tmp_path):
    """The teacher's first request hangs (60 s on the fake server): with --request-timeout 0.5 the attempt
    is given up as a timeout and retried, and the run completes."""
    db = tmp_path / "t.db"
    code, out = _generate(
        tutorforge, server, db, "-n", "1", "--teacher-model", "t-fault-timeoutx1", "--request-timeout", "0.5"
    )
    assert code == 0, out
    with sqlite3.connect(db) as conn:
        issues = [
            json.loads(i) for (i,) in conn.execute("SELECT issues_json FROM llm_calls WHERE role = 'teacher'")
        ]
    assert issues[0][:1] == ["timeout"]
    code, out = _generate(tutorforge, server, db, "--request-timeout", "nan")
    assert code == 2 and "--request-timeout" in out


def test_anthropic_with_a_base_url_needs_no_key(server, tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    code, out, err = run_cli(
        "generate", "-n", "1", "--backend", "anthropic", "--model", "claude-x", "--base-url", server.url,
        "--db", str(tmp_path / "a.db"), "--max-turns", "4",
    )  # fmt: skip
    assert code == 0, err
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    code, out, err = run_cli(
        "generate", "-n", "1", "--backend", "anthropic", "--model", "claude-x", "--db", str(tmp_path / "b.db")
    )
    assert code == 2 and "needs ANTHROPIC_API_KEY" in err
    assert not (tmp_path / "b.db").exists()  # a command rejected before any work leaves no database


def test_an_unpriced_model_with_a_budget_is_bad_input_before_the_run(tutorforge, server, tmp_path):
    db = tmp_path / "corpus.db"
    code, out = _generate(tutorforge, server, db, "--critic-model", "my-local-critic", "--max-cost", "1")
    assert code == 2, out
    assert "'my-local-critic'" in out and '[pricing."my-local-critic"]' in out
    assert not db.exists() and server.log.by_model["my-local-critic"] == 0


def test_an_unpriced_model_without_a_budget_is_a_warning_in_the_summary(tutorforge, server, tmp_path):
    db = tmp_path / "corpus.db"
    code, out = _generate(tutorforge, server, db, "-n", "2", "--critic-model", "my-local-critic")
    assert code == 0, out
    assert "warning: no price is known for my-local-critic" in out
    with sqlite3.connect(db) as conn:
        by_source = dict(
            conn.execute(
                "SELECT model, group_concat(DISTINCT price_source) FROM llm_calls"
                " WHERE cache_hit = 0 GROUP BY model"
            ).fetchall()
        )
    assert by_source == {"gpt-4o-mini": "genai-prices", "my-local-critic": ""}


def test_a_run_config_override_prices_a_local_model(tutorforge, server, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('[pricing."my-local-critic"]\ninput = 0.5\noutput = 1.0\n')
    db = tmp_path / "corpus.db"
    code, out = _generate(
        tutorforge, server, db, "-n", "2", "--critic-model", "my-local-critic", "--max-cost", "5",
        "--config", str(config),
    )  # fmt: skip
    assert code == 0, out
    assert "warning" not in out
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT DISTINCT price_source FROM llm_calls WHERE model = 'my-local-critic' AND cache_hit = 0"
        ).fetchall()
    assert rows == [("override",)]


def test_a_careless_teacher_run_stores_labelled_errors_and_every_teacher_plan(tutorforge, server, tmp_path):
    db = tmp_path / "careless.db"
    code, out = _generate(
        tutorforge, server, db, "-n", "10", "--teacher", "careless-teacher", "--max-revisions", "0"
    )
    assert code == 0, out
    with sqlite3.connect(db) as conn:
        labels = conn.execute(
            "SELECT l.misconception, l.detail, t.text, t.status FROM generator_labels l JOIN turns t"
            " ON t.dialogue_id = l.dialogue_id AND t.turn_index = l.turn_index WHERE l.kind = 'teacher_error'"
        ).fetchall()
    assert labels
    for kind, detail, text, status in labels:
        if kind == "false_arithmetic":  # a changed result, which the verifier catches
            assert f"= {detail.rsplit(' ', 1)[-1]}" in text and status == "error"
        else:  # after a student turn the verifier found wrong, the draft became a bare confirmation
            assert kind == "affirms_wrong_answer" and text in AFFIRM_WRONG
    with sqlite3.connect(db) as conn:
        moves = [m for (m,) in conn.execute("SELECT move FROM turns WHERE role = 'teacher'")]
    assert moves and all(m in ("focus", "probing", "telling", "generic") for m in moves)  # every one stored
    # the model was asked for a plan through structured outputs, and never asked to make mistakes
    teacher = [p for p in server.log.params if p.get("response_format", {}).get("type") == "json_schema"]
    assert teacher
    hale = [s for s in server.log.systems if "You are Mr. Hale" in s]
    assert hale and not any("without checking" in s for s in hale)
