"""The review policy: reasons in priority order, the deterministic audit sample, the run setting."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from math import sqrt

import pytest
from factories import make_record, run_cli
from pydantic import ValidationError
from review_corpus import with_teacher_error, with_wrong_final

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents
from tutorforge.personas.loader import load_registry
from tutorforge.review.policy import (
    AUDIT,
    QUEUE_ORDER,
    apply_policy,
    in_audit_sample,
    priority,
    priority_sql,
)
from tutorforge.verifiers import VerifyContext, close, verify_turn

IDS = [f"run-{k % 7}-{k:07d}" for k in range(20_000)]


def test_the_audit_sample_has_the_rate_and_is_nested() -> None:
    for rate in (0.05, 0.2):
        share = sum(in_audit_sample(i, rate) for i in IDS) / len(IDS)
        assert abs(share - rate) < 4.5 * sqrt(rate * (1 - rate) / len(IDS))
    small = {i for i in IDS if in_audit_sample(i, 0.05)}
    assert small <= {i for i in IDS if in_audit_sample(i, 0.2)}
    assert not any(in_audit_sample(i, 0.0) for i in IDS[:500])
    assert all(in_audit_sample(i, 1.0) for i in IDS[:500])


def test_every_process_draws_the_same_sample() -> None:
    code = (
        "import sys; from tutorforge.review.policy import in_audit_sample;"
        "print(''.join('1' if in_audit_sample(f'r-{k}', 0.3) else '0' for k in range(2000)))"
    )
    here = "".join("1" if in_audit_sample(f"r-{k}", 0.3) else "0" for k in range(2000))
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == here


def test_clean_dialogues_are_approved_or_audited_flagged_ones_keep_their_reasons() -> None:
    audited = next(i for i in range(200) if in_audit_sample(make_record(i).dialogue_id, 0.05))
    clean = next(i for i in range(200) if not in_audit_sample(make_record(i).dialogue_id, 0.05))
    record = make_record(audited)
    apply_policy(record, audit_rate=0.05)
    assert (record.review_status, record.review_reasons) == ("pending", [AUDIT])
    record = make_record(audited)
    apply_policy(record)  # the default rate is 0: callers that do not audit see no change
    assert (record.review_status, record.review_reasons) == ("approved", [])
    record = make_record(clean)
    apply_policy(record, audit_rate=0.05)
    assert (record.review_status, record.review_reasons) == ("approved", [])
    record = make_record(audited, status="failed")
    apply_policy(record, audit_rate=1.0)
    assert record.review_status == "approved" and record.review_reasons == []
    record = with_wrong_final(with_teacher_error(make_record(audited)))
    apply_policy(record, audit_rate=1.0, critic_unparseable=True)
    assert record.review_reasons == ["teacher_error", "wrong_final_answer", "critic_unparseable"]


def test_priority_in_python_and_in_sql_agree() -> None:
    conn = sqlite3.connect(":memory:")
    cases = [[r] for r in QUEUE_ORDER] + [[], ["something_else"], ["critic_rejected", "audit"]]
    for reasons in cases:
        literal = "'" + str(reasons).replace("'", '"') + "'"
        assert conn.execute(f"SELECT {priority_sql(literal)}").fetchone()[0] == priority(reasons)
    assert priority(["teacher_error"]) == 1 < priority(["wrong_final_answer"]) < priority([AUDIT])


def test_audit_rate_is_a_run_setting_that_does_not_change_the_run() -> None:
    assert GenerateConfig().audit_rate == 0.05
    assert GenerateConfig(audit_rate=0.5).run_id() == GenerateConfig().run_id()
    with pytest.raises(ValidationError):
        GenerateConfig(audit_rate=1.5)
    code, _, err = run_cli("generate", "-n", "1", "--audit-rate", "2", "--db", "/nonexistent/x.db")
    assert code == 2 and "--audit-rate" in err


def test_the_runner_applies_the_configured_audit_rate() -> None:
    def statuses(rate: float) -> list[tuple[str, list[str]]]:
        cfg = GenerateConfig(seed=3, audit_rate=rate, teacher="socratic-teacher", student="careful-student")
        factory = DialogueFactory(cfg, load_registry(), ScriptedAgents())
        records = [asyncio.run(factory.run(i)) for i in range(12)]
        return [(r.review_status, r.review_reasons) for r in records]

    none, every = statuses(0.0), statuses(1.0)
    clean = [i for i, (status, _) in enumerate(none) if status == "approved"]
    assert len(clean) >= 6
    assert all(every[i] == ("pending", [AUDIT]) for i in clean)
    assert all(every[i] == none[i] for i in range(12) if i not in clean)


def _teacher_says(record, text: str, turn: int = 2, timeout: float = 0.5):
    """Teacher turn `turn` says `text`, with the real verifier's verdict on it."""
    t = record.turns[turn]
    assert t.role == "teacher"
    t.text = text
    ctx = VerifyContext(record.problem.statement, record.problem.answer)
    t.verdict = verify_turn(text, "teacher", ctx, timeout=timeout)
    return record


