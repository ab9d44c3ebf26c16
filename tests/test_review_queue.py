"""The review queue on a real SQLite store: order, leases, decisions, edits, undo, the trail, migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import review_corpus

from tutorforge.errors import BadInput
from tutorforge.review.policy import priority_sql
from tutorforge.review.queue import QueueFilter, ReviewConflict, ReviewSession
from tutorforge.storage.schema import DDL, SCHEMA_VERSION
from tutorforge.storage.store import Store


class Clock:
    """A clock the test moves by hand, so lease expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    path = tmp_path / "q.db"
    return path, review_corpus.build(path)


@pytest.fixture
def store(corpus) -> Store:
    with Store.open(corpus[0]) as s:
        yield s


def rows(store: Store, sql: str, *params) -> list[tuple]:
    return store.conn.execute(sql, params).fetchall()


def test_queue_order_teacher_errors_first_audit_last(store: Store, corpus) -> None:
    _, ids = corpus
    session = ReviewSession(store, "ana")
    items = session.items()
    assert [i.dialogue_id for i in items] == ids["queue"]
    assert [i.priority for i in items] == sorted(i.priority for i in items)
    assert items[0].reasons == ["teacher_error"] and items[-1].reasons == ["audit"]
    assert items[0].flags == {"false_arithmetic": 1}
    assert session.count() == len(ids["queue"])
    assert session.by_priority() == [("teacher_error", 3), ("wrong_final_answer", 1), ("audit", 1)]
    assert ids["failed"][0] not in {i.dialogue_id for i in items}  # a failed dialogue is redone, not reviewed
    counts = dict((f.label, n) for f, n in session.filters())
    assert counts["reason: teacher_error"] == 3 and counts["flag: wrong_final_answer"] == 1
    assert counts["reason: audit"] == 1 and counts["flag: false_arithmetic"] == 3


def test_filters_by_flag_kind_and_by_reason(store: Store, corpus) -> None:
    _, ids = corpus
    session = ReviewSession(store, "ana")
    final = QueueFilter("flag", "wrong_final_answer")
    assert [i.dialogue_id for i in session.items(final)] == ids["wrong_final_answer"]
    assert session.claim_next(final) == ids["wrong_final_answer"][0]
    assert [i.dialogue_id for i in session.items(QueueFilter("reason", "audit"))] == ids["audit"]
    assert session.count(QueueFilter("flag", "unparseable")) == 0


def test_the_queue_walks_its_index_without_sorting(store: Store) -> None:
    plan = rows(
        store,
        "EXPLAIN QUERY PLAN SELECT dialogue_id FROM dialogues INDEXED BY dialogues_queue"
        " WHERE review_status = 'pending' AND status = 'complete'"
        f" ORDER BY {priority_sql()}, run_id, idx LIMIT 1",
    )
    details = " ".join(str(r[-1]) for r in plan)
    assert "dialogues_queue" in details and "TEMP B-TREE" not in details


def test_two_sessions_never_hold_the_same_dialogue(store: Store, corpus) -> None:
    _, ids = corpus
    ana, bo = ReviewSession(store, "ana"), ReviewSession(store, "bo")
    first, second = ana.claim_next(), bo.claim_next()
    assert first == ids["queue"][0] and second == ids["queue"][1]
    with pytest.raises(ReviewConflict, match="held by ana"):
        bo.claim(first)
    with pytest.raises(ReviewConflict, match="held by ana"):
        bo.approve(first)
    assert {i.dialogue_id: i.held_by for i in ana.items()}[first] == "ana"
    ana.claim(ids["queue"][2])  # a session holds one dialogue: taking another gives back the first
    assert ana.held() == ids["queue"][2]
    assert bo.claim_next(exclude=[second]) == first


def test_a_crashed_reviewers_lease_expires(store: Store, corpus) -> None:
    _, ids = corpus
    clock = Clock()
    crashed = ReviewSession(store, "ana", lease_seconds=60, clock=clock)
    other = ReviewSession(store, "bo", lease_seconds=60, clock=clock)
    held = crashed.claim_next()
    clock.now += 30
    assert crashed.renew()
    clock.now += 59
    assert other.claim_next() != held  # renewed 59 s ago: still held
    other.release()
    clock.now += 2
    assert other.claim_next() == held  # expired: back in the queue
    assert not crashed.renew()  # the crashed session lost it
    other.approve(held)
    assert rows(store, "SELECT count(*) FROM review_leases WHERE dialogue_id = ?", held) == [(0,)]


def test_a_decision_is_one_row_with_who_and_when(store: Store, corpus) -> None:
    _, ids = corpus
    clock = Clock()
    ana = ReviewSession(store, "ana", clock=clock)
    target = ana.claim_next()
    review_id = ana.approve(target, "looks right")
    assert rows(
        store, "SELECT reviewer, decided_at, decision, note FROM reviews WHERE id = ?", review_id
    ) == [("ana", clock.now, "approved", "looks right")]
    assert rows(store, "SELECT review_status FROM dialogues WHERE dialogue_id = ?", target) == [("approved",)]
    assert ana.held() is None
    bo = ReviewSession(store, "bo")
    with pytest.raises(ReviewConflict, match="already approved by ana"):
        bo.reject(target, "no")
    with pytest.raises(ReviewConflict, match="by the review policy"):
        bo.approve(ids["clean"][0])
    with pytest.raises(BadInput, match="reason: must not be empty"):
        bo.reject(ids["queue"][1], "  ")
    with pytest.raises(BadInput, match="no dialogue"):
        bo.approve("run-a-9999999")
    with pytest.raises(BadInput, match="failed during generation"):
        bo.approve(ids["failed"][0])
    bo.reject(ids["queue"][1], "teacher says 2 + 2 = 5")
    latest = store.latest_reviews(ids["queue"][:2])
    assert latest[target] == {
        "reviewer": "ana",
        "decided_at": clock.now,
        "decision": "approved",
        "reason": "",
        "note": "looks right",
    }
    assert latest[ids["queue"][1]]["reviewer"] == "bo"
    assert latest[ids["queue"][1]]["reason"] == "teacher says 2 + 2 = 5"


