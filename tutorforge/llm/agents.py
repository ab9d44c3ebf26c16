"""LLM agents: the `Agents` protocol the graph calls, answered by chat models.

Each role has its own backend, model and sampling parameters (`RoleModel`); every call goes through
one `Caller` (retries, hygiene, response cache, cost), and its call record lands in `Utterance.calls` or
`CriticDecision.calls`.

Ending: the teacher is told to end its closing message with `[END]`. The marker is stripped from the
text and sets `Utterance.ends` (act `close`). A student turn that says "final answer" gets act
`final_answer`, so the graph can tell a solved dialogue from one the teacher merely ended.

Revision: the critic's `revise` verdict sends the teacher back with its feedback; a verifier error on the
draft does too, even when the critic would accept it, with the verifier's findings as feedback.

Sampling and the cache: each call's cache key includes a sample key drawn from the dialogue's own random
stream, so a resumed dialogue replays its cached replies while two dialogues that send the same prompt
still get independent samples.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tutorforge.dialogues.agents import CriticDecision, DialogueView, Utterance
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.errors import BadInput
from tutorforge.llm.base import Message
from tutorforge.llm.cache import ResponseCache
from tutorforge.llm.calls import Caller, RetryPolicy, RoleModel
from tutorforge.llm.critique import parse_critic
from tutorforge.llm.hygiene import END_MARKER, speaker_labels
from tutorforge.llm.pricing import PriceTable
from tutorforge.llm.prompts import critic_messages, student_messages, teacher_messages
from tutorforge.llm.ratelimit import RateLimiter
from tutorforge.llm.sdk_backend import DEFAULT_TIMEOUT, SDKBackend
from tutorforge.verifiers.types import TurnVerdict

ROLES = ("teacher", "student", "critic")
_FINAL = re.compile(r"final answer\W{0,3}(?:is\s*)?[:=]?\s*(?P<answer>[^\n.!?]*(?:\.\d+[^\n.!?]*)?)", re.I)
_JSON_REMINDER = (
    "Your last reply was not a valid JSON object with every key. Reply with the JSON object only."
)


def _sample(view: DialogueView) -> str:
    return f"{view.rng.getrandbits(64):016x}"


class LLMAgents:
    """Agents backed by chat models, one `RoleModel` per role."""

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

    async def teacher(self, view: DialogueView, feedback: str | None) -> Utterance:
        """The teacher's next turn; `[END]` at its end closes the conversation."""
        text, record = await self.caller.call(
            "teacher",
            self.roles["teacher"],
            teacher_messages(view, feedback),
            sample=_sample(view),
            own=speaker_labels("teacher", view.teacher.display_name),
            others=speaker_labels("student", view.student.display_name),
        )
        ends = END_MARKER in text
        text = text.replace(END_MARKER, "").strip()
        act = "close" if ends else ("open" if not view.turns else "respond")
        return Utterance(text, act=act, ends=ends, calls=[record])

    async def student(self, view: DialogueView) -> Utterance:
        """The student's next turn."""
        text, record = await self.caller.call(
            "student",
            self.roles["student"],
            student_messages(view, mathdial=self.mathdial),
            sample=_sample(view),
            own=speaker_labels("student", view.student.display_name),
            others=speaker_labels("teacher", view.teacher.display_name),
        )
        final = _FINAL.search(text)
        if final:
            work = {"kind": "final", "answer": final.group("answer").strip()}
            return Utterance(text, act="final_answer", work=work, calls=[record])
        return Utterance(text, act="attempt", calls=[record])

    async def critic(self, view: DialogueView, draft: Utterance, verdict: TurnVerdict) -> CriticDecision:
        """Judge a teacher draft; an unparseable reply gets one more try, then counts as accept."""
        messages = critic_messages(view, draft.text, verdict)
        sample = _sample(view)
        calls: list[dict] = []
        request = messages
        for _ in range(2):
            text, record = await self.caller.call(
                "critic", self.roles["critic"], request, sample=sample, prose=False
            )
            calls.append(record)
            parsed = parse_critic(text)
            if parsed is not None:
                break
            request = [*messages, Message("assistant", text), Message("user", _JSON_REMINDER)]
        if parsed is None:
            decision = CriticDecision("accept", unparseable=True, calls=calls)
        else:
            decision = CriticDecision(parsed.verdict, parsed.feedback.strip(), parsed.scores(), calls=calls)
        if verdict.has_error:
            findings = "; ".join(f"{f.claim}: {f.detail}" for f in verdict.flags if f.severity == "error")
            decision.verdict = "revise"
            decision.feedback = " ".join(
                x for x in (f"The verifier found errors: {findings}.", decision.feedback) if x
            )
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
