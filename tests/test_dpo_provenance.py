"""Preference pairs say who rejected the draft, and a false verifier flag never makes one.

The critic's verdict and the verifier's are stored apart (`Draft.critic` keeps what the critic said,
`Draft.forced_by_verifier` that a verifier error sent it back), through the real SQLite store.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from factories import make_record

from tutorforge.export.records import Context, dpo_records
from tutorforge.export.writer import export
from tutorforge.storage.record import Draft
from tutorforge.storage.schema import SCHEMA_VERSION
from tutorforge.storage.store import Store
from tutorforge.verifiers.types import Flag, TurnVerdict

ACCEPTED = {"verdict": "accept", "feedback": "", "scores": {}, "unparseable": False}
REVISE = {"verdict": "revise", "feedback": "Ask, do not tell.", "scores": {}, "unparseable": False}


def _flagged(text: str, claim: str, kind: str = "false_arithmetic") -> TurnVerdict:
    start = text.index(claim)
    return TurnVerdict("error", [Flag(kind, claim, (start, start + len(claim)), "flagged")], 1)


def _record_with(*drafts: Draft):
    record = make_record(3)  # 6 apples + 7 more, 1 given away; turn 2 is the teacher's hint
    record.turns[2].drafts = list(drafts)
    return record


def _pairs(record) -> list[dict]:
    ctx = Context({}, {}, {}, "v-test")
    return list(dpo_records(record, ctx))


def test_a_draft_the_verifier_really_flagged_makes_a_pair_that_says_so():
    text = "Careful: 6 + 7 = 14. Now take away the one she gives away."  # 6 + 7 is 13
    (pair,) = _pairs(_record_with(Draft(text, _flagged(text, "6 + 7 = 14"), ACCEPTED, True)))
    assert pair["rejected"][0]["content"] == text
    assert pair["metadata"]["pair"]["rejected_by"] == ["verifier"]
    assert pair["metadata"]["pair"]["critic"]["verdict"] == "accept"  # the critic's own word, kept


def test_a_false_verifier_flag_the_revision_fixed_makes_no_pair():
    # Stored as flagged (an older verifier misread it), but 6 + 7 = 13 is true: today's verifier agrees,
    # and the critic accepted it, so nobody really rejected this draft.
    text = "Good: 6 + 7 = 13. What happens after she gives 1 away?"
    assert _pairs(_record_with(Draft(text, _flagged(text, "6 + 7 = 13"), ACCEPTED, True))) == []


def test_a_draft_the_critic_rejected_makes_a_pair_whatever_the_verifier_says():
    text = "Good: 6 + 7 = 13. She ends with 12 apples."
    both = "Good: 6 + 7 = 15. Next step?"
    pairs = _pairs(
        _record_with(
            Draft(text, TurnVerdict("ok", [], 1), REVISE),
            Draft(both, _flagged(both, "6 + 7 = 15"), REVISE, True),
        )
    )
    assert [p["metadata"]["pair"]["rejected_by"] for p in pairs] == [["critic"], ["critic", "verifier"]]
    assert [p["metadata"]["pair"]["draft_index"] for p in pairs] == [0, 1]


def test_the_marker_is_stored_and_exported(tmp_path: Path):
    text = "Careful: 6 + 7 = 14. Now take away the one she gives away."
    record = _record_with(Draft(text, _flagged(text, "6 + 7 = 14"), ACCEPTED, True))
    with Store.open(tmp_path / "c.db") as store:
        store.ensure_run("run-a", {}, 7, {})
        store.save_dialogues([record])
        (back,) = store.iter_dialogues("all")
        assert back.turns[2].drafts[0].forced_by_verifier
        assert back.turns[2].drafts[0].critic["verdict"] == "accept"
        assert export(store, "dpo", tmp_path / "d.jsonl", include="all") == 1
        assert export(store, "raw", tmp_path / "r.jsonl", include="all") == 1
    raw = (tmp_path / "r.jsonl").read_text()
    assert '"rejected_by": ["verifier"]' in raw


def test_a_version_4_database_gains_the_marker_and_keeps_its_drafts(tmp_path: Path):
    text = "Careful: 6 + 7 = 14. Now take away the one she gives away."
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {}, 7, {})
        store.save_dialogues([_record_with(Draft(text, _flagged(text, "6 + 7 = 14"), REVISE))])
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE drafts DROP COLUMN forced_by_verifier;"
        "UPDATE meta SET value = '4' WHERE key = 'schema_version';"
    )
    conn.close()
    with Store.open(path, create=False) as store:
        (back,) = store.iter_dialogues("all")
        (draft,) = back.turns[2].drafts
        assert draft.text == text and not draft.forced_by_verifier and draft.rejected_by == ["critic"]
        version = store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == (str(SCHEMA_VERSION),)
