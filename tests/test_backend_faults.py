"""Both SDKs over real HTTP against the fake server: every fault class, our retry layer, call records."""

from __future__ import annotations

import random
import socket

import pytest

from tutorforge.llm.anthropic_backend import AnthropicBackend
from tutorforge.llm.base import Message
from tutorforge.llm.calls import Caller, RetryPolicy, RoleModel
from tutorforge.llm.critique import CRITIC_SCHEMA, extract_json
from tutorforge.llm.failures import CallFailed
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.hygiene import speaker_labels
from tutorforge.llm.openai_backend import REASONING_HEADROOM, OpenAIBackend
from tutorforge.llm.pricing import PriceTable

OPENAI_KEY = "sk-test-FAKEKEY-openai-0123456789"
ANTHROPIC_KEY = "sk-ant-FAKEKEY-anthropic-0123456789"
RETRY_AFTER = 0.3
# The per-call timeout leaves room for a loaded machine; the fake server hangs 5 s on a timeout fault.
POLICY = RetryPolicy(attempts=3, timeout=2.5, base_delay=0.01, max_delay=0.05)
MESSAGES = [
    Message("system", "Tutor the student.\n\nYour role: teacher."),
    Message("user", "I think 3 + 4 = 7 so she has 7 apples?"),
]


@pytest.fixture(scope="module")
def server():
    with start_fake_server(FakeConfig(retry_after=RETRY_AFTER, hang=5.0)) as running:
        yield running


@pytest.fixture(params=["openai", "anthropic"])
async def backend(request, server):
    if request.param == "openai":
        made = OpenAIBackend(OPENAI_KEY, server.url + "/v1", timeout=5.0)
    else:
        made = AnthropicBackend(ANTHROPIC_KEY, server.url, timeout=5.0)
    yield made
    await made.aclose()


def _caller(**kwargs) -> Caller:
    return Caller(policy=kwargs.pop("policy", POLICY), seed=1, **kwargs)


async def _teacher_call(caller: Caller, backend, model: str) -> tuple[str, dict]:
    return await caller.call(
        "teacher",
        RoleModel(backend, model, max_tokens=200),
        MESSAGES,
        own=speaker_labels("teacher"),
        others=speaker_labels("student", "Sam"),
    )


def _model(backend, fault: str) -> str:
    """A model name unique to the test, so the server's per-model counts are the test's own."""
    return f"{backend.name}-{random.getrandbits(40):x}-fault-{fault}"


@pytest.mark.parametrize("status", ["429", "500", "502", "503", "529"])
async def test_retryable_status_is_retried_until_it_succeeds(server, backend, status):
    model = _model(backend, f"{status}x2")
    text, record = await _teacher_call(_caller(), backend, model)
    assert text
    assert record["status"] == "retried"
    assert record["attempts"] == 3
    assert record["issues"] == [f"http_{status}", f"http_{status}"]
    assert server.log.by_model[model] == 3


async def test_retry_after_is_honoured(server, backend):
    model = _model(backend, "429x1")
    await _teacher_call(_caller(), backend, model)
    times = [t for t, m, _ in server.log.entries if m == model]
    assert len(times) == 2
    assert times[1] - times[0] >= RETRY_AFTER  # the backoff alone would wait at most 0.05 s


async def test_attempts_are_ours_alone(server, backend):
    model = _model(backend, "500")
    with pytest.raises(CallFailed) as failed:
        await _teacher_call(_caller(), backend, model)
    record = failed.value.calls[0]
    assert record["status"] == "failed"
    assert record["attempts"] == POLICY.attempts
    assert server.log.by_model[model] == POLICY.attempts  # the SDK added no retries of its own
    assert "http_500" in record["error"]


