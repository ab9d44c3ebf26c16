"""The dataset card `export` writes: YAML front matter, sections, never replacing someone else's README,
deduplication; and an end-to-end run of the real `generate`, `report` and `export`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
import yaml
from factories import run_cli
from quality_corpus import build_corpus

from tutorforge.quality.card import MARKER, card_path, size_category

datasets.disable_progress_bars()
SECTIONS = (
    "Dataset summary",
    "Data fields",
    "How it was generated",
    "Review",
    "Quality figures",
    "Known limitations",
    "Licence",
    "Citation",
)


def front_matter(text: str) -> tuple[dict, str]:
    """The YAML front matter (parsed) and the body after it."""
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_a_card_with_valid_front_matter(tmp_path: Path) -> None:
    db = build_corpus(tmp_path / "corpus.db")
    out = tmp_path / "data" / "train.jsonl"
    out.parent.mkdir()
    code, _, err = run_cli("export", "--db", str(db), "--format", "openai", "--out", str(out))
    assert code == 0, err
    card = out.parent / "README.md"
    assert f"wrote the dataset card {card}" in err
    meta, body = front_matter(card.read_text(encoding="utf-8"))
    assert meta["license"] == "cc-by-4.0"
    assert meta["task_categories"] == ["text-generation"]
    assert meta["language"] == ["en"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["pretty_name"] and "synthetic" in meta["tags"]
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "train.jsonl"}]
    assert body.lstrip().startswith(MARKER)
    for section in SECTIONS:
        assert f"\n## {section}\n" in body
    assert "holds 4 records in the `openai` format" in body
    assert "| `messages` | list |" in body and "`metadata` holds: `dialogue_id`" in body
    assert "| run-a |" in body and "backend=scripted" in body  # the runs table
    assert "Success@3" in body and "false_arithmetic (1)" in body  # one flagged turn is exported
    assert "Near-duplicates" in body and "1 pairs" in body  # found, not removed
    assert "CC BY-SA" not in body and "@inproceedings" not in body
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    loaded = datasets.load_dataset(str(out.parent), cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].num_rows == 4


def test_dedup_drops_the_planted_near_duplicate(tmp_path: Path) -> None:
    db = build_corpus(tmp_path / "corpus.db")
    out = tmp_path / "raw.jsonl"
    code, _, err = run_cli("export", "--db", str(db), "--format", "raw", "--out", str(out), "--dedup")
    assert code == 0, err
    assert "left out 1 near-duplicate dialogues" in err
    assert [r["dialogue_id"] for r in lines(out)] == ["run-a-0000000", "run-a-0000001", "run-a-0000002"]
    body = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "Near-duplicates were removed: 1 dialogues left out." in body
    code, _, err = run_cli(
        "export", "--db", str(db), "--format", "raw", "--out", str(out), "--include", "all"
    )
    assert code == 0 and len(lines(out)) == 7 and "left out" not in err
    code, _, err = run_cli(
        "export", "--db", str(db), "--format", "raw", "--out", str(out), "--dedup", "--dedup-threshold", "0"
    )
    assert code == 2 and "--dedup-threshold" in err


def test_a_readme_written_by_someone_else_is_kept(tmp_path: Path) -> None:
    db = build_corpus(tmp_path / "corpus.db")
    theirs = "# Our corpus\n\nHand-written notes.\n"
    (tmp_path / "README.md").write_text(theirs)
    out = tmp_path / "sft.jsonl"
    code, _, err = run_cli("export", "--db", str(db), "--format", "sharegpt", "--out", str(out))
    assert code == 0, err
    assert (tmp_path / "README.md").read_text() == theirs
    ours = tmp_path / "sft.README.md"
    assert MARKER in ours.read_text() and "`sharegpt`" in ours.read_text()
    assert card_path(out) == ours  # ours again next time
    ours.write_text("also theirs\n")
    out.unlink()
    code, _, err = run_cli("export", "--db", str(db), "--format", "sharegpt", "--out", str(out))
    assert code == 2 and "not written by tutorforge" in err
    assert not out.exists()  # refused before anything was written
    code, _, _ = run_cli("export", "--db", str(db), "--format", "sharegpt", "--out", str(out), "--no-card")
    assert code == 0 and out.exists() and ours.read_text() == "also theirs\n"


def test_mathdial_problems_bring_their_licence_and_citation(tmp_path: Path) -> None:
    db = build_corpus(tmp_path / "corpus.db", source="mathdial")
    out = tmp_path / "md.jsonl"
    assert run_cli("export", "--db", str(db), "--format", "dpo", "--out", str(out))[0] == 0
    meta, body = front_matter((tmp_path / "README.md").read_text(encoding="utf-8"))
    assert meta["license"] == "cc-by-sa-4.0" and "mathdial" in meta["tags"]
    assert "CC BY-SA 4.0" in body and "@inproceedings{macina-etal-2023-mathdial" in body
    assert "| `prompt` | list |" in body and "| `rejected` | list |" in body  # one revision pair


@pytest.mark.parametrize(
    ("n", "category"),
    [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (250_000, "100K<n<1M"), (5 * 10**9, "n>1B")],
)
def test_size_categories(n: int, category: str) -> None:
    assert size_category(n) == category


@pytest.mark.slow
def test_end_to_end_generate_report_export(tmp_path: Path) -> None:
    """Two real runs with the same seed and different max-turns repeat each other's dialogues (the same
    random stream per index): the report finds the pairs and --dedup leaves out the second copies."""

    def tf(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "tutorforge.cli", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done

    tf("generate", "-n", "8", "--seed", "3", "--db", "c.db")
    tf("generate", "-n", "8", "--seed", "3", "--max-turns", "40", "--db", "c.db")
    tf("report", "--db", "c.db", "--out", "report.json")
    figures = json.loads((tmp_path / "report.json").read_text())
    near = figures["corpus"]["near_duplicates"]
    assert figures["corpus"]["analysed"] == 16
    assert near["pairs"] >= 6 and near["dropped_by_dedup"] == near["pairs"]  # pairs, no larger clusters
    assert figures["corpus"]["pedagogy"]["success"] > 0.5
    done = tf("export", "--db", "c.db", "--format", "raw", "--include", "all", "--out", "c.jsonl", "--dedup")
    assert f"left out {near['dropped_by_dedup']} near-duplicate" in done.stderr
    assert len(lines(tmp_path / "c.jsonl")) == 16 - near["dropped_by_dedup"]
    meta, body = front_matter((tmp_path / "README.md").read_text(encoding="utf-8"))
    assert meta["configs"][0]["data_files"][0]["path"] == "c.jsonl"
    assert body.count("| scripted") == 0 and "Backends: scripted" in body
    tf("report", "--db", "c.db", "--out", "report.html")
    assert "<svg" in (tmp_path / "report.html").read_text()


HOSTILE = "<img src=x onerror=alert(1)>"


def test_user_text_in_the_card_and_the_markdown_report_is_escaped(tmp_path: Path) -> None:
    from factories import make_record

    from tutorforge.storage.store import Store

    db = tmp_path / "corpus.db"
    record = make_record(0, calls=1)
    record.models = {"teacher": HOSTILE, "student": "[x](javascript:alert(1))", "critic": ""}
    for call in record.usage["calls"]:
        call["model"] = HOSTILE
    with Store.open(db) as store:
        store.ensure_run("run-a", {"problems_file": f"{HOSTILE}.jsonl", "backend": "openai"}, 7, {"v": "1"})
        store.save_dialogues([record])
    out = tmp_path / "pub" / "train.jsonl"
    code, _, err = run_cli("export", "--db", str(db), "--format", "openai", "--out", str(out))
    assert code == 0, err
    report = tmp_path / "report.md"
    code, _, err = run_cli("report", "--db", str(db), "--out", str(report))
    assert code == 0, err
    for text in ((out.parent / "README.md").read_text(encoding="utf-8"), report.read_text(encoding="utf-8")):
        assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(javascript:", text)  # only escaped forms
    card = (out.parent / "README.md").read_text(encoding="utf-8")
    assert r"\<img src=x onerror=alert(1)\>" in card  # shown as written, not rendered
    assert r"\<img src=x onerror=alert(1)\>" in report.read_text(encoding="utf-8")
