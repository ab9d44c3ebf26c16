"""Corpus figures on a known set of stored dialogues, and the stats command."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from statistics import mean

import pytest
from factories import make_record, run_cli

from tutorforge.quality.stats import compute_stats
from tutorforge.storage.store import Store


def known_set() -> list:
    records = []
    for i in range(12):
        records.append(
            make_record(
                i,
                teacher=("socratic-teacher", "careless-teacher")[i % 2],
                student=("careful", "sign-slipper", "fraction-adder")[i % 3],
                flagged=i % 4 == 0,
                revised=i % 3 == 0,
                labelled=i % 4 == 0,
                calls=i % 2,
                extra_turns=i % 4,
                review_status=("approved", "pending", "approved", "rejected")[i % 4],
                end_reason=("solved", "max_turns", "solved")[i % 3],
                status="failed" if i == 11 else "complete",
            )
        )
    return records


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {}, 1, {})
        store.save_dialogues(known_set())
    return path


def test_figures_match_the_records(db: Path) -> None:
    records = known_set()
    complete = [r for r in records if r.status == "complete"]
    with Store.open(db) as store:
        stats = compute_stats(store)
    assert stats["runs"] == 1 and stats["problems"] == len({r.problem.problem_id for r in records})
    assert stats["dialogues"]["total"] == len(records)
    assert stats["dialogues"]["by_status"] == dict(Counter(r.status for r in records))
    review = Counter("failed" if r.status == "failed" else r.review_status for r in records)
    assert stats["dialogues"]["by_review_status"] == dict(review)  # a failed dialogue is never approved
    assert stats["dialogues"]["review_reasons"] == dict(Counter(x for r in records for x in r.review_reasons))
    assert stats["end_reasons"] == dict(Counter(r.end_reason for r in records))
    turns = [len(r.turns) for r in complete]
    assert stats["turns"]["per_dialogue"] == {
        "mean": round(mean(turns), 2),
        "min": min(turns),
        "max": max(turns),
    }
    assert stats["turns"]["total"] == sum(len(r.turns) for r in records)
    assert stats["turns"]["by_status"] == dict(Counter(t.verdict.status for r in records for t in r.turns))
    assert stats["turns"]["drafts"] == sum(len(t.drafts) for r in records for t in r.turns)
    assert stats["flags"] == dict(Counter(f.kind for r in records for t in r.turns for f in t.verdict.flags))
    labels = [label for r in records for label in r.labels]
    assert stats["generator_labels"]["total"] == len(labels) > 0
    assert stats["generator_labels"]["by_misconception"] == dict(Counter(x.misconception for x in labels))
    calls = [c for r in records for c in r.usage["calls"]]
    assert stats["llm"]["calls"] == len(calls)
    assert stats["llm"]["input_tokens"] == sum(c["input_tokens"] for c in calls)


def test_per_persona_figures(db: Path) -> None:
    records = known_set()
    with Store.open(db) as store:
        personas = compute_stats(store)["personas"]
    for role in ("teacher", "student"):
        names = {getattr(r, role) for r in records}
        assert set(personas[role]) == names
        for name in names:
            mine = [r for r in records if getattr(r, role) == name]
            done = [len(r.turns) for r in mine if r.status == "complete"]
            assert personas[role][name] == {
                "dialogues": len(mine),
                "pending_share": round(sum(r.review_status == "pending" for r in mine) / len(mine), 4),
                "mean_turns": round(mean(done), 2),
                "solved_share": round(sum(r.end_reason == "solved" for r in mine) / len(mine), 4),
            }
    assert personas["critic"]["strict"]["dialogues"] == len(records)


def test_an_empty_corpus(tmp_path: Path) -> None:
    with Store.open(tmp_path / "e.db") as store:
        stats = compute_stats(store)
    assert stats["dialogues"]["total"] == 0 and stats["turns"]["per_dialogue"]["mean"] is None
    assert stats["flags"] == {} and stats["personas"] == {"teacher": {}, "student": {}, "critic": {}}
    code, out, _ = run_cli("stats", "--db", str(tmp_path / "e.db"))
    assert code == 0 and "Corpus" in out


def test_stats_command(db: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli("stats", "--db", str(db), "--json")
    assert code == 0
    with Store.open(db) as store:
        assert json.loads(out) == compute_stats(store)
    code, out, _ = run_cli("stats", "--db", str(db))
    assert code == 0
    for heading in (
        "Corpus",
        "Review status",
        "Flags by kind",
        "Teacher personas",
        "careless-teacher",
        "off_by_one",
    ):
        assert heading in out
    missing = tmp_path / "missing.db"
    code, _, err = run_cli("stats", "--db", str(missing))
    assert code == 2 and str(missing) in err and not missing.exists()
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    code, _, err = run_cli("stats", "--db", str(text))
    assert code == 2 and "not a SQLite database" in err and text.read_text() == "not a database"