async def test_auth_error_fails_at_once_and_never_shows_the_key(server, backend):
    key = OPENAI_KEY if backend.name == "openai" else ANTHROPIC_KEY
    model = _model(backend, "401")
    with pytest.raises(CallFailed) as failed:
        await _teacher_call(_caller(), backend, model)
    assert server.log.by_model[model] == 1
    assert f"Bearer {key}" in server.log.credentials  # the key was sent, and the server echoed it back
    record = failed.value.calls[0]
    assert record["attempts"] == 1 and record["issues"] == ["http_401"]
    assert "Incorrect API key" in record["error"]
    for text in (str(failed.value), repr(failed.value.calls), record["error"]):
        assert key not in text
        assert "FAKEKEY" not in text


async def test_timeout_is_retried(server, backend):
    model = _model(backend, "timeoutx1")
    text, record = await _teacher_call(_caller(), backend, model)
    assert text
    assert record["issues"] == ["timeout"]
    assert record["attempts"] == 2 and record["status"] == "retried"


async def test_timeouts_fail_after_bounded_attempts(server, backend):
    policy = RetryPolicy(attempts=2, timeout=0.3, base_delay=0.01)
    with pytest.raises(CallFailed) as failed:
        await _teacher_call(_caller(policy=policy), backend, _model(backend, "timeout"))
    assert failed.value.calls[0]["issues"] == ["timeout", "timeout"]
    assert failed.value.calls[0]["latency_s"] < 2.0


@pytest.mark.parametrize("fault", ["malformed", "empty", "refusal"])
async def test_unusable_replies_are_retried(server, backend, fault):
    model = _model(backend, f"{fault}x1")
    text, record = await _teacher_call(_caller(), backend, model)
    assert text and "sorry" not in text.lower()
    assert record["issues"] == [fault]
    assert record["attempts"] == 2 and record["status"] == "retried"
    assert server.log.by_model[model] == 2


async def test_role_leak_is_cut(server, backend):
    text, record = await _teacher_call(_caller(), backend, _model(backend, "leak"))
    assert "Student:" not in text and "answer is 7" not in text
    assert text.startswith("Let's start")
    assert record["issues"] == ["role_leak"]
    assert record["status"] == "ok" and record["attempts"] == 1


async def test_reply_cut_at_token_limit_is_flagged(server, backend):
    text, record = await _teacher_call(_caller(), backend, _model(backend, "length"))
    assert record["finish_reason"] == "length"
    assert "truncated" in record["issues"]
    assert text and record["status"] == "ok"


async def test_call_record_counts_tokens_and_cost(server, backend):
    prices = PriceTable({"tf-priced": {"input": 2.0, "output": 10.0, "cached": 0.5}})
    _, record = await _teacher_call(_caller(prices=prices), backend, "tf-priced")
    assert record["input_tokens"] > 0 and record["output_tokens"] > 0
    fresh = record["input_tokens"] - record["cached_tokens"]
    expected = (fresh * 2.0 + record["cached_tokens"] * 0.5 + record["output_tokens"] * 10.0) / 1e6
    assert record["cost_usd"] == pytest.approx(expected, rel=1e-6)
    assert record["priced"] is True and record["price_source"] == "override"
    assert record["backend"] == backend.name and record["role"] == "teacher"
    assert record["latency_s"] > 0 and record["response_id"]


async def test_unknown_model_has_no_price(server, backend):
    _, record = await _teacher_call(_caller(), backend, _model(backend, "none"))
    assert record["priced"] is False and record["cost_usd"] == 0.0
    assert record["price_source"] == ""


async def test_a_known_model_is_priced_by_genai_prices(server, backend):
    model = "gpt-4.1-mini" if backend.name == "openai" else "claude-haiku-4-5"
    _, record = await _teacher_call(_caller(), backend, model)
    assert record["priced"] is True and record["price_source"] == "genai-prices"
    assert record["cost_usd"] > 0


async def test_anthropic_system_prompt_is_cached(server):
    backend = AnthropicBackend(ANTHROPIC_KEY, server.url)
    caller = _caller()
    target = RoleModel(backend, "claude-haiku-4-5", max_tokens=100)
    system = Message("system", f"Persona {random.getrandbits(40)}.\n\nYour role: student.")
    _, first = await caller.call("student", target, [system, Message("user", "Hello")])
    _, second = await caller.call("student", target, [system, Message("user", "Hello again")])
    await backend.aclose()
    assert first["cached_tokens"] == 0
    assert second["cached_tokens"] > 0  # the server saw cache_control on the system block
    assert second["cost_usd"] < first["cost_usd"]


