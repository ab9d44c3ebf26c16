"""LLM mode against the fake server, through the real SDKs over HTTP and the real graph: the teacher's
hidden plan, the critic's request and rules, revision with the rejected draft, injected teacher errors."""

from __future__ import annotations

import asyncio
import random

import pytest

from tutorforge.dialogues.agents import DialogueView, Utterance
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.agents import LLMAgents
from tutorforge.llm.anthropic_backend import AnthropicBackend
from tutorforge.llm.calls import Caller, RetryPolicy, RoleModel
from tutorforge.llm.careless import inject_error, nudge_result
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.openai_backend import OpenAIBackend
from tutorforge.llm.plan import MOVES, parse_plan
from tutorforge.llm.prompts import teacher_messages
from tutorforge.personas.loader import load_registry
from tutorforge.problems.model import Problem, Step
from tutorforge.storage.record import DialogueRecord, Turn
from tutorforge.verifiers.types import Flag, TurnVerdict

KEY = "sk-test-pedagogy-0123456789abcdef"


@pytest.fixture(scope="module")
def server():
    with start_fake_server(FakeConfig(teacher_turns=3, seed=2)) as running:
        yield running


def _unique(name: str) -> str:
    return f"{name}-{random.getrandbits(32):x}"


def _agents(server, flavour: str, models: dict[str, str], *, mathdial: bool = False) -> LLMAgents:
    if flavour == "openai":
        backend = OpenAIBackend(KEY, server.url + "/v1")
    else:
        backend = AnthropicBackend(KEY, server.url)
    roles = {role: RoleModel(backend, model, temperature=0.0) for role, model in models.items()}
    return LLMAgents(roles, Caller(policy=RetryPolicy(attempts=2, base_delay=0.01)), mathdial=mathdial)


def _models(**names: str) -> dict[str, str]:
    return {role: _unique(names.get(role, role)) for role in ("teacher", "student", "critic")}


def _run(server, flavour: str, models: dict[str, str], n: int, *, mathdial=False, problems=None, **settings):
    config = GenerateConfig(backend=flavour, models=models, max_turns=8, **settings)

    async def go() -> list[DialogueRecord]:
        agents = _agents(server, flavour, models, mathdial=mathdial)
        factory = DialogueFactory(config, load_registry(), agents, problems=problems)
        try:
            return [await factory.run(i) for i in range(n)]
        finally:
            await agents.aclose()

    return asyncio.run(go())