def test_edits_keep_the_original_and_can_be_undone(store: Store, corpus) -> None:
    _, ids = corpus
    ana = ReviewSession(store, "ana")
    target = ana.claim_next()
    original = rows(store, "SELECT text FROM turns WHERE dialogue_id = ? AND turn_index = 2", target)[0][0]
    first = ana.edit(target, 2, "Careful now: 2 + 2 = 4, so keep going.")
    assert ana.edit(target, 2, "Careful now: 2 + 2 = 4, so keep going.") is None  # unchanged: no row
    ana.edit(target, 2, "2 + 2 = 4.")
    item = ana.load(target)
    assert item.edits[2].text == "2 + 2 = 4." and item.edits[2].original == original
    assert item.record.turns[2].text == original  # the stored turn is never overwritten
    assert (
        rows(store, "SELECT text FROM turns WHERE dialogue_id = ? AND turn_index = 2", target)[0][0]
        == original
    )
    with pytest.raises(ReviewConflict, match="edited again since"):
        ana.undo(first)
    last = rows(store, "SELECT max(id) FROM reviews")[0][0]
    ana.undo(last)
    assert ana.load(target).edits[2].text == "Careful now: 2 + 2 = 4, so keep going."
    ana.undo(first)
    assert ana.load(target).edits == {}  # back to the original: not an edit any more
    kinds = [(h["decision"], h["undoes"]) for h in ana.load(target).history]
    assert kinds == [("edited", None), ("edited", None), ("edited", last), ("edited", first)]
    with pytest.raises(BadInput, match="has no turn 99"):
        ana.edit(target, 99, "x")
    with pytest.raises(ReviewConflict, match="held by ana"):
        ReviewSession(store, "bo").edit(target, 2, "mine now")


def test_undo_a_decision_returns_the_dialogue_to_its_reviewer(store: Store, corpus) -> None:
    _, ids = corpus
    ana, bo = ReviewSession(store, "ana"), ReviewSession(store, "bo")
    target = ana.claim_next()
    review_id = ana.reject(target, "wrong")
    with pytest.raises(ReviewConflict, match="not one of bo's"):
        bo.undo(review_id)
    assert ana.undo(review_id) == target
    assert rows(store, "SELECT review_status FROM dialogues WHERE dialogue_id = ?", target) == [("pending",)]
    assert ana.held() == target and store.latest_reviews([target]) == {}
    assert bo.claim_next() != target
    with pytest.raises(ReviewConflict, match="decided again since"):
        ana.undo(review_id)
    note = ana.note(target, "asked Bo about the hint")
    with pytest.raises(ReviewConflict, match="cannot be undone"):
        ana.undo(note)
    ana.approve(target)
    trail = [(h["decision"], h["reason"], h["undoes"]) for h in ana.load(target).history]
    assert trail == [
        ("rejected", "wrong", None),
        ("undone", "rejected", review_id),
        ("note", "", None),
        ("approved", "", None),
    ]
    assert store.latest_reviews([target])[target]["decision"] == "approved"


def test_a_version_1_database_is_migrated_on_open(tmp_path: Path, corpus) -> None:
    path, ids = corpus
    conn = sqlite3.connect(path)
    reviews_v1 = next(s for s in DDL if "TABLE IF NOT EXISTS reviews" in s).replace(
        ",\n        undoes INTEGER REFERENCES reviews (id)", ""
    )
    conn.executescript(
        "DROP TABLE review_leases; DROP INDEX dialogues_queue; DROP TABLE reviews;"
        "ALTER TABLE turns DROP COLUMN move; ALTER TABLE turns DROP COLUMN target;"
        "ALTER TABLE dialogues DROP COLUMN meta_json; ALTER TABLE llm_calls DROP COLUMN price_source;"
        "ALTER TABLE drafts DROP COLUMN forced_by_verifier;"  # added in version 5
        f"{reviews_v1}; UPDATE meta SET value = '1' WHERE key = 'schema_version';"
        "INSERT INTO reviews (dialogue_id, reviewer, decided_at, decision)"
        " VALUES ('run-a-0000004', 'old', 1, 'approved');"
    )
    conn.close()
    with Store.open(path, create=False) as store:
        meta = dict(rows(store, "SELECT key, value FROM meta"))
        assert meta["schema_version"] == str(SCHEMA_VERSION)
        assert store.latest_reviews(["run-a-0000004"])["run-a-0000004"]["reviewer"] == "old"
        session = ReviewSession(store, "ana")
        assert session.claim_next() == ids["queue"][0]
        session.reject(ids["queue"][0], "kept")
        assert session.undo(rows(store, "SELECT max(id) FROM reviews")[0][0]) == ids["queue"][0]
    with Store.open(path, create=False) as store:  # a second open finds it current
        assert dict(rows(store, "SELECT key, value FROM meta"))["schema_version"] == str(SCHEMA_VERSION)


def test_long_text_is_refused(store: Store, corpus) -> None:
    ana = ReviewSession(store, "ana")
    target = ana.claim_next()
    with pytest.raises(BadInput, match="at most"):
        ana.edit(target, 2, "x" * 20_001)
    assert rows(store, "SELECT count(*) FROM reviews") == [(0,)]
