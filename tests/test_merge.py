"""`tutorforge merge`: every row once, the better copy of a duplicate kept, reviews and their links intact,
foreign or mismatched inputs refused before anything is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from factories import make_record, run_cli

from tutorforge.review.queue import ReviewSession
from tutorforge.storage.store import Store

VERSIONS = {"tutorforge": "0.1.0", "verifier": "v1"}
CHILD_TABLES = ("turns", "drafts", "generator_labels", "reviews", "llm_calls")


def tutorforge(*args: str) -> tuple[int, str]:
    """The command line, run in this process: (exit code, stderr + stdout)."""
    code, out, err = run_cli(*args)
    return code, err + out


def corpus(path: Path, records, config: dict | None = None) -> Path:
    with Store.open(path) as store:
        for run_id in sorted({r.run_id for r in records}):
            store.ensure_run(run_id, config or {"seed": 7, "max_turns": 10}, 7, VERSIONS)
        store.save_dialogues(records)
    return path


def rows(db: Path, table: str, dialogue_id: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(f"SELECT count(*) FROM {table} WHERE dialogue_id = ?", (dialogue_id,)).fetchone()[
            0
        ]


def test_duplicates_keep_the_complete_then_the_reviewed_copy(tmp_path):
    # a.db: 0 failed, 1 complete but unreviewed, 2 complete and approved by a reviewer, 3 only here
    a = corpus(
        tmp_path / "a.db",
        [
            make_record(0, status="failed", review_status="pending"),
            make_record(1, review_status="pending", flagged=True, calls=2),
            make_record(2, review_status="pending", flagged=True),
            make_record(3, revised=True, labelled=True),
        ],
    )
    with Store.open(a) as store:
        ReviewSession(store, "ana").approve("run-a-0000002", note="fine")
    # b.db: 0 complete, 1 complete and rejected by a reviewer, 2 complete but unreviewed, 4 only here
    b = corpus(
        tmp_path / "b.db",
        [
            make_record(0, calls=3, revised=True),
            make_record(1, review_status="pending", flagged=True, labelled=True),
            make_record(2, review_status="pending", flagged=True, calls=1),
            make_record(4),
        ],
    )
    with Store.open(b) as store:
        ReviewSession(store, "ben").reject("run-a-0000001", "teacher error")
    out = tmp_path / "out.db"
    code, text = tutorforge("merge", str(a), str(b), "--db", str(out))
    assert code == 0, text
    assert "merged" in text and "3 already present" in text and "2 replaced" in text and "1 kept" in text
    with Store.open(out) as store:
        merged = {r.dialogue_id: r for r in store.iter_dialogues("all")}
        decisions = store.latest_reviews(list(merged))
    assert sorted(merged) == [f"run-a-000000{i}" for i in range(5)]
    assert merged["run-a-0000000"].status == "complete"  # b's complete copy beat a's failed one
    assert decisions["run-a-0000001"]["reviewer"] == "ben"  # b's reviewed copy beat a's unreviewed one
    assert decisions["run-a-0000002"]["reviewer"] == "ana"  # a's reviewed copy stayed
    assert merged["run-a-0000002"].review_status == "approved"
    # each kept copy brought exactly its own rows, the dropped copy none
    expected = {
        "run-a-0000000": b,
        "run-a-0000001": b,
        "run-a-0000002": a,
        "run-a-0000003": a,
        "run-a-0000004": b,
    }
    for did, source in expected.items():
        for table in CHILD_TABLES:
            assert rows(out, table, did) == rows(source, table, did), (did, table)
    with sqlite3.connect(out) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CHILD_TABLES}
    # merging the same inputs again changes nothing
    code, text = tutorforge("merge", str(b), str(a), "--db", str(out))
    assert code == 0 and "0 dialogues added" in text, text
    with sqlite3.connect(out) as con:
        assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CHILD_TABLES} == before


def test_review_ids_are_shifted_and_undo_links_follow(tmp_path):
    a = corpus(tmp_path / "a.db", [make_record(i, review_status="pending", flagged=True) for i in range(3)])
    b = corpus(
        tmp_path / "b.db", [make_record(i, review_status="pending", flagged=True) for i in range(3, 6)]
    )
    for path, first in ((a, 0), (b, 3)):
        with Store.open(path) as store:
            session = ReviewSession(store, "ana")
            first_id = session.approve(f"run-a-{first:07d}")
            session.undo(first_id)  # an `undone` row pointing at the approval
            session.reject(f"run-a-{first:07d}", "wrong sum")
            session.approve(f"run-a-{first + 1:07d}")
    out = tmp_path / "out.db"
    from tutorforge.storage.merge import merge

    merge([a, b], out)
    with sqlite3.connect(out) as con:
        reviews = con.execute("SELECT id, dialogue_id, decision, undoes FROM reviews ORDER BY id").fetchall()
    assert len(reviews) == 8 and len({r[0] for r in reviews}) == 8
    by_id = {r[0]: r for r in reviews}
    for _, did, decision, undoes in reviews:
        if decision == "undone":
            assert by_id[undoes][1] == did and by_id[undoes][2] == "approved"
    with Store.open(out) as store:
        latest = store.latest_reviews([f"run-a-{i:07d}" for i in range(6)])
    assert {did: d["decision"] for did, d in latest.items()} == {
        "run-a-0000000": "rejected",
        "run-a-0000001": "approved",
        "run-a-0000003": "rejected",
        "run-a-0000004": "approved",
    }


def test_a_run_with_other_settings_is_refused_naming_both_files(tmp_path):
    a = corpus(tmp_path / "a.db", [make_record(0)], {"seed": 7, "max_turns": 10})
    b = corpus(tmp_path / "b.db", [make_record(1)], {"seed": 7, "max_turns": 12})
    out = tmp_path / "out.db"
    code, text = tutorforge("merge", str(a), str(b), "--db", str(out))
    assert code == 2 and str(a) in text and str(b) in text and "max_turns" in text, text
    assert not out.exists()  # checked before anything was written


@pytest.mark.parametrize("kind", ["text", "sqlite", "missing"])
def test_foreign_inputs_are_refused(tmp_path, kind):
    good = corpus(tmp_path / "good.db", [make_record(0)])
    bad = tmp_path / "bad.db"
    if kind == "text":
        bad.write_text("not a database\n")
    elif kind == "sqlite":
        with sqlite3.connect(bad) as con:
            con.execute("CREATE TABLE t (x)")
    out = tmp_path / "out.db"
    code, text = tutorforge("merge", str(good), str(bad), "--db", str(out))
    assert code == 2 and str(bad) in text, text
    assert not out.exists()
    if kind != "missing":
        assert bad.exists()


def test_the_output_or_a_repeated_input_is_refused(tmp_path):
    a = corpus(tmp_path / "a.db", [make_record(0)])
    code, text = tutorforge("merge", str(a), str(a), "--db", str(tmp_path / "o.db"))
    assert code == 2 and "named twice" in text
    code, text = tutorforge("merge", str(a), "--db", str(a))
    assert code == 2 and "output database" in text


def test_merge_adds_to_an_existing_corpus_and_copies_the_response_cache(tmp_path):
    out = corpus(tmp_path / "out.db", [make_record(0)])
    other = corpus(tmp_path / "other.db", [make_record(1, run_id="run-b")], {"seed": 1})
    with sqlite3.connect(other) as con:
        con.execute(
            "CREATE TABLE llm_cache (key TEXT PRIMARY KEY, backend TEXT NOT NULL, model TEXT NOT NULL,"
            " reply TEXT NOT NULL, created_at REAL NOT NULL)"
        )
        con.execute("INSERT INTO llm_cache VALUES ('k1', 'openai', 'm', '{}', 1.0)")
    code, text = tutorforge("merge", str(other), "--db", str(out))
    assert code == 0 and "1 dialogues added, 1 new run" in text, text
    with sqlite3.connect(out) as con:
        assert con.execute("SELECT count(*) FROM dialogues").fetchone()[0] == 2
        assert con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall() == [("run-a",), ("run-b",)]
        assert con.execute("SELECT key FROM llm_cache").fetchall() == [("k1",)]
