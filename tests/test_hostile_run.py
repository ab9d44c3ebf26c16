"""A real LLM run (OpenAI SDK over HTTP to the fake server, the LangGraph graph, the verifier, the store)
in which student replies are hostile payloads: every dialogue completes, nothing hostile is a turn
unchecked. Its throughput against an ordinary run is measured in `scripts/bench_hostile.py`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tutorforge.dialogues.batch import plan_batch, run_batch
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.storage.store import Store

HOSTILE = (
    "±" * 22 + "1 = 1",
    "I think " + "," * 49_000 + " 3 + 4 = 8",
    "3 + 4 = " + "8" * 4_301,
    "3 \u200b＋ 4 ＝\u200f 8",
    "x" * 10_000_000,
    "3 + 4 = 8\x00",
)


def test_hostile_student_replies_leave_every_dialogue_intact(tmp_path: Path) -> None:
    with start_fake_server(FakeConfig(hostile=HOSTILE, hostile_every=2)) as server:
        config = GenerateConfig(
            n=8,
            backend="openai",
            models={"teacher": "m", "student": "m", "critic": "m"},
            base_url=server.url + "/v1",
            max_turns=10,
            concurrency=4,
            workers=1,
        )
        with Store.open(tmp_path / "c.db") as store:
            run_batch(config, store, plan_batch(config, store), lambda records: None)
    con = sqlite3.connect(tmp_path / "c.db")
    assert con.execute("SELECT status, count(*) FROM dialogues GROUP BY 1").fetchall() == [("complete", 8)]
    students = con.execute("SELECT text, status FROM turns WHERE role = 'student'").fetchall()
    # the floods do not hide the false 3 + 4 = 8; look-alike characters are normalised away
    expected = {
        HOSTILE[0]: "unverifiable",
        HOSTILE[1]: "error",
        HOSTILE[2]: "unverifiable",
        "3 + 4 = 8": "error",
    }
    seen = {text: status for text, status in students if text in expected}
    assert len(seen) >= 3
    assert sorted(status for status in seen.values()) == sorted(expected[text] for text in seen)
    assert all(len(text) <= 50_000 and "\x00" not in text for text, _ in students)
    refused = con.execute(
        "SELECT count(*) FROM llm_calls WHERE issues_json LIKE '%too_long%' OR issues_json LIKE '%\"nul\"%'"
    ).fetchone()[0]
    assert refused >= 1
