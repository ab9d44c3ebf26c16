"""Prompts from personas and the LLM agents against the fake server, through the real SDK."""

from __future__ import annotations

import json
import random

import pytest

from tutorforge.dialogues.agents import DialogueView, Utterance
from tutorforge.llm.agents import LLMAgents
from tutorforge.llm.calls import Caller, RetryPolicy, RoleModel
from tutorforge.llm.critique import DIMENSIONS, parse_critic
from tutorforge.llm.failures import CallFailed
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.openai_backend import OpenAIBackend
from tutorforge.llm.prompts import critic_messages, fill, student_messages, teacher_messages
from tutorforge.personas.loader import load_registry
from tutorforge.problems.model import Problem, Step
from tutorforge.storage.record import Turn
from tutorforge.verifiers.types import Flag, TurnVerdict

ANSWER = "4217"
STEP = "Multiply 4200 by one and add SEVENTEEN-STEP to reach the total."


def _view(turns: list[tuple[str, str]] = (), **meta) -> DialogueView:
    registry = load_registry()
    statement = "A farm has 4200 hens and gets 17 more. How many hens are there?"
    problem = Problem(
        problem_id="p-1",
        statement=statement,
        answer=ANSWER,
        steps=[Step(ask="Add them?", text=STEP, claim="4200 + 17 = 4217", result=ANSWER)],
        family="test",
        meta=meta,
    )
    view = DialogueView(
        problem,
        registry.get("socratic-teacher"),
        registry.get("careful-student"),
        registry.get("pedagogy-critic"),
        [],
        random.Random(7),
        12,
    )
    for role, text in turns:
        view.turns.append(Turn(len(view.turns), role, text, "say", TurnVerdict("no_claims")))
    return view


def test_student_never_sees_the_reference_answer_or_steps():
    view = _view([("teacher", "How many hens at first?"), ("student", "4200 hens.")])
    student = "\n".join(m.content for m in student_messages(view))
    teacher = "\n".join(m.content for m in teacher_messages(view))
    assert ANSWER not in student and "SEVENTEEN-STEP" not in student
    assert view.problem.statement in student
    assert f"Reference answer: {ANSWER}" in teacher and "SEVENTEEN-STEP" in teacher


def test_each_agent_sees_its_own_turns_as_assistant():
    view = _view([("teacher", "T1"), ("student", "S1"), ("teacher", "T2"), ("student", "S2")])
    teacher = teacher_messages(view)
    student = student_messages(view)
    assert [m.role for m in teacher] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert [(m.role, m.content) for m in teacher[2:]] == [
        ("assistant", "T1"),
        ("user", "S1"),
        ("assistant", "T2"),
        ("user", "S2"),
    ]
    assert [(m.role, m.content) for m in student[1:]] == [
        ("user", "T1"),
        ("assistant", "S1"),
        ("user", "T2"),
        ("assistant", "S2"),
    ]
    assert teacher[0].content.endswith("Your role: teacher.")
    assert student[0].content.endswith("Your role: student.")


def test_persona_prompt_is_filled_and_feedback_reaches_the_teacher():
    assert fill("Hi {display_name}: {problem} {other} {}", "2+2?", "Ada") == "Hi Ada: 2+2? {other} {}"
    view = _view([("teacher", "T1"), ("student", "S1")])
    messages = teacher_messages(view, "Do not give the answer away.")
    assert messages[-1].role == "user"
    assert messages[-1].content.startswith("S1") and "Do not give the answer away." in messages[-1].content
    assert view.teacher.display_name in messages[0].content


def test_critic_sees_draft_dialogue_and_verdict():
    view = _view([("teacher", "How many hens?"), ("student", "4200 + 17 = 4300")])
    verdict = TurnVerdict(
        "error", [Flag("false_arithmetic", "4200 + 17 = 4300", (0, 16), "left side is 4217")]
    )
    system, case = critic_messages(view, "Great, 4300 is right!", verdict)
    assert all(name in system.content for name in DIMENSIONS) and '"verdict"' in system.content
    assert "Student: 4200 + 17 = 4300" in case.content
    assert "Great, 4300 is right!" in case.content
    assert "false_arithmetic" in case.content and "left side is 4217" in case.content


