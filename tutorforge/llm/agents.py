"""LLM agents: the `Agents` protocol the graph calls, answered by chat models.

Each role has its own backend, model and sampling parameters (`RoleModel`); every call goes through
one `Caller` (retries, hygiene, response cache, cost), and its call record lands in `Utterance.calls` or
`CriticDecision.calls`.

Structured replies: the teacher and the critic answer with a JSON object, through the API's structured
output (`plan.PLAN_SCHEMA`, `critique.CRITIC_SCHEMA`) or, from a server without one, as text; a reply that
does not parse gets one more try with a reminder. The teacher's object is its hidden plan (`move`,
`target`, stored on the turn) and its `message`, the only part that becomes the turn's text.

Ending: the teacher is told to end its closing message with `[END]`. The marker is stripped from the
text and sets `Utterance.ends` (act `close`). A student turn that says "final answer" gets act
`final_answer`, so the graph can tell a solved dialogue from one the teacher merely ended.

Faulty teachers: the model writes a careful turn; `careless.inject_error` puts the persona's errors into
the draft and labels them.

Revision: the critic's verdict, after the rules on top of its scores (`critique.rule_reasons`), is stored
as it said it; a verifier error on the draft sends the draft back too (`forced_by_verifier`), whatever
the critic said. The teacher then reads its draft and `CriticDecision.note`, the reasons in plain words.

Sampling and the cache: each call's cache key includes a sample key drawn from the dialogue's own random
stream, so a resumed dialogue replays its cached replies while two dialogues that send the same prompt
still get independent samples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from tutorforge.dialogues.agents import CriticDecision, DialogueView, Utterance
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.errors import BadInput
from tutorforge.llm.base import Message, Schema
from tutorforge.llm.cache import ResponseCache
from tutorforge.llm.calls import Caller, RetryPolicy, RoleModel
from tutorforge.llm.careless import inject_error
from tutorforge.llm.critique import CRITIC_SCHEMA, parse_critic, rule_reasons
from tutorforge.llm.hygiene import END_MARKER, clean_reply, speaker_labels
from tutorforge.llm.plan import PLAN_SCHEMA, TeacherPlan, parse_plan
from tutorforge.llm.pricing import PriceTable
from tutorforge.llm.prompts import (
    critic_messages,
    student_errors,
    student_messages,
    student_name,
    teacher_messages,
)
from tutorforge.llm.ratelimit import RateLimiter
from tutorforge.llm.sdk_backend import DEFAULT_TIMEOUT, SDKBackend
from tutorforge.verifiers.types import Flag, TurnVerdict

T = TypeVar("T")

ROLES = ("teacher", "student", "critic")
_FINAL = re.compile(r"final answer\W{0,3}(?:is\s*)?[:=]?\s*(?P<answer>[^\n.!?]*(?:\.\d+[^\n.!?]*)?)", re.I)
_JSON_REMINDER = (
    "Your last reply was not a valid JSON object with every key. Reply with the JSON object only."
)
# How a verifier finding on a draft reads to the teacher who wrote it.
_PLAIN = {
    "affirms_wrong_answer": "It confirms the student's answer, but that answer is wrong.",
    "wrong_final_answer": "It states {claim!r} as the answer, but that is not the answer.",
}


def _sample(view: DialogueView) -> str:
    return f"{view.rng.getrandbits(64):016x}"


def _plain(flag: Flag) -> str:
    """One verifier finding on a draft, in words for the teacher who wrote it."""
    if flag.kind in _PLAIN:
        return _PLAIN[flag.kind].format(claim=flag.claim)
    return f"It says {flag.claim!r}, which is not right ({flag.detail})."


class LLMAgents:
    """Agents backed by chat models, one `RoleModel` per role."""

    writes_attempts = True  # student() with no turns writes the student's own attempt, in character

    def __init__(
        self, roles: Mapping[str, RoleModel], caller: Caller | None = None, *, mathdial: bool = False
    ):
        missing = [r for r in ROLES if r not in roles]
        if missing:
            raise ValueError(f"no model for role {missing[0]}")
        self.roles = dict(roles)
        self.caller = caller or Caller()
        self.mathdial = mathdial

    @property
    def over_budget(self) -> bool:
        """True once the calls made so far have spent the cost budget."""
        return self.caller.over_budget

    async def aclose(self) -> None:
        """Write the response cache and close it, then the backends' connections."""
        if self.caller.cache is not None:
            self.caller.cache.close()
        for backend in {id(r.backend): r.backend for r in self.roles.values()}.values():
            await backend.aclose()

    async def _structured(
        self,
        role: str,
        messages: list[Message],
        schema: Schema,
        parse: Callable[[str], T | None],
        sample: str,
    ) -> tuple[T | None, str, list[dict]]:
        """(the parsed reply or None, the last reply's text, the call records): one more try with a
        reminder when the first reply does not parse."""
        calls: list[dict] = []
        request = messages
        for _ in range(2):
            text, record = await self.caller.call(
                role, self.roles[role], request, sample=sample, prose=False, schema=schema
            )
            calls.append(record)
            parsed = parse(text)
            if parsed is not None:
                return parsed, text, calls
            request = [*messages, Message("assistant", text), Message("user", _JSON_REMINDER)]
        return None, text, calls

    async def teacher(self, view: DialogueView, feedback: str | None) -> Utterance:
        """The teacher's next turn with its move and target; `[END]` at its end closes the conversation."""
        own = speaker_labels("teacher", view.teacher.display_name)
        others = speaker_labels("student", student_name(view, self.mathdial))

        issues: list[str] = []  # what hygiene did to the message of the reply that parsed

        def parse(text: str) -> TeacherPlan | None:
            plan = parse_plan(text)
            if plan is None:
                return None
            cleaned = clean_reply(plan.message, "", own, others)
            issues[:] = cleaned.issues
            return TeacherPlan(plan.move, plan.target, cleaned.text) if cleaned.usable else None

        messages = teacher_messages(view, feedback, mathdial=self.mathdial)
        plan, text, calls = await self._structured("teacher", messages, PLAN_SCHEMA, parse, _sample(view))
        if plan is None:  # no plan: the reply's text is the message, and the move stays unknown
            cleaned = clean_reply(text, "", own, others)
            plan, issues[:] = TeacherPlan("", "", cleaned.text), ["no_plan", *cleaned.issues]
        calls[-1]["issues"].extend(issues)
        ends = END_MARKER in plan.message
        message = plan.message.replace(END_MARKER, "").strip()
        act = "close" if ends else ("open" if not view.turns else "respond")
        u = Utterance(message, act=act, ends=ends, calls=calls, move=plan.move, target=plan.target)
        if injected := inject_error(message, view):
            u.text, label = injected
            u.labels.append(label)
            if label.misconception == "affirms_wrong_answer":  # the plan's turn became a bare confirmation
                u.move, u.target = "generic", ""
        return u

    async def student(self, view: DialogueView) -> Utterance:
        """The student's next turn; with the "attempt" opening and no turns yet, its own worked attempt
        (a MathDial student's is its recorded incorrect solution, with no call)."""
        first = view.opening == "attempt" and not view.turns
        wrong = str(view.problem.meta.get("student_incorrect_solution") or "").strip()
        if first and self.mathdial and wrong:
            return Utterance(wrong, act="attempt", work={"kind": "attempt"})
        text, record = await self.caller.call(
            "student",
            self.roles["student"],
            student_messages(view, mathdial=self.mathdial),
            sample=_sample(view),
            own=speaker_labels("student", student_name(view, self.mathdial)),
            others=speaker_labels("teacher", view.teacher.display_name),
        )
        final = _FINAL.search(text)
        answer = {"answer": final.group("answer").strip()} if final else {}
        if first:
            return Utterance(text, act="attempt", work={"kind": "attempt", **answer}, calls=[record])
        if final:
            return Utterance(text, act="final_answer", work={"kind": "final", **answer}, calls=[record])
        return Utterance(text, act="attempt", calls=[record])

    async def critic(self, view: DialogueView, draft: Utterance, verdict: TurnVerdict) -> CriticDecision:
        """Judge a teacher draft: the critic's JSON with the rules on top; an unparseable reply gets one
        more try, then counts as accept. A verifier error on the draft sends it back whatever the critic
        said (`forced_by_verifier`); `note` tells the teacher why in plain words."""
        messages = critic_messages(view, draft.text, verdict)
        parsed, _, calls = await self._structured(
            "critic", messages, CRITIC_SCHEMA, parse_critic, _sample(view)
        )
        if parsed is None:
            decision = CriticDecision("accept", unparseable=True, calls=calls)
        else:
            reasons = rule_reasons(parsed, view.teacher.teacher.reveal_policy, bool(student_errors(view)))
            feedback = " ".join(x for x in (parsed.feedback.strip(), *reasons) if x)
            said = "revise" if reasons else parsed.verdict
            decision = CriticDecision(said, feedback, parsed.scores(), calls=calls)
        errors = [f for f in verdict.flags if f.severity == "error"]
        decision.forced_by_verifier = bool(errors)
        reasons = [decision.feedback] if decision.verdict == "revise" and decision.feedback else []
        decision.note = " ".join([*reasons, *(_plain(f) for f in errors)])
        return decision


