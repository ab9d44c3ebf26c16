"""The review policy's pedagogy rule: dialogues ending unsolved, repeating a wrong answer or revealing
against a "never" policy are queued (or excluded), never auto-approved."""

from __future__ import annotations

import asyncio
import dataclasses

from factories import make_record

from tutorforge import verifiers
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents
from tutorforge.personas.loader import load_registry
from tutorforge.review.policy import apply_policy, pedagogy_reasons
from tutorforge.storage.record import Turn
from tutorforge.verifiers.types import Flag, TurnVerdict, VerifyContext


def _student_turns(record, texts: list[str]) -> None:
    """Append student turns (each after a short teacher turn) verified by the real verifier."""
    p = record.problem
    ctx = VerifyContext(p.statement, p.answer, list(p.unknowns), steps=[s.claim for s in p.steps])
    for text in texts:
        n = len(record.turns)
        record.turns.append(
            Turn(n, "teacher", "Try that step again.", "hint", TurnVerdict("no_claims", [], 0))
        )
        record.turns.append(
            Turn(n + 1, "student", text, "attempt", verifiers.verify_turn(text, "student", ctx))
        )


def test_a_clean_solved_dialogue_is_approved():
    record = make_record(0)
    apply_policy(record, reveal_policy="never")
    assert record.review_status == "approved" and record.review_reasons == []


def test_unsolved_at_the_turn_limit_is_queued_or_excluded():
    for end in ("max_turns", "ended_by_agent"):
        record = make_record(0, end_reason=end)
        apply_policy(record)
        assert record.review_status == "pending" and record.review_reasons == ["unsolved"]
        apply_policy(record, exclude=True)
        assert record.review_status == "rejected" and record.review_reasons == ["unsolved"]
    failed = make_record(1, status="failed")
    assert pedagogy_reasons(failed) == []  # a failed dialogue is regenerated, not judged


def test_the_same_wrong_answer_three_times_is_queued_twice_is_not():
    first = make_record(2).problem.steps[0]
    wrong = f"{first.claim.split('=')[0].strip()} = {int(first.result) + 1}"
    twice, thrice = make_record(2), make_record(2)
    _student_turns(twice, [f"I think {wrong}.", f"Still {wrong}."])
    _student_turns(thrice, [f"I think {wrong}.", f"Still {wrong}.", f"It is {wrong}, I'm sure."])
    assert all(any(f.severity == "error" for f in t.verdict.flags) for t in thrice.turns[-5::2])
    assert "repeated_wrong_answer" not in pedagogy_reasons(twice)
    assert "repeated_wrong_answer" in pedagogy_reasons(thrice)
    # three different wrong answers are not a repetition
    other = make_record(2)
    lhs = first.claim.split("=")[0].strip()
    _student_turns(other, [f"{lhs} = {int(first.result) + k}" for k in (1, 2, 3)])
    assert "repeated_wrong_answer" not in pedagogy_reasons(other)


def test_revealing_counts_only_against_a_never_policy():
    record = make_record(3)
    record.turns[4] = dataclasses.replace(record.turns[4], act="reveal")
    assert pedagogy_reasons(record, "never") == ["reveal_against_policy"]
    assert pedagogy_reasons(record, "after_attempts") == []
    flagged = make_record(3)
    told = Flag("reveals_answer", "info", "x = 5", (0, 5), "states the answer first")
    flagged.turns[0] = dataclasses.replace(flagged.turns[0], verdict=TurnVerdict("ok", [told], 1))
    apply_policy(flagged, reveal_policy="never")
    assert flagged.review_status == "pending" and flagged.review_reasons == ["reveal_against_policy"]


def test_generated_dialogues_that_end_unsolved_are_never_auto_approved():
    registry = load_registry()
    for setting in ("review", "exclude"):
        config = GenerateConfig(seed=4, max_turns=4, pedagogy_review=setting, audit_rate=0)
        factory = DialogueFactory(config, registry, ScriptedAgents())
        records = [asyncio.run(factory.run(i)) for i in range(12)]
        unsolved = [r for r in records if r.end_reason != "solved"]
        assert unsolved
        for r in unsolved:
            assert "unsolved" in r.review_reasons
            assert r.review_status == ("pending" if setting == "review" else "rejected")


def test_the_settings_come_from_a_run_config(tmp_path):
    from tutorforge.dialogues.run_config import load_run_config

    path = tmp_path / "run.toml"
    path.write_text('opening = "tutor"\npedagogy_review = "exclude"\n', encoding="utf-8")
    config = GenerateConfig.model_validate(load_run_config(path).settings)
    assert (config.opening, config.pedagogy_review) == ("tutor", "exclude")
    # excluding instead of queueing decides no content: the run id stays; the opening does
    assert config.run_id() == GenerateConfig(opening="tutor").run_id() != GenerateConfig().run_id()
