"""`tutorforge review` for scripts, end to end: generate with an audit share, list the queue, decide,
edit, export what was decided, and read the review figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import run_cli

from tutorforge.review.figures import wilson_interval
from tutorforge.review.queue import ReviewSession
from tutorforge.storage.store import Store


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "corpus.db"
    code, _, err = run_cli(
        "generate", "-n", "40", "--seed", "4", "--teacher", "careless-teacher", "--audit-rate", "0.3",
        "--db", str(db), "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    return db


def test_list_decide_edit_export_and_stats(generated: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    db.write_bytes(generated.read_bytes())
    code, out, err = run_cli("review", "--db", str(db), "--list", "--json")
    assert code == 0, err
    items = json.loads(out)
    with Store.open(db, create=False) as store:
        pending = store.conn.execute(
            "SELECT dialogue_id FROM dialogues WHERE review_status = 'pending' AND status = 'complete'"
        ).fetchall()
        auto = {
            d
            for (d,) in store.conn.execute(
                "SELECT dialogue_id FROM dialogues WHERE review_status = 'approved' AND status = 'complete'"
            )
        }
    assert sorted(i["dialogue_id"] for i in items) == sorted(d for (d,) in pending)
    assert [i["priority"] for i in items] == sorted(i["priority"] for i in items)
    reasons = [i["reasons"] for i in items]
    assert ["teacher_error"] == reasons[0][:1] and ["audit"] in reasons  # the careless teacher; the audit
    assert all(set(i) == {"dialogue_id", "reasons", "priority", "flags", "held_by"} for i in items)

    ids = [i["dialogue_id"] for i in items]
    audited = [i["dialogue_id"] for i in items if i["reasons"] == ["audit"]]
    to_approve, to_reject = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    edited_id = to_approve[0]
    with Store.open(db, create=False) as store:
        session = ReviewSession(store, "ed")
        item = session.load(edited_id)
        turn = next(t for t in item.record.turns if t.verdict.flags)
        session.edit(edited_id, turn.index, "A corrected turn.")
        session.release()
    args = [a for d in to_approve for a in ("--approve", d)] + [a for d in to_reject for a in ("--reject", d)]
    code, out, err = run_cli("review", "--db", str(db), "--reviewer", "cli", *args, "--reason", "bad hint")
    assert code == 0, err
    assert out.splitlines() == [f"approved {d}" for d in to_approve] + [f"rejected {d}" for d in to_reject]
    code, out, _ = run_cli("review", "--db", str(db), "--list", "--json")
    assert json.loads(out) == []
    code, _, err = run_cli("review", "--db", str(db), "--reviewer", "late", "--approve", to_reject[0])
    assert code == 1 and "already rejected by cli" in err

    raw = tmp_path / "raw.jsonl"
    assert run_cli("export", "--db", str(db), "--format", "raw", "--out", str(raw))[0] == 0
    rows = {r["dialogue_id"]: r for r in read_jsonl(raw)}
    assert set(rows) == auto | set(to_approve)  # rejected and pending ones never go out
    edited = rows[edited_id]
    assert edited["turns"][turn.index]["text"] == "A corrected turn."
    assert edited["metadata"]["edited"] is True and edited["metadata"]["reviewer"] == "cli"
    assert edited["metadata"]["edits"] == [
        {
            "turn_index": turn.index,
            "text": "A corrected turn.",
            "original_text": turn.text,
            "reviewer": "ed",
            "edited_at": edited["metadata"]["edits"][0]["edited_at"],
        }
    ]
    assert edited["review"]["decision"] == "approved"
    others = [r for d, r in rows.items() if d != edited_id]
    assert all(not r["metadata"]["edited"] and r["metadata"]["edits"] == [] for r in others)
    chat = tmp_path / "chat.jsonl"
    assert run_cli("export", "--db", str(db), "--format", "openai", "--out", str(chat))[0] == 0
    by_id = {r["metadata"]["dialogue_id"]: r for r in read_jsonl(chat)}
    assert by_id[edited_id]["messages"][1 + turn.index]["content"] == "A corrected turn."
    assert set(by_id) == set(rows)

    code, out, _ = run_cli("stats", "--db", str(db), "--json")
    review = json.loads(out)["review"]
    assert review["decisions_by_reviewer"]["cli"]["approved"] == len(to_approve)
    assert review["decisions_by_reviewer"]["cli"]["rejected"] == len(to_reject)
    assert review["decisions_by_reviewer"]["ed"]["edited"] == 1
    audit = review["audit"]
    found = sum(1 for d in audited if d in to_reject or d == edited_id)
    assert (audit["sampled"], audit["decided"], audit["problems_found"]) == (
        len(audited),
        len(audited),
        found,
    )
    assert audit["interval_95"] == [round(x, 4) for x in wilson_interval(found, len(audited))]
    assert audit["auto_approved"] == len(auto)


def test_the_human_list_and_bad_usage(generated: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli("review", "--db", str(generated), "--list")
    assert code == 0 and "pending" in out and "teacher_error" in out
    for args, message in (
        (("--reject", "x"), "--reason"),
        (("--reason", "why"), "only used with --reject"),
        (("--json",), "only used with --list"),
        (("--list", "--approve", "x"), "on its own"),
        (("--note", "hm"), "only used with --approve"),
        (("--reviewer", " "), "--reviewer"),
        (("--approve", "no-such-id"), "no dialogue 'no-such-id'"),
        ((), "needs a terminal"),
    ):
        code, _, err = run_cli("review", "--db", str(generated), *args)
        assert code == 2 and message in err, (args, err)
    missing = tmp_path / "none.db"
    code, _, err = run_cli("review", "--db", str(missing), "--list")
    assert code == 2 and not missing.exists()


def test_an_edited_turn_is_exported_with_the_verifiers_verdict_on_its_new_text(generated, tmp_path):
    """A reviewer fixes a flagged teacher turn and slips a false sum into a clean one: the export shows
    the first clean and the second flagged, not the verdicts of the generated text."""
    db = tmp_path / "c.db"
    db.write_bytes(generated.read_bytes())
    with Store.open(db, create=False) as store:
        did = store.conn.execute(
            "SELECT dialogue_id FROM dialogues WHERE review_status = 'pending' AND review_reasons_json"
            " LIKE '%teacher_error%' ORDER BY idx LIMIT 1"
        ).fetchone()[0]
        session = ReviewSession(store, "ed")
        record = session.load(did).record
        teacher = [t for t in record.turns if t.role == "teacher"]
        bad = next(t for t in teacher if t.verdict.has_error)
        clean = next(t for t in teacher if t.verdict.status in ("ok", "no_claims"))
        session.edit(did, bad.index, "Let's look at that step again together.")
        session.edit(did, clean.index, "Remember that 1/2 + 1/3 = 2/5.")
        session.approve(did)
    raw = tmp_path / "raw.jsonl"
    assert run_cli("export", "--db", str(db), "--format", "raw", "--out", str(raw))[0] == 0
    turns = {r["dialogue_id"]: r for r in read_jsonl(raw)}[did]["turns"]
    assert turns[bad.index]["verdict"]["status"] == "no_claims"
    assert turns[clean.index]["verdict"]["status"] == "error"
    assert [f["kind"] for f in turns[clean.index]["verdict"]["flags"]] == ["false_arithmetic"]