def test_backoff_is_exponential_with_jitter_and_honours_retry_after():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_retry_after=60.0)
    rng = random.Random(0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        delays = [policy.delay(attempt, None, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
    assert 5.0 <= policy.delay(1, 5.0, rng) <= 5.5
    assert policy.delay(1, 3600.0, rng) <= 66.0


async def test_a_structured_reply_holds_the_object(server, backend):
    critic = [
        Message("system", "Judge the draft. Reply with JSON.\n\nYour role: critic."),
        Message("user", "Hi"),
    ]
    reply = await backend.reply(critic, model="critic-model", max_tokens=400, schema=CRITIC_SCHEMA)
    data = extract_json(reply.text)
    assert data is not None and data["verdict"] in ("accept", "revise")
    assert reply.finish_reason == "stop" and reply.usage.output_tokens > 0


async def test_reasoning_models_get_no_temperature_and_room_to_reason(server):
    backend = OpenAIBackend(OPENAI_KEY, server.url + "/v1")
    models = ("gpt-5-mini", "o4-mini", "gpt-4o-mini")
    for model in models:
        await backend.reply(MESSAGES, model=model, max_tokens=50, temperature=0.3)
    await backend.aclose()
    sent = {p["model"]: p for p in server.log.params if p["model"] in models}
    for model in ("gpt-5-mini", "o4-mini"):
        assert "temperature" not in sent[model] and sent[model]["max_tokens"] == 50 + REASONING_HEADROOM
    assert sent["gpt-4o-mini"]["temperature"] == 0.3 and sent["gpt-4o-mini"]["max_tokens"] == 50


@pytest.mark.parametrize("flavour", ["openai", "anthropic"])
async def test_a_server_that_is_gone_is_a_connection_error_retried_then_failed(flavour):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    if flavour == "openai":
        made = OpenAIBackend(OPENAI_KEY, url + "/v1")
    else:
        made = AnthropicBackend(ANTHROPIC_KEY, url)
    policy = RetryPolicy(attempts=2, timeout=5.0, base_delay=0.01)
    try:
        with pytest.raises(CallFailed) as failed:
            await _teacher_call(_caller(policy=policy), made, "any-model")
    finally:
        await made.aclose()
    record = failed.value.calls[0]
    assert record["issues"] == ["connection", "connection"] and record["attempts"] == 2
    assert f"127.0.0.1:{port}" in record["error"]  # the error says where it could not connect
    assert OPENAI_KEY not in str(failed.value) and ANTHROPIC_KEY not in str(failed.value)


@pytest.mark.parametrize("flavour", ["openai", "anthropic"])
async def test_a_10_mb_reply_or_a_nul_is_a_failed_attempt_retried_never_a_turn(flavour):
    huge, nul = "Student: " + "x" * 10_000_000, "I think 3 + 4 = 8\x00"
    # every other student reply the server sends is hostile
    with start_fake_server(FakeConfig(hostile=(huge, nul), hostile_every=2)) as running:
        if flavour == "openai":
            made = OpenAIBackend(OPENAI_KEY, running.url + "/v1", timeout=10.0)
        else:
            made = AnthropicBackend(ANTHROPIC_KEY, running.url, timeout=10.0)
        student = [Message("system", "Learn.\n\nYour role: student."), Message("user", "What is 3 + 4?")]
        caller = _caller()
        target = RoleModel(made, "m", max_tokens=200)
        try:
            await caller.call("student", target, student)  # the first student reply is ordinary
            for issue in ("too_long", "nul"):  # then each call's first attempt is hostile
                text, record = await caller.call("student", target, student)
                assert record["status"] == "retried" and record["attempts"] == 2
                assert record["issues"] == [issue] and text and len(text) < 1_000 and "\x00" not in text
        finally:
            await made.aclose()