# Sampling defaults per role: a lively teacher and student, a deterministic critic.
ROLE_DEFAULTS: dict[str, dict] = {
    "teacher": {"temperature": 0.7, "max_tokens": 400},
    "student": {"temperature": 0.9, "max_tokens": 300},
    "critic": {"temperature": 0.0, "max_tokens": 600},
}


def make_backend(name: str, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> SDKBackend:
    """The backend called `name` (openai or anthropic), keys from the environment, `timeout` seconds per
    request."""
    if name == "openai":
        from tutorforge.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(base_url=base_url, timeout=timeout)
    if name == "anthropic":
        from tutorforge.llm.anthropic_backend import AnthropicBackend

        return AnthropicBackend(base_url=base_url, timeout=timeout)
    raise BadInput(f"--backend {name}: unknown backend (use scripted, openai or anthropic)")


def build_llm_agents(config: GenerateConfig, cache_path: str | None = None) -> LLMAgents:
    """LLM agents for a `generate` run: one backend, a model per role, the response cache in `cache_path`
    (the corpus database), prices from `config.pricing` then genai-prices, `config.max_cost`, and the
    client-side `config.rate_limits` per model."""
    backend = make_backend(config.backend, config.base_url, config.request_timeout)
    roles = {}
    for role in ROLES:
        model = config.models.get(role)
        if not model:
            raise BadInput(f"--backend {config.backend} needs --model (or --{role}-model) for the {role}")
        params = dict(ROLE_DEFAULTS[role])
        if role in config.sampling:
            params.update(config.sampling[role].model_dump(exclude_none=True))
        roles[role] = RoleModel(backend, model, **params)
    cache = ResponseCache(cache_path, enabled=not config.no_cache) if cache_path else None
    prices = PriceTable(config.pricing, where="pricing")
    limiter = RateLimiter(config.rate_limits)
    policy = RetryPolicy(timeout=config.request_timeout)
    caller = Caller(
        cache=cache, prices=prices, policy=policy, seed=config.seed, budget=config.max_cost, limiter=limiter
    )
    return LLMAgents(roles, caller, mathdial=config.mathdial_students)
