"""The pedagogy metrics on MathDial's real dialogues (skipped when ../shared is absent)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tutorforge.errors import BadInput
from tutorforge.quality.mathdial import read_mathdial
from tutorforge.quality.pedagogy import PedagogyTally

ROOT = Path(__file__).resolve().parents[1]
MATHDIAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "mathdial" / "test.jsonl"
needs_mathdial = pytest.mark.skipif(not MATHDIAL.is_file(), reason="../shared/data/mathdial is absent")


@needs_mathdial
def test_mathdial_views_follow_the_tags_and_outcomes() -> None:
    raw = [json.loads(line) for line in MATHDIAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    views = list(read_mathdial(MATHDIAL))
    assert len(views) == len(raw)
    tags = sum(len(re.findall(r"Teacher: \(telling\)", r["conversation"])) for r in raw)
    tells = sum(t.move == "tell" for v in views for t in v.turns)
    assert tells == tags
    assert all(v.turns[0].role == "teacher" for v in views)
    yes = sum(str(r["self-correctness"]).startswith("Yes") for r in raw)
    unknown = sum(r["self-correctness"] is None for r in raw)
    tally = PedagogyTally()
    for v in views:
        tally.add(v)
    f = tally.figures()
    # every dialogue the teachers called solved is solved at some k; unknown ones only by their text
    assert yes / len(raw) - 1e-4 <= f["success"] <= (yes + unknown) / len(raw) + 1e-4  # shares are rounded
    telling_dialogues = sum("(telling)" in r["conversation"] for r in raw)
    assert 0 < f["telling"] <= telling_dialogues / len(raw) + 1e-4
    assert f["teacher_moves"]["tell"] == tags
    values = [f["success_at"][k] for k in ("1", "2", "3", "5", "10")]
    assert values == sorted(values) and values[-1] <= f["success"]


@needs_mathdial
def test_reference_script_prints_the_tables() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "pedagogy_mathdial.py"), str(MATHDIAL), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["pedagogy"]["dialogues"] == sum(1 for line in MATHDIAL.open() if line.strip())
    assert sum(figures["classifier"].values()) == sum(figures["pedagogy"]["teacher_moves"].values())


def test_bad_mathdial_lines_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "md.jsonl"
    good = {"qid": 1, "question": "q", "ground_truth": "a\n 3", "conversation": "Teacher: (probing)Hi?"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "conversation": 5}) + "\n")
    with pytest.raises(BadInput, match=r"md\.jsonl:2: conversation"):
        list(read_mathdial(path))
    path.write_text("{not json\n")
    with pytest.raises(BadInput, match=r"md\.jsonl:1: not JSON"):
        list(read_mathdial(path))
    with pytest.raises(BadInput, match="cannot read"):
        list(read_mathdial(tmp_path / "absent.jsonl"))
    path.write_text(json.dumps({**good, "conversation": "Teacher: (telling)It is 3|EOM|Mariana: 3"}) + "\n")
    (v,) = read_mathdial(path)
    assert [(t.role, t.text, t.move) for t in v.turns] == [
        ("teacher", "It is 3", "tell"),
        ("student", "3", None),
    ]
    assert v.answer == "3" and v.solved is None
