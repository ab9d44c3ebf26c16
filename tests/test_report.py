"""`tutorforge report`: HTML and Markdown with every section, well-formed, self-contained; bad input."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import run_cli
from quality_corpus import build_corpus

from tutorforge.quality.metrics import quality_figures
from tutorforge.storage.store import Store

SECTIONS = (
    "Overview",
    "Flags",
    "Review",
    "Pedagogy",
    "Moves and misconceptions",
    "Diversity",
    "Coverage",
    "Turns",
    "Near-duplicates",
    "Cost",
)
VOID = {"meta", "br", "hr", "img", "input", "link"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_corpus(tmp_path / "corpus.db")


class WellFormed(HTMLParser):
    """Checks that every element is closed in order; collects ids, headings and external references."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: set[str] = set()
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.add(str(a["id"]))
        self.external += [str(a[k]) for k in ("src", "href") if k in a and not str(a[k]).startswith("#")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def test_html_report_has_every_section_and_is_well_formed(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", "--db", str(db), "--out", str(out))
    assert code == 0, err
    assert "report.html (html, 6 dialogues)" in err  # the failed one is counted, not analysed
    text = out.read_text(encoding="utf-8")
    parser = WellFormed()
    parser.feed(text)
    parser.close()
    assert parser.stack == []
    assert {s.lower().replace(" ", "-") for s in SECTIONS} <= parser.ids
    assert parser.external == []  # self-contained: no linked stylesheet, script or image
    assert "script" not in parser.tags
    assert parser.tags.count("svg") == 3  # flags, families, turns histogram
    assert "false_arithmetic" in text and "Success@k" in text
    assert "run-b-0000000" in text  # the planted near-duplicate is listed


def test_markdown_and_json_reports(db: Path, tmp_path: Path) -> None:
    md = tmp_path / "r.md"
    assert run_cli("report", "--db", str(db), "--out", str(md))[0] == 0
    text = md.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"\n## {section}\n" in text
    assert "<svg" not in text
    assert "| k (teacher turns) | Success@k | Telling@k |" in text
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in table_lines)
    as_json = tmp_path / "r.txt"
    assert run_cli("report", "--db", str(db), "--out", str(as_json), "--format", "json")[0] == 0
    figures = json.loads(as_json.read_text())
    assert figures["corpus"]["near_duplicates"]["dropped_by_dedup"] == 1
    assert figures["store"]["review_decisions"] == {"approved": 0, "rejected": 1}
    assert figures["store"]["stats"]["llm"]["calls"] == 3


def test_figures_count_what_the_fixture_holds(db: Path) -> None:
    with Store.open(db, create=False) as store:
        figures = quality_figures(store)
        approved = quality_figures(store, "approved")
    corpus = figures["corpus"]
    assert (corpus["dialogues"], corpus["analysed"]) == (7, 6)
    assert corpus["turns_per_dialogue"] == {"8": 5, "11": 1}
    assert figures["store"]["stats"]["flags"] == {"false_arithmetic": 2}
    assert approved["corpus"]["analysed"] == 4  # 0, 1, 2 of run-a and the copy in run-b
    assert [r["run_id"] for r in figures["store"]["runs"]] == ["run-a", "run-b"]


def test_report_bad_input(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, _, err = run_cli("report", "--db", str(tmp_path / "none.db"), "--out", str(out))
    assert code == 2 and "none.db" in err
    code, _, err = run_cli("report", "--db", str(db), "--out", str(out), "--format", "pdf")
    assert code == 2 and "--format" in err
    code, _, err = run_cli("report", "--db", str(db), "--out", str(tmp_path / "no" / "r.html"))
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli("report", "--db", str(db), "--out", str(out), "--include", "pending")
    assert code == 2 and "--include" in err
    code, _, err = run_cli("report", "--db", str(db), "--out", str(out), "--dedup-threshold", "1.5")
    assert code == 2 and "--dedup-threshold" in err
    for target in (db, Path(f"{db}-wal")):
        code, _, err = run_cli("report", "--db", str(db), "--out", str(target), "--format", "md")
        assert code == 2 and "the database itself" in err
    assert not out.exists()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_report_on_an_empty_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store.open(db).close()
    out = tmp_path / "r.md"
    code, _, err = run_cli("report", "--db", str(db), "--out", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert all(f"\n## {section}\n" in text for section in SECTIONS)
    assert "Over 0 dialogues" in text and "| 1 | - | - |" in text


def test_moves_and_misconceptions_of_a_generated_corpus(tmp_path: Path) -> None:
    """A real scripted corpus: the move mix per teacher persona beside MathDial's, and per student persona
    whether its misconception showed."""
    db = tmp_path / "gen.db"
    code, _, err = run_cli("generate", "-n", "36", "--seed", "7", "--db", str(db), "--workers", "1")
    assert code == 0, err
    md = tmp_path / "r.md"
    assert run_cli("report", "--db", str(db), "--out", str(md))[0] == 0
    text = md.read_text(encoding="utf-8")
    assert "| teacher | turns | focus | probing | telling | generic |" in text
    assert "| MathDial (reference) | 3,699 | 34.0% | 25.7% | 16.2% | 24.1% |" in text
    rows = {line.split(" | ")[0].lstrip("| ") for line in text.splitlines() if line.startswith("| ")}
    assert {"socratic-teacher", "worked-example-teacher", "fraction-adder", "sign-slipper"} <= rows
    with Store.open(db, create=False) as store:
        moves = quality_figures(store)["corpus"]["moves"]
    shown = moves["misconception"]
    assert shown["dialogues"] >= 25 and shown["show_rate"] >= 0.8
    assert sum(r["shown"] for r in shown["by_student"].values()) == shown["shown"]
    assert "careful-student" not in shown["by_student"]  # it holds no misconception
    assert sum(moves["moves"]["counts"].values()) == sum(
        r["turns"] for r in moves["moves"]["by_teacher"].values()
    )
    assert moves["approved_unsolved"] == 0
