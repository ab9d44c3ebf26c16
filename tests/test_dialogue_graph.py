"""The real LangGraph graph with the scripted agents, the real verifier and the built-in personas."""

from __future__ import annotations

import asyncio
import random

import pytest

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents, corrupt_claim
from tutorforge.personas.loader import load_registry
from tutorforge.problems.generators import FAMILIES


def factory(**settings) -> DialogueFactory:
    return DialogueFactory(GenerateConfig(**settings), load_registry(), ScriptedAgents())


def run(f: DialogueFactory, index: int):
    return asyncio.run(f.run(index))


def test_careful_student_reaches_the_answer_and_teacher_closes():
    f = factory(teacher="socratic-teacher", student="careful-student", seed=3)
    solved = 0
    for i in range(20):
        rec = run(f, i)
        assert rec.status == "complete", rec.error
        assert [t.role for t in rec.turns] == ["teacher", "student"] * (len(rec.turns) // 2) + (
            ["teacher"] if len(rec.turns) % 2 else []
        )
        assert len(rec.turns) >= 4
        solved += rec.end_reason == "solved"
        if rec.end_reason == "solved":
            assert rec.turns[-1].role == "teacher" and rec.turns[-1].act == "close"
            assert rec.turns[-2].act == "final_answer"
    assert solved >= 17


def test_teacher_reacts_to_the_misconception_the_student_made():
    f = factory(
        teacher="socratic-teacher", student="fraction-adder", families=["fraction_arithmetic"], seed=1
    )
    reacted = 0
    for i in range(30):
        rec = run(f, i)
        for label in rec.labels:
            if label.kind == "student_misconception" and label.misconception == "fraction-add-across":
                wrong, reply = rec.turns[label.turn], rec.turns[label.turn + 1]
                assert wrong.role == "student" and wrong.verdict.status == "error"
                assert reply.act in {"hint", "reveal"}
                # the reply addresses this misconception, never another one
                assert reply.target == "fraction-add-across" and reply.move in {"probing", "focus", "telling"}
                reacted += 1
    assert reacted >= 5


def test_careless_teacher_errors_are_labelled_flagged_and_queued():
    f = factory(teacher="careless-teacher", critic="pedagogy-critic", max_revisions=0, seed=5)
    labelled = pending = 0
    for i in range(60):
        rec = run(f, i)
        teacher_labels = [lb for lb in rec.labels if lb.kind == "teacher_error"]
        labelled += bool(teacher_labels)
        for lb in teacher_labels:
            turn = rec.turns[lb.turn]
            assert turn.role == "teacher"
            assert any(fl.kind == lb.misconception for fl in turn.verdict.flags), (turn.text, lb)
        if teacher_labels:
            assert rec.review_status == "pending"
            pending += 1
    assert labelled >= 10 and pending == labelled


def test_critic_revisions_keep_every_draft():
    # With max_revisions 2 a flagged draft may be sent back; every draft sent back is kept on the turn.
    f = factory(teacher="careless-teacher", max_revisions=2, seed=11)
    drafts = 0
    for i in range(80):
        rec = run(f, i)
        for t in rec.turns:
            for d in t.drafts:
                drafts += 1
                assert d.critic["verdict"] == "revise" and d.verdict.has_error
                assert d.text != t.text
    assert drafts >= 3


def test_same_seed_same_dialogue_other_seed_differs():
    a = [run(factory(seed=7), i) for i in range(10)]
    b = [run(factory(seed=7), i) for i in range(10)]
    c = [run(factory(seed=8), i) for i in range(10)]
    texts = lambda rs: [[t.text for t in r.turns] for r in rs]  # noqa: E731
    assert texts(a) == texts(b)
    assert texts(a) != texts(c)
    assert [r.dialogue_id for r in a] == [r.dialogue_id for r in b]


def test_max_turns_bounds_the_dialogue():
    f = factory(student="word-problem-struggler", teacher="socratic-teacher", max_turns=4, seed=2)
    for i in range(10):
        rec = run(f, i)
        assert len(rec.turns) <= 4
        if rec.end_reason == "max_turns":
            assert len(rec.turns) == 4


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_runs_clean_with_a_careful_student(family):
    f = factory(families=[family], student="careful-student", teacher="worked-example-teacher", seed=4)
    for i in range(5):
        rec = run(f, i)
        assert rec.status == "complete", rec.error
        teacher_errors = [
            fl for t in rec.turns if t.role == "teacher" for fl in t.verdict.flags if fl.severity == "error"
        ]
        assert not teacher_errors, [(fl.kind, fl.claim, fl.detail) for fl in teacher_errors]


def test_corrupt_claim_changes_only_the_result():
    rng = random.Random(0)
    for _ in range(50):
        bad, value = corrupt_claim("12 + 3 = 15", rng)
        assert bad.startswith("12 + 3 = ") and value != "15" and bad.endswith(value)
    assert corrupt_claim("d/dx x^3 = 3x^2", rng) is None
