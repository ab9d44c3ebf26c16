"""The SQLite store with real SQLite files: round trips, batches as transactions, resume, refusals."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from factories import make_record

from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.storage.schema import SCHEMA_VERSION
from tutorforge.storage.store import Store


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "corpus.db") as s:
        s.ensure_run("run-a", {"n": 10}, 7, {"tutorforge": "0.1.0"})
        s.ensure_run("run-b", {"n": 10}, 8, {"tutorforge": "0.1.0"})
        yield s


def varied(n: int, run_id: str = "run-a", start: int = 0) -> list:
    return [
        make_record(
            i,
            run_id=run_id,
            flagged=i % 3 == 0,
            revised=i % 4 == 0,
            labelled=i % 3 == 0,
            calls=i % 3,
            extra_turns=i % 5,
            review_status=("approved", "pending", "rejected")[i % 3],
        )
        for i in range(start, start + n)
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_rebuilds_every_field(store: Store) -> None:
    records = varied(40)
    store.save_dialogues(records)
    back = list(store.iter_dialogues("all"))
    assert back == records
    assert any(r.turns[2].drafts for r in back) and any(r.labels for r in back)
    assert any(r.usage["calls"] for r in back)
    assert any(f for r in back for t in r.turns for f in t.verdict.flags)


def test_approved_only_by_default_and_run_filter(store: Store) -> None:
    records = varied(9) + varied(4, run_id="run-b")
    store.save_dialogues(records)
    store.save_dialogues([make_record(20, status="failed", review_status="approved")])
    approved = [(r.run_id, r.index) for r in store.iter_dialogues()]
    assert approved == [(r.run_id, r.index) for r in records if r.review_status == "approved"]
    assert ("run-a", 20) not in approved and len(approved) == 5
    assert [r.index for r in store.iter_dialogues("all", run_id="run-b")] == [0, 1, 2, 3]
    assert len(list(store.iter_dialogues("all"))) == 14
    with pytest.raises(BadInput, match="--include"):
        list(store.iter_dialogues("some"))


def test_order_is_run_then_index_across_pages(store: Store) -> None:
    store.save_dialogues(varied(7, run_id="run-b"))
    store.save_dialogues(list(reversed(varied(25))))
    pages = list(store.iter_pages("all", page_size=4))
    assert max(len(p) for p in pages) == 4
    keys = [(r.run_id, r.index) for p in pages for r in p]
    assert keys == sorted(keys) and len(keys) == 32


def test_a_failing_batch_leaves_nothing(store: Store) -> None:
    store.save_dialogues([make_record(0)])
    before = store.counts()
    clash = make_record(5)
    clash.dialogue_id = "run-a-0000000"  # same primary key as the stored dialogue 0
    batch = [make_record(3, labelled=True, calls=2, revised=True), make_record(4), clash]
    with pytest.raises(RuntimeFailure, match="could not save 3 dialogues"):
        store.save_dialogues(batch)
    assert store.counts() == before
    assert store.done_indices("run-a") == {0}


def test_done_indices_counts_complete_ones_only(store: Store) -> None:
    store.save_dialogues(
        [make_record(0), make_record(1, status="failed"), make_record(2, review_status="pending")]
    )
    store.save_dialogues([make_record(0, run_id="run-b")])
    assert store.done_indices("run-a") == {0, 2}
    assert store.done_indices("run-b") == {0}
    assert store.done_indices("run-z") == set()


def test_a_failed_dialogue_is_replaced_with_its_rows(store: Store) -> None:
    failed = make_record(3, status="failed", labelled=True, calls=2, revised=True)
    store.save_dialogues([failed])
    redo = make_record(3, calls=1)
    redo.dialogue_id = "run-a-redo-3"
    store.save_dialogues([redo])
    assert store.done_indices("run-a") == {3}
    assert list(store.iter_dialogues("all")) == [redo]
    counts = store.counts()
    assert counts["dialogues"] == 1 and counts["llm_calls"] == 1 and counts["generator_labels"] == 0
    assert counts["turns"] == len(redo.turns) and counts["drafts"] == 0


def test_a_complete_dialogue_is_never_overwritten(store: Store) -> None:
    first = make_record(2)
    store.save_dialogues([first])
    again = make_record(2, flagged=True)
    again.dialogue_id = "run-a-other"
    with pytest.raises(RuntimeFailure, match="dialogue 2 is already complete"):
        store.save_dialogues([make_record(5), again])
    assert list(store.iter_dialogues("all")) == [first]


def test_saving_for_an_unrecorded_run_fails(store: Store) -> None:
    with pytest.raises(RuntimeFailure, match="run run-x is not recorded"):
        store.save_dialogues([make_record(0, run_id="run-x")])
    assert store.counts()["dialogues"] == 0


def test_ensure_run_is_idempotent_and_keeps_the_first(store: Store) -> None:
    store.ensure_run("run-a", {"n": 99}, 1, {"tutorforge": "9"})
    runs = store.runs()
    assert set(runs) == {"run-a", "run-b"}
    assert runs["run-a"]["config"] == {"n": 10} and runs["run-a"]["seed"] == 7


def test_no_key_reaches_the_file(tmp_path: Path) -> None:
    key = "sk-proj-" + "Zq9" * 12
    with Store.open(tmp_path / "k.db") as s:
        s.ensure_run("run-a", {"api_key": key, "base_url": f"https://u:{key}@host/v1", "n": 2}, 1, {})
        record = make_record(0, calls=1)
        record.usage["calls"][0].update(api_key=key, error=f"401: bad key {key}")
        record.status, record.error = "failed", f"AuthenticationError: Bearer {key}"
        s.save_dialogues([record])
        stored = s.runs()["run-a"]["config"]
        call = list(s.iter_dialogues("all"))[0].usage["calls"][0]
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert stored["n"] == 2 and stored["api_key"] == "[redacted]" and key not in stored["base_url"]
    assert "api_key" not in call and call["error"] == "401: bad key [redacted]"
    for f in tmp_path.iterdir():
        assert key.encode() not in f.read_bytes(), f.name
        assert key[:20].encode() not in f.read_bytes(), f.name


def test_reopen_keeps_data_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Store.open(path) as s:
        s.ensure_run("run-a", {}, 1, {})
        s.save_dialogues([make_record(0), make_record(1)])
    with Store.open(path, create=False) as s:
        assert s.done_indices("run-a") == {0, 1}
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        meta = dict(s.conn.execute("SELECT key, value FROM meta"))
    assert meta["app"] == "tutorforge" and meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["created_with"]


def test_an_empty_file_becomes_a_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path) as s:
        assert s.counts()["dialogues"] == 0
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


def _foreign_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()


def _future_db(path: Path) -> None:
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("id,text\n1,hello\n"), "not a SQLite database"),
        (_foreign_db, "not a tutorforge database"),
        (_future_db, "is newer than this tutorforge"),
    ],
    ids=["text-file", "other-sqlite", "future-schema"],
)
def test_open_refuses_and_leaves_the_file_alone(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "x.db"
    make(path)
    before = digest(path)
    siblings = sorted(tmp_path.iterdir())
    with pytest.raises(BadInput, match=message) as err:
        Store.open(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert digest(path) == before
    assert sorted(tmp_path.iterdir()) == siblings


def test_open_refuses_paths_it_cannot_use(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        Store.open(tmp_path / "no" / "such" / "dir" / "c.db")
    with pytest.raises(BadInput, match="is a directory"):
        Store.open(tmp_path)
    with pytest.raises(BadInput, match="no such database"):
        Store.open(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_open_refuses_an_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(BadInput, match="not writable"):
            Store.open(locked / "c.db")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_open_reports_sqlite_refusing_the_path() -> None:
    # /proc accepts no new files, even for root: the failure comes from SQLite itself.
    with pytest.raises(BadInput, match="/proc/self/tutorforge.db"):
        Store.open("/proc/self/tutorforge.db")


def test_a_corrupt_row_is_a_runtime_failure(store: Store) -> None:
    store.save_dialogues([make_record(0), make_record(1)])
    store.conn.execute("UPDATE turns SET flags_json = '[{' WHERE dialogue_id = 'run-a-0000001'")
    with pytest.raises(RuntimeFailure, match="unreadable dialogue"):
        list(store.iter_dialogues())


def test_latest_reviews_and_counts(store: Store) -> None:
    store.save_dialogues([make_record(0, review_status="pending"), make_record(1)])
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO reviews (dialogue_id, reviewer, decided_at, decision) VALUES (?,?,?,?)",
            [("run-a-0000000", "ana", 1.0, "rejected"), ("run-a-0000000", "bo", 2.0, "approved")],
        )
    reviews = store.latest_reviews(["run-a-0000000", "run-a-0000001"])
    assert reviews == {
        "run-a-0000000": {
            "reviewer": "bo",
            "decided_at": 2.0,
            "decision": "approved",
            "reason": "",
            "note": "",
        }
    }
    counts = store.counts()
    assert counts["reviews"] == 2 and counts["dialogues"] == 2 and counts["runs"] == 2
    assert counts["turns"] == 16


def test_records_keep_their_own_fields_after_a_round_trip(store: Store) -> None:
    record = make_record(0, calls=1)
    record.usage["totals"] = {"input_tokens": 100}
    store.save_dialogues([record])
    (back,) = store.iter_dialogues()
    assert dataclasses.asdict(back) == dataclasses.asdict(record)


def test_moves_and_setup_round_trip_and_a_version_3_database_gains_them(tmp_path: Path) -> None:
    """Teacher moves and targets and the dialogue's setup are stored; an older file is upgraded in place,
    its turns reading back with no move."""
    path = tmp_path / "old.db"
    with Store.open(path) as s:
        s.ensure_run("run-a", {}, 1, {})
        s.save_dialogues([make_record(0)])
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX dialogues_queue; ALTER TABLE turns DROP COLUMN move;"
        "ALTER TABLE turns DROP COLUMN target; ALTER TABLE dialogues DROP COLUMN meta_json;"
        "ALTER TABLE drafts DROP COLUMN forced_by_verifier;"  # added in version 5
        "UPDATE meta SET value = '3' WHERE key = 'schema_version';"
    )
    conn.close()
    record = make_record(1, flagged=True)
    record.meta = {
        "student_name": "Ines",
        "misconception": "sign-slip",
        "held": ["sign-slip"],
        "opening": "attempt",
    }
    with Store.open(path, create=False) as s:
        assert dict(s.conn.execute("SELECT key, value FROM meta"))["schema_version"] == str(SCHEMA_VERSION)
        s.save_dialogues([record])
        old, new = list(s.iter_dialogues("all"))
        index = {r[1] for r in s.conn.execute("PRAGMA index_list(dialogues)")}
    assert "dialogues_queue" in index
    assert all(t.move == "" and t.target == "" for t in old.turns) and old.meta == {}
    assert [(t.move, t.target) for t in new.turns] == [(t.move, t.target) for t in record.turns]
    assert new.turns[2].move == "probing" and new.turns[2].target == "false_arithmetic"
    assert new.meta == record.meta
