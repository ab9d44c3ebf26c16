"""The response cache: a repeated or resumed call does not reach the server again."""

from __future__ import annotations

import random
import sqlite3

import pytest

from tutorforge.llm.base import Message
from tutorforge.llm.cache import ResponseCache, cache_key
from tutorforge.llm.calls import Caller, RoleModel
from tutorforge.llm.fake_server import start_fake_server
from tutorforge.llm.openai_backend import OpenAIBackend

MESSAGES = [Message("system", "Your role: student."), Message("user", "What is 2 + 3?")]


@pytest.fixture(scope="module")
def server():
    with start_fake_server() as running:
        yield running


def _target(server) -> RoleModel:
    backend = OpenAIBackend("sk-test-cache-0123456789abcdef", server.url + "/v1")
    return RoleModel(backend, f"m-{random.getrandbits(40):x}")


async def test_hit_avoids_a_second_request(server, tmp_path):
    caller = Caller(cache=ResponseCache(tmp_path / "c.db"))
    target = _target(server)
    first, rec1 = await caller.call("student", target, MESSAGES, sample="a")
    second, rec2 = await caller.call("student", target, MESSAGES, sample="a")
    assert server.log.by_model[target.model] == 1
    assert second == first
    assert rec1["cache_hit"] is False and rec2["cache_hit"] is True
    assert rec2["cost_usd"] == 0.0 and rec2["input_tokens"] == 0 and rec2["attempts"] == 0


async def test_resumed_run_reads_the_cache_from_the_database_file(server, tmp_path):
    db = tmp_path / "corpus.db"
    with sqlite3.connect(db) as conn:  # a database that already holds another table
        conn.execute("CREATE TABLE dialogues (id TEXT)")
    target = _target(server)
    cache = ResponseCache(db)
    first, _ = await Caller(cache=cache).call("student", target, MESSAGES, sample="s")
    cache.close()  # the end of the first run writes what is pending
    again, record = await Caller(cache=ResponseCache(db)).call("student", target, MESSAGES, sample="s")
    assert again == first and record["cache_hit"] is True
    assert server.log.by_model[target.model] == 1
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"dialogues", "llm_cache"} <= tables
        assert conn.execute("SELECT count(*) FROM llm_cache").fetchone()[0] == 1


async def test_other_samples_and_parameters_miss(server, tmp_path):
    caller = Caller(cache=ResponseCache(tmp_path / "c.db"))
    target = _target(server)
    await caller.call("student", target, MESSAGES, sample="a")
    await caller.call("student", target, MESSAGES, sample="b")
    await caller.call(
        "student", RoleModel(target.backend, target.model, temperature=0.1), MESSAGES, sample="a"
    )
    assert server.log.by_model[target.model] == 3


async def test_no_cache_switch_neither_reads_nor_writes(server, tmp_path):
    cache = ResponseCache(tmp_path / "off.db", enabled=False)
    caller = Caller(cache=cache)
    target = _target(server)
    for _ in range(2):
        _, record = await caller.call("student", target, MESSAGES, sample="a")
        assert record["cache_hit"] is False
    assert server.log.by_model[target.model] == 2
    assert not (tmp_path / "off.db").exists()


def test_key_is_canonical():
    a = cache_key({"model": "m", "messages": [["user", "hi"]], "temperature": 0.5})
    b = cache_key({"temperature": 0.5, "messages": [["user", "hi"]], "model": "m"})
    assert a == b and len(a) == 64
    assert cache_key({"model": "m", "messages": [["user", "hi!"]], "temperature": 0.5}) != a