def _prompts(server, role: str, marker: str, model: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """(system, turns) of every request of `role` (to `model`) whose system or turns contain `marker`."""
    return [
        (system, turns)
        for m, r, system, turns in server.log.prompts
        if r == role and m.startswith(model) and (marker in system or any(marker in t for _, t in turns))
    ]


def _sent(server, model: str) -> list[dict]:
    return [p for p in server.log.params if p["model"] == model]


@pytest.mark.parametrize("flavour", ["openai", "anthropic"])
def test_every_teacher_turn_has_a_move_and_the_plan_stays_out_of_the_text(server, flavour):
    models = _models()
    records = _run(server, flavour, models, 3, teacher="socratic-teacher", seed=2)
    teacher_turns = [t for r in records for t in r.turns if t.role == "teacher"]
    assert all(r.status == "complete" for r in records) and len(teacher_turns) >= 6
    assert all(t.move in MOVES for t in teacher_turns)
    assert {"probing", "telling", "generic"} <= {t.move for t in teacher_turns}
    assert not any('"move"' in t.text or "{" in t.text or "[END]" in t.text for t in teacher_turns)
    # native structured outputs: OpenAI's json_schema response_format, Anthropic's forced tool
    for role, name in (("teacher", "tutor_turn"), ("critic", "critic_verdict")):
        for params in _sent(server, models[role]):
            if flavour == "openai":
                assert params["response_format"]["json_schema"]["name"] == name
                assert params["response_format"]["json_schema"]["strict"] is True
            else:
                assert params["tool_choice"] == {"type": "tool", "name": name}
                assert params["tools"][0]["input_schema"]["required"][-1] in ("message", "feedback")
    assert all("response_format" not in p and "tools" not in p for p in _sent(server, models["student"]))


def test_a_server_without_structured_outputs_still_yields_plans_parsed_from_text(server):
    models = _models(teacher="teacher-plain-json", critic="critic-plain-json")
    (record,) = _run(server, "openai", models, 1, teacher="socratic-teacher", seed=4)
    teacher_turns = [t for t in record.turns if t.role == "teacher"]
    assert teacher_turns and all(t.move in MOVES for t in teacher_turns)
    assert not any("```" in t.text or "Here is my reply" in t.text for t in teacher_turns)
    assert all(t.critic["scores"] for t in teacher_turns)  # the critic's JSON came out of its text too


def test_a_plan_is_read_from_text_and_an_unknown_move_is_not_guessed():
    plan = parse_plan('Sure!\n```json\n{"move": "Probing", "target": "Sign Slip", "message": "Why +3?"}\n```')
    assert (plan.move, plan.target, plan.message) == ("probing", "sign-slip", "Why +3?")
    assert parse_plan('{"move": "lecture", "target": "none", "message": "Hi."}').move == ""
    assert parse_plan('{"move": "focus", "target": "", "message": "  "}') is None
    assert parse_plan("Just prose, no plan.") is None


def test_the_critic_sees_the_policy_the_reference_steps_and_the_students_flags(server):
    models = _models()
    (record,) = _run(server, "openai", models, 1, teacher="socratic-teacher", seed=5)
    steps = [s.text for s in record.problem.steps]
    cases = [turns[-1][1] for _, turns in _prompts(server, "critic", record.problem.statement)]
    assert cases and steps
    for case in cases:
        assert "reveal policy (never)" in case and "Never state the final answer yourself" in case
        assert all(step in case for step in steps)
        assert "The automatic verifier's findings on the student's last turn:" in case


def _view(teacher: str = "socratic-teacher", student_says: str = "", flags=()) -> DialogueView:
    registry = load_registry()
    problem = Problem(
        problem_id="p-ped",
        statement="Tom has 12 marbles and wins 3 more. How many marbles does he have?",
        answer="15",
        steps=[Step(ask="Add?", text="He has 12 + 3 = 15 marbles.", claim="12 + 3 = 15", result="15")],
        family="test",
    )
    view = DialogueView(
        problem,
        registry.get(teacher),
        registry.get("careful-student"),
        registry.get("pedagogy-critic"),
        [],
        random.Random(3),
        12,
    )
    view.turns.append(Turn(0, "teacher", "How many marbles now?", "open", TurnVerdict("no_claims")))
    if student_says:
        verdict = TurnVerdict("error" if flags else "ok", list(flags), 1)
        view.turns.append(Turn(1, "student", student_says, "attempt", verdict))
    return view


async def _decide(server, critic_model: str, view: DialogueView):
    agents = _agents(server, "openai", _models(critic=critic_model))
    try:
        return await agents.critic(view, Utterance("What do you get when you add them?"), TurnVerdict("ok"))
    finally:
        await agents.aclose()


async def test_revealing_under_a_never_policy_means_revise(server):
    never = await _decide(server, "critic-reveals", _view("socratic-teacher", "12 + 3 = 15"))
    assert never.verdict == "revise" and not never.forced_by_verifier
    assert "never state the answer" in never.feedback and never.feedback in never.note
    allowed = await _decide(server, "critic-reveals", _view("worked-example-teacher", "12 + 3 = 15"))
    assert allowed.verdict == "accept" and not allowed.revise


async def test_a_student_error_left_unaddressed_means_revise_and_none_is_not_applicable(server):
    wrong = "12 + 3 = 16"
    flag = Flag("false_arithmetic", wrong, (0, len(wrong)), "the left side is 15, the right side is 16")
    missed = await _decide(server, "critic-misses", _view(student_says=wrong, flags=[flag]))
    assert missed.verdict == "revise" and "does not address" in missed.feedback
    (case,) = [t[-1][1] for _, t in _prompts(server, "critic", "12 + 3 = 16", "critic-misses")]
    assert "false_arithmetic: '12 + 3 = 16': the left side is 15, the right side is 16" in case
    fine = await _decide(server, "critic-misses", _view(student_says="12 + 3 = 15"))
    assert fine.verdict == "accept"
    assert fine.scores["mistake_identification"] == "Not applicable" == fine.scores["mistake_location"]


def test_careless_teacher_errors_are_injected_by_code_and_labelled(server):
    models = _models()
    records = _run(server, "openai", models, 8, teacher="careless-teacher", seed=3, max_revisions=0)
    labels = [(r, label) for r in records for label in r.labels if label.kind == "teacher_error"]
    assert labels, "a careless-teacher run has labelled teacher errors"
    for record, label in labels:
        turn = record.turns[label.turn]
        assert turn.role == "teacher" and label.misconception == "false_arithmetic"
        wrong = label.detail.rsplit(" ", 1)[-1]
        assert f"= {wrong}" in turn.text and turn.verdict.has_error  # the verifier catches the change
    careful = _run(server, "openai", _models(), 8, teacher="socratic-teacher", seed=3, max_revisions=0)
    assert not any(label.kind == "teacher_error" for r in careful for label in r.labels)
    # the model is never asked to make mistakes
    systems = [s for s, _ in _prompts(server, "teacher", "Mr. Hale")]
    assert systems and not any("rarely double-check" in s or "without checking" in s for s in systems)


def test_a_teacher_asked_to_revise_sees_its_draft_and_the_reason_in_plain_words(server):
    models = _models()
    records = _run(server, "openai", models, 8, teacher="careless-teacher", seed=3, max_revisions=2)
    forced = [
        (r, t, d) for r in records for t in r.turns for d in t.drafts if d.forced_by_verifier and t.index
    ]
    assert forced
    record, turn, draft = forced[0]
    assert draft.critic["verdict"] == "accept" and draft.rejected_by == ["verifier"]  # the critic's word kept
    requests = _prompts(server, "teacher", draft.text, models["teacher"])
    (turns,) = [t for _, t in requests if t[-1][0] == "user" and t[-2] == ("assistant", draft.text)]
    note = turns[-1][1]
    claim = draft.verdict.flags[0].claim
    assert note.startswith("[Your last message was not sent")
    assert f"It says '{claim}', which is not right" in note
    assert "false_arithmetic" not in note  # plain words, not the verifier's kind names


def _mathdial_problem() -> Problem:
    return Problem(
        problem_id="p-md",
        statement="Julia bought spoons, got 5 more, used 3 and has 12. How many were in her package?",
        answer="10",
        steps=[Step(ask="Total?", text="12 + 3 = 15 spoons in all.", claim="12 + 3 = 15", result="15")],
        family="mathdial",
        source="mathdial",
        meta={
            "student_profile": "Mariana is a 7th grade student who rushes through word problems.",
            "student_incorrect_solution": "12 - 3 = 9, and 9 - 5 = 4, so 4 spoons.",
        },
    )


@pytest.fixture(scope="module")
def prompts_of_one_dialogue(server) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Every prompt of one MathDial-mode dialogue, printed as the models saw them (`pytest -s` shows them)."""
    problem = _mathdial_problem()
    models = _models()
    _run(server, "openai", models, 1, mathdial=True, problems=[problem], teacher="socratic-teacher", seed=1)
    out = {role: _prompts(server, role, problem.statement) for role in ("teacher", "student", "critic")}
    for role, requests in out.items():
        system, turns = requests[-1]
        print(f"\n===== {role}: system =====\n{system}")
        for who, text in turns:
            print(f"----- {who} -----\n{text}")
    return out


def test_prompts_state_the_problem_once_and_give_each_role_one_name(prompts_of_one_dialogue):
    statement = _mathdial_problem().statement
    registry = load_registry()
    for role, requests in prompts_of_one_dialogue.items():
        assert requests, role
        for system, turns in requests:
            assert (system + "".join(t for _, t in turns)).count(statement) == 1, role
    teacher_system = prompts_of_one_dialogue["teacher"][0][0]
    student_system = prompts_of_one_dialogue["student"][0][0]
    assert "tutoring Mariana" in teacher_system
    assert "You are Mariana" in student_system and student_system.startswith("Mariana is a 7th grade")
    student_names = {p.display_name for p in registry.by_role("student")} - {"Mariana"}
    assert not any(name in student_system or name in teacher_system for name in student_names)


def test_no_persona_prompt_contradicts_the_common_rules(prompts_of_one_dialogue):
    registry = load_registry()
    for persona in registry.by_role("teacher"):
        text = persona.prompt.lower()
        assert "without checking" not in text and "rarely double-check" not in text, persona.name
    (system, _), *_ = prompts_of_one_dialogue["teacher"]
    assert "Check every calculation you write; never confirm a wrong answer." in system
    assert "mistakes included" not in prompts_of_one_dialogue["student"][0][0]


async def test_the_student_writes_its_own_attempt_in_character_before_the_dialogue(server):
    models = _models()
    agents = _agents(server, "openai", models)
    view = _view()
    view.turns.clear()
    view.student = load_registry().get("fraction-adder")
    view.opening, view.misconception, view.student_name = "attempt", "fraction-add-across", "Noor"
    try:
        attempt = await agents.student(view)
    finally:
        await agents.aclose()
    assert attempt.act == "attempt" and attempt.work == {"kind": "attempt", "answer": "12"}
    ((system, turns),) = _prompts(server, "student", view.problem.statement, models["student"])
    assert "you add the tops together and the bottoms together" in system  # the misconception, in character
    assert "You are Noor" in system and "Priya" not in system  # the dialogue's name, not the persona's
    assert "worked solution" in turns[0][1] and "15" not in system + turns[0][1]  # no reference answer
    view.turns.append(Turn(0, "student", attempt.text, "attempt", TurnVerdict("ok")))
    teacher = teacher_messages(view)
    assert "Noor's own attempt" in teacher[0].content and "first step that goes wrong" in teacher[0].content
    assert [m.role for m in teacher[1:]] == ["user"] and teacher[1].content == attempt.text


async def test_a_mathdial_student_opens_with_its_recorded_solution(server):
    agents = _agents(server, "openai", _models(), mathdial=True)
    view = _view()
    view.turns.clear()
    view.problem, view.opening = _mathdial_problem(), "attempt"
    try:
        attempt = await agents.student(view)
    finally:
        await agents.aclose()
    assert attempt.text == "12 - 3 = 9, and 9 - 5 = 4, so 4 spoons." and not attempt.calls


@pytest.mark.parametrize(
    ("text", "changed"),
    [
        ("So 6 + 9 × 6 = 60. Good.", True),  # a sentence's full stop is not a decimal point
        ("We have 12 + 3 = 15 marbles, then 15 - 4 = 11 left", True),
        ("Half: 50% = 1/2.", False),
        ("It costs 3 × 0.5 = 1.5 dollars.", False),
        ("That makes 1,000 + 500 = 1,500.", False),
        ("No equation here, just 42.", False),
    ],
)
def test_a_careless_error_changes_a_whole_result_and_nothing_else(text, changed):
    out = nudge_result(text, random.Random(1))
    if not changed:
        assert out is None
        return
    wrong_text, detail = out
    before, after = detail.removeprefix("changed the result ").split(" to ")
    assert (
        wrong_text
        == text[: text.rindex(f"= {before}")]
        + f"= {after}"
        + text[text.rindex(f"= {before}") + 2 + len(before) :]
    )
    assert 1 <= abs(int(after) - int(before)) <= 3


async def test_a_plan_whose_message_speaks_for_the_student_is_cut_at_the_leak(server):
    agents = _agents(server, "anthropic", _models(teacher="teacher-fault-leak"))
    view = _view()
    try:
        u = await agents.teacher(view, None)
    finally:
        await agents.aclose()
    assert u.move in MOVES and u.text and "Student:" not in u.text and "answer is 7" not in u.text
    assert "role_leak" in u.calls[0]["issues"]


def test_affirming_a_wrong_answer_is_injected_only_after_a_student_turn_the_verifier_found_wrong():
    careless = load_registry().get("careless-teacher")
    traits = careless.teacher.model_copy(
        update={"error_rate": 1.0, "error_kinds": {"affirms_wrong_answer": 1.0}}
    )
    wrong = "12 + 3 = 16"
    flag = Flag("false_arithmetic", wrong, (0, len(wrong)), "the left side is 15")
    view = _view(student_says=wrong, flags=[flag])
    view.teacher = careless.model_copy(update={"teacher": traits})
    text, label = inject_error("Check the ones: what is 2 + 3 = 5 telling you?", view)
    assert label.misconception == "affirms_wrong_answer" and label.role == "teacher"
    assert "?" not in text and len(text) < 40  # the draft became a plain confirmation
    right = _view(student_says="12 + 3 = 15")
    right.teacher = view.teacher
    text, label = inject_error("So 12 + 3 = 15. What is next?", right)  # nothing to affirm: a changed result
    assert label.misconception == "false_arithmetic" and "12 + 3 = 15" not in text


@pytest.mark.parametrize("flavour", ["openai", "anthropic"])
async def test_a_server_that_refuses_structured_outputs_gets_the_request_again_as_text(server, flavour):
    models = _models(teacher="teacher-no-structured", critic="critic-no-structured")
    agents = _agents(server, flavour, models)
    view = _view()
    try:
        first = await agents.teacher(view, None)
        second = await agents.teacher(view, None)
        decision = await agents.critic(view, first, TurnVerdict("no_claims"))
    finally:
        await agents.aclose()
    assert first.move in MOVES and second.move in MOVES and "{" not in first.text
    assert decision.scores and not decision.unparseable
    sent = _sent(server, models["teacher"])
    assert len(sent) == 3  # refused once, then plain text from then on
    assert ("response_format" in sent[0] or "tools" in sent[0]) and not any(
        "response_format" in p or "tools" in p for p in sent[1:]
    )
    assert [c["status"] for c in first.calls] == ["ok"]  # a refused schema is not a failed attempt
