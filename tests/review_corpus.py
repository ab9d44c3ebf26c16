"""A small stored corpus with a known review queue, built from tests/factories.py records and the real
review policy."""

from __future__ import annotations

from pathlib import Path

from factories import make_record

from tutorforge.review.policy import AUDIT, apply_policy
from tutorforge.storage.record import DialogueRecord
from tutorforge.storage.store import Store
from tutorforge.verifiers.types import Flag, TurnVerdict

RUN = "run-a"
WRONG = "2 + 2 = 5"


def with_teacher_error(record: DialogueRecord, turn: int = 2) -> DialogueRecord:
    """Give teacher turn `turn` a false claim the verifier flagged."""
    t = record.turns[turn]
    assert t.role == "teacher"
    t.text = f"Careful now: {WRONG}, so keep going."
    start = t.text.index(WRONG)
    flag = Flag("false_arithmetic", WRONG, (start, start + len(WRONG)), "2 + 2 is 4, not 5")
    t.verdict = TurnVerdict("error", [flag], 1)
    return record


def with_wrong_final(record: DialogueRecord) -> DialogueRecord:
    """Make the student's final answer wrong, flagged by the verifier."""
    final = record.turns[-1]
    final.text = "The answer is 999."
    start = final.text.index("999")
    flag = Flag("wrong_final_answer", "999", (start, start + 3), f"the answer is {record.problem.answer}")
    final.verdict = TurnVerdict("error", [flag], 1)
    return record


def queued(record: DialogueRecord, *, audit: bool = False) -> DialogueRecord:
    """Apply the real policy; `audit` puts a clean dialogue in the audit sample."""
    apply_policy(record)
    if audit:
        assert not record.review_reasons
        record.review_reasons, record.review_status = [AUDIT], "pending"
    return record


def build(path: Path) -> dict[str, list[str]]:
    """Store a corpus and return its dialogue ids by what the policy made of them.

    Index: 0 wrong final answer, 1 and 3 teacher errors, 2 audit, 4 clean, 5 failed with a teacher error,
    6 a teacher error after a student error.
    """
    records = [
        queued(with_wrong_final(make_record(0))),
        queued(with_teacher_error(make_record(1))),
        queued(make_record(2), audit=True),
        queued(with_teacher_error(make_record(3, labelled=True))),
        queued(make_record(4)),
        queued(with_teacher_error(make_record(5, status="failed"))),
        queued(with_teacher_error(make_record(6, flagged=True, labelled=True))),
    ]
    with Store.open(path) as store:
        store.ensure_run(RUN, {}, 7, {})
        store.save_dialogues(records)
    ids = [r.dialogue_id for r in records]
    return {
        "teacher_error": [ids[1], ids[3], ids[6]],
        "wrong_final_answer": [ids[0]],
        "audit": [ids[2]],
        "clean": [ids[4]],
        "failed": [ids[5]],
        "queue": [ids[1], ids[3], ids[6], ids[0], ids[2]],
    }