def test_an_unverifiable_teacher_turn_sends_the_dialogue_to_review_with_its_cause() -> None:
    clean = next(i for i in range(200) if not in_audit_sample(make_record(i).dialogue_id, 1e-9))
    record = _teacher_says(make_record(clean), "Look: 2 + 2 = " + "4" * 4_301)
    assert record.turns[2].verdict.status == "unverifiable"
    apply_policy(record)
    assert (record.review_status, record.review_reasons) == ("pending", ["unverifiable: number too long"])
    # each cause once, after the error reasons
    record = with_teacher_error(_teacher_says(make_record(clean), "±" * 22 + "1 = 1", turn=4))
    _teacher_says(record, "Then " + "9" * 2_000 + " + 1 = 3", turn=0)
    apply_policy(record)
    assert record.review_reasons == [
        "teacher_error",
        "unverifiable: number too long",
        "unverifiable: too many alternatives",
    ]
    assert priority(record.review_reasons) == 1


def test_a_claim_that_timed_out_is_named() -> None:
    # an integral goes to the worker pool, and no worker answers within a microsecond
    record = _teacher_says(make_record(0), "Here: $\\int_0^1 x^2 \\, dx = 1/3$", timeout=1e-6)
    assert record.turns[2].verdict.status == "unverifiable"
    apply_policy(record)
    assert record.review_reasons == ["unverifiable: claim timed out"]
    close()


def test_unverifiable_student_turns_and_the_setting_turned_off_change_nothing() -> None:
    clean = next(i for i in range(200) if not in_audit_sample(make_record(i).dialogue_id, 0.05))
    record = _teacher_says(make_record(clean), "Look: 2 + 2 = " + "4" * 4_301)
    apply_policy(record, review_unverifiable=False, audit_rate=0.05)
    assert (record.review_status, record.review_reasons) == ("approved", [])
    record = make_record(clean)
    student = record.turns[1]
    student.verdict = verify_turn("2 + 2 = " + "4" * 4_301, "student", VerifyContext("p", "4"))
    assert student.verdict.status == "unverifiable"
    apply_policy(record)
    assert (record.review_status, record.review_reasons) == ("approved", [])


def test_review_unverifiable_is_an_execution_setting_on_by_default() -> None:
    assert GenerateConfig().review_unverifiable is True
    assert GenerateConfig(review_unverifiable=False).run_id() == GenerateConfig().run_id()


def test_a_reason_with_a_detail_is_queued_by_its_code() -> None:
    conn = sqlite3.connect(":memory:")
    for reasons in (["unverifiable: claim timed out"], ["unverifiable: number too long", "audit"], ["audit"]):
        literal = "'" + str(reasons).replace("'", '"') + "'"
        assert conn.execute(f"SELECT {priority_sql(literal)}").fetchone()[0] == priority(reasons)
    assert priority(["critic_unparseable"]) < priority(["unverifiable: claim timed out"]) < priority([AUDIT])
