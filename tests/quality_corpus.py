"""A small stored corpus for the report and card tests, built from tests/factories.py records."""

from __future__ import annotations

from pathlib import Path

from factories import make_record

from tutorforge.storage.store import Store


def build_corpus(path: Path, *, source: str = "generated") -> Path:
    """Six dialogues in run-a (clean, flagged with a label and three LLM calls, revised, pending, rejected,
    failed), a copy of dialogue 0 in run-b (a planted near-duplicate), and one reviewer's rejection.
    Approved and complete: run-a 0, 1, 2 and run-b 0. `source`: every problem's source."""
    records = [
        make_record(0),
        make_record(1, flagged=True, labelled=True, calls=3),
        make_record(2, revised=True, extra_turns=3),
        make_record(3, review_status="pending", flagged=True),
        make_record(4, review_status="rejected"),
        make_record(5, status="failed", review_status="pending"),
        make_record(0, run_id="run-b"),
    ]
    for record in records:
        record.problem = record.problem.model_copy(update={"source": source})
    with Store.open(path) as store:
        store.ensure_run(
            "run-a", {"n": 6, "backend": "scripted"}, 7, {"tutorforge": "0.1.0", "verifier": "v"}
        )
        store.ensure_run("run-b", {"n": 1}, 7, {})
        store.save_dialogues(records)
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO reviews (dialogue_id, reviewer, decided_at, decision) VALUES (?,?,?,?)",
                ("run-a-0000004", "ana", 5.0, "rejected"),
            )
    return path