def test_mathdial_student_starts_from_its_wrong_solution():
    view = _view(
        [("teacher", "Walk me through it.")],
        student_profile="Kayla is a confident 7th grader who rushes.",
        student_incorrect_solution="4200 - 17 = 4183 hens.",
    )
    system = student_messages(view, mathdial=True)[0].content
    assert system.startswith("Kayla is a confident 7th grader")
    assert "4200 - 17 = 4183 hens." in system and ANSWER not in system


def test_critic_labels_follow_mrbench():
    reply = {name: labels[0] for name, labels in DIMENSIONS.items()} | {"verdict": "accept"}
    assert parse_critic(json.dumps(reply)).scores()["tutor_tone"] == "Encouraging"
    assert parse_critic(json.dumps(reply | {"coherence": "Maybe"})) is None
    assert parse_critic("not json at all") is None
    assert DIMENSIONS["revealing_of_the_answer"][1] == "Yes (but the revealed answer is incorrect)"


@pytest.fixture(scope="module")
def server():
    with start_fake_server(FakeConfig(teacher_turns=2)) as running:
        yield running


def _agents(server, critic_model: str = "critic-m", teacher_model: str = "teacher-m") -> LLMAgents:
    backend = OpenAIBackend("sk-test-agents-0123456789abcdef", server.url + "/v1")
    roles = {
        "teacher": RoleModel(backend, teacher_model),
        "student": RoleModel(backend, "student-m"),
        "critic": RoleModel(backend, critic_model, temperature=0.0),
    }
    return LLMAgents(roles, Caller(policy=RetryPolicy(attempts=2, base_delay=0.01)))


async def test_teacher_closes_with_the_end_marker(server):
    agents = _agents(server)
    view = _view()
    first = await agents.teacher(view, None)
    assert first.act == "open" and not first.ends and first.calls[0]["role"] == "teacher"
    view.turns.append(Turn(0, "teacher", first.text, first.act, TurnVerdict("no_claims")))
    student = await agents.student(view)
    assert student.text and student.calls[0]["role"] == "student"
    view.turns.append(Turn(1, "student", student.text, student.act, TurnVerdict("no_claims")))
    closing = await agents.teacher(view, None)
    assert closing.ends and closing.act == "close"
    assert "[END]" not in closing.text and closing.text


async def test_critic_reply_is_parsed_into_a_decision(server):
    decision = await _agents(server).critic(_view(), Utterance("What do we know?"), TurnVerdict("no_claims"))
    assert decision.verdict == "accept" and not decision.unparseable
    assert set(decision.scores) == set(DIMENSIONS)
    assert len(decision.calls) == 1


async def test_unparseable_critic_gets_one_retry(server):
    model = f"critic-{random.getrandbits(32):x}-fault-lengthx1"  # the first reply is cut mid-JSON
    decision = await _agents(server, critic_model=model).critic(_view(), Utterance("Hi"), TurnVerdict("ok"))
    assert not decision.unparseable and len(decision.calls) == 2
    assert server.log.by_model[model] == 2


async def test_critic_unparseable_twice_accepts_and_says_so(server):
    model = f"critic-{random.getrandbits(32):x}-fault-length"
    decision = await _agents(server, critic_model=model).critic(_view(), Utterance("Hi"), TurnVerdict("ok"))
    assert decision.verdict == "accept" and decision.unparseable
    assert len(decision.calls) == 2 and server.log.by_model[model] == 2


async def test_verifier_error_sends_the_draft_back_and_the_critic_verdict_stays_its_own(server):
    verdict = TurnVerdict("error", [Flag("false_arithmetic", "3 + 4 = 8", (0, 9), "left side is 7, not 8")])
    decision = await _agents(server).critic(_view(), Utterance("Yes, 3 + 4 = 8."), verdict)
    assert decision.revise and decision.forced_by_verifier
    assert decision.to_dict()["verdict"] == "accept" and decision.feedback == ""  # what the critic said
    assert "3 + 4 = 8" in decision.note and "left side is 7" in decision.note
    clean = await _agents(server).critic(_view(), Utterance("What do we know?"), TurnVerdict("no_claims"))
    assert not clean.revise and not clean.forced_by_verifier and clean.note == ""


async def test_failed_call_carries_its_record(server):
    agents = _agents(server, teacher_model="teacher-fault-500")
    with pytest.raises(CallFailed) as failed:
        await agents.teacher(_view(), None)
    assert failed.value.calls[0]["status"] == "failed" and failed.value.calls[0]["attempts"] == 2
