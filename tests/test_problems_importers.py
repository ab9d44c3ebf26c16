"""Problem import from JSONL (GSM8K worked solutions), CSV and MathDial files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from test_problems_claimcheck import holds, value

from tutorforge.errors import BadInput
from tutorforge.problems import load_problems

SHARED = Path(__file__).resolve().parents[2] / "shared"
MATHDIAL = SHARED / "data" / "mathdial" / "test.jsonl"

GSM8K = [
    {
        "question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many "
        "clips in May. How many clips did Natalia sell altogether in April and May?",
        "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
        "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
    },
    {
        "question": "A desk starts at $200 and 3 people each raise the bid by $50. What does it sell for?",
        "answer": "The bids add 3 bids * $50 per bid = $150 to the price.\n"
        "So the desk sells for $200 + $150 = $350.\n#### $350",
    },
    {"question": "What is 6 times 7?", "answer": "42"},
    {"question": "How much is a thousand and two hundred?", "answer": "#### 1,200"},
]


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _mathdial_record(qid: int, question: str, truth: str) -> dict:
    return {
        "qid": qid,
        "scenario": 1,
        "question": question,
        "ground_truth": truth,
        "student_incorrect_solution": "12 - 3 = 9\n 9",
        "student_profile": "Mariana is a 7th grade student who mixes up adding and subtracting.",
        "teacher_described_confusion": "subtracting instead of adding",
        "self-correctness": "Yes",
        "conversation": "Teacher: (generic)Hi|EOM|Student: Hello",
    }


def test_gsm8k_style_jsonl_becomes_checked_steps(tmp_path: Path) -> None:
    problems = load_problems(_write_jsonl(tmp_path / "gsm8k.jsonl", GSM8K))
    assert [p.answer for p in problems] == ["72", "350", "42", "1200"]
    clips, desk, plain, thousands = problems
    assert [s.claim for s in clips.steps] == ["48/2 = 24", "48 + 24 = 72"]
    assert [s.result for s in clips.steps] == ["24", "72"]
    assert clips.answer_unit == "clips" and clips.family == "word_problem" and clips.source == "jsonl"
    assert clips.meta == {"file": "gsm8k.jsonl", "line": 1}
    assert clips.steps[1].text == "Natalia sold 48 + 24 = 72 clips altogether in April and May."
    assert [s.claim for s in desk.steps] == ["3 × 50 = 150", "200 + 150 = 350"]
    assert desk.answer_unit == "dollars"
    assert plain.steps == [] and thousands.steps == []
    for p in problems:
        assert p.problem_id.startswith("word_problem-")
        for s in p.steps:
            assert s.claim in s.text and "<<" not in s.text
            assert holds(s.claim) and value(s.claim) == value(s.result)
            assert s.ask.endswith("?") and s.result not in s.ask


def test_imported_asks_name_the_operation_and_additions_get_a_variant(tmp_path: Path) -> None:
    records = [
        {
            "question": "Spoons?",
            "answer": "She had 12+3=15 spoons.\nJulia's package had 15-5=10 spoons.\n#### 10",
        },
        {"question": "Cost?", "answer": "It costs 2 + 3 * 4 = 14 dollars.\n#### 14"},
        {"question": "Share?", "answer": "Each gets 4015 / 5 = 803 and 40 x .05 = 2.\n#### 803"},
    ]
    spoons, cost, share = load_problems(_write_jsonl(tmp_path / "q.jsonl", records))
    add, subtract = spoons.steps
    assert add.ask == "What do you get when you add 12 and 3?"
    assert subtract.ask == "What do you get when you subtract 5 from 15?"
    wrong = add.variants["subtract-instead-of-add"]
    assert wrong.claim == "12 - 3 = 9" and wrong.result == "9" and holds(wrong.claim)
    assert spoons.answer_unit == "spoons"
    (mixed,) = cost.steps
    assert mixed.claim == "2 + 3 × 4 = 14"
    assert mixed.variants["order-of-operations"].claim == "2 + 3 × 4 = 20"
    assert not holds(mixed.variants["order-of-operations"].claim)
    assert [s.claim for s in share.steps] == ["4015 ÷ 5 = 803", "40 × 0.05 = 2"]
    assert share.steps[0].ask == "What do you get when you divide 4015 by 5?"


def test_false_worked_lines_are_not_steps(tmp_path: Path) -> None:
    records = [
        {"question": "Hot dogs?", "answer": "Matthew cooks 4+4+6 = 18 hot dogs.\nHe eats 14-4=10.\n#### 10"},
        {"question": "Words only?", "answer": "Add the two piles together.\nThat makes ten.\n#### 10"},
    ]
    hot_dogs, words = load_problems(_write_jsonl(tmp_path / "q.jsonl", records))
    assert [s.claim for s in hot_dogs.steps] == ["14 - 4 = 10"]
    assert hot_dogs.meta["unchecked_claims"] == 1
    assert words.steps == [] and words.answer == "10"


def test_division_and_tight_fractions_mean_the_same_under_either_reading(tmp_path: Path) -> None:
    records = [
        {"question": "Years?", "answer": "The base is $40,000 / 1 year/$5,000 = 8 years.\n#### 8"},
        {"question": "Halves?", "answer": "She sells 6 / 1/2 = 12 halves and 28/2 = 14 wholes.\n#### 14"},
    ]
    years, halves = load_problems(_write_jsonl(tmp_path / "q.jsonl", records))
    assert [s.claim for s in years.steps] == ["40000 ÷ 1 ÷ 5000 = 8"]
    assert [s.claim for s in halves.steps] == ["6 ÷ (1/2) = 12", "28/2 = 14"]
    assert halves.steps[1].ask == "What do you get when you divide 28 by 2?"
    for s in years.steps + halves.steps:
        assert holds(s.claim)  # the checker reads a/b with ordinary left-to-right precedence


def test_mathdial_records_keep_their_metadata(tmp_path: Path) -> None:
    records = [
        _mathdial_record(6000025, "How many spoons?", "Together 12+3=15 spoons.\nSo 15-5=10 spoons.\n 10"),
        _mathdial_record(6000044, "How much?", "The desk costs $200 + $300 = $500.\n 500"),
    ]
    spoons, desk = load_problems(_write_jsonl(tmp_path / "dialogues.jsonl", records))
    assert spoons.source == "mathdial" and spoons.family == "word_problem"
    assert spoons.answer == "10" and desk.answer == "500"
    assert spoons.meta["qid"] == 6000025
    for key in ("student_profile", "student_incorrect_solution", "teacher_described_confusion"):
        assert spoons.meta[key] == records[0][key]
    assert [s.claim for s in spoons.steps] == ["12 + 3 = 15", "15 - 5 = 10"]
    assert desk.answer_unit == "dollars"


def test_csv_with_question_and_answer_columns(tmp_path: Path) -> None:
    path = tmp_path / "problems.csv"
    path.write_text(
        'question,answer\n"Tom has 3 apples and buys 4 more. How many?","He has 3+4=7 apples.\n#### 7"\n'
        "What is 2 + 2?,4\n",
        encoding="utf-8",
    )
    apples, plain = load_problems(path)
    assert apples.source == "csv" and apples.answer == "7" and apples.steps[0].claim == "3 + 4 = 7"
    assert apples.answer_unit == "apples"
    assert plain.answer == "4" and plain.steps == [] and plain.meta["line"] == 4


@pytest.mark.parametrize(
    ("content", "line", "field"),
    [
        ('{"question": "a", "answer": "1"}\n{"question": "b", "answer": \n', "line 2", None),
        ('{"question": "a", "answer": "1"}\n\n{"question": "b"}\n', "line 3", "'answer'"),
        ('{"question": "", "answer": "1"}\n', "line 1", "'question'"),
        ('{"question": "a", "answer": ["1"]}\n', "line 1", "'answer'"),
        ('["question", "answer"]\n', "line 1", None),
        (
            '{"question": "a", "answer": "1"}\n{"question": "b", "answer": ' + "7" * 4_301 + "}\n",
            "line 2",
            None,
        ),
        (
            '{"question": "' + "a " * 37_500 + '", "answer": "1"}\n',
            "line 1",
            "'question': 74999 characters; the limit is 10000",
        ),
        (
            '{"question": "a", "answer": "' + "9" * 2_001 + '"}\n',
            "line 1",
            "'answer': the final answer is 2001",
        ),
        ('{"question": "a", "answer": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "line 1", None),
    ],
)
def test_bad_jsonl_names_file_line_and_field(
    tmp_path: Path, content: str, line: str, field: str | None
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInput) as err:
        load_problems(path)
    message = str(err.value)
    assert "broken.jsonl" in message and line in message
    if field:
        assert field in message
    assert "\n" not in message


def test_bad_mathdial_and_csv_name_the_field(tmp_path: Path) -> None:
    good = _mathdial_record(1, "Q?", "1+1=2\n 2")
    no_truth = {k: v for k, v in good.items() if k != "question"}
    path = _write_jsonl(tmp_path / "md.jsonl", [good, no_truth])
    with pytest.raises(BadInput, match=r"md\.jsonl, line 2, field 'question'"):
        load_problems(path)
    path = _write_jsonl(tmp_path / "md2.jsonl", [_mathdial_record(1, "Q?", "1+1=2\n two")])
    with pytest.raises(BadInput, match=r"line 1, field 'ground_truth'.*numeric"):
        load_problems(path)
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("question,solution\nWhat?,1\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"p\.csv, line 1, field 'answer'"):
        load_problems(csv_path)
    csv_path.write_text('question,answer\nWhat?,""\n', encoding="utf-8")
    with pytest.raises(BadInput, match=r"p\.csv, line 2, field 'answer': empty"):
        load_problems(csv_path)


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="nowhere.jsonl: no such file"):
        load_problems(tmp_path / "nowhere.jsonl")


@pytest.mark.skipif(not MATHDIAL.exists(), reason="../shared/data/mathdial is not present")
def test_real_mathdial_imports_every_problem_with_a_numeric_answer() -> None:
    problems = load_problems(MATHDIAL)
    rows = [json.loads(line) for line in MATHDIAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(problems) == len(rows) == 599
    for p, row in zip(problems, rows, strict=True):
        assert p.source == "mathdial" and p.meta["qid"] == row["qid"]
        assert p.statement == row["question"].strip()
        last_line = row["ground_truth"].strip().splitlines()[-1]
        assert Fraction(p.answer) == Fraction(last_line.strip().replace(",", ""))
        for s in p.steps:
            assert s.claim in s.text and holds(s.claim), s.claim
    with_steps = sum(1 for p in problems if p.steps)
    assert with_steps >= 0.9 * len(problems)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"question": "What is 2 + 3?", "answer": ' + "7" * 5000 + "}", "more than 4,300 digits"),
        ('{"question": "What is \\ud800 2 + 3?", "answer": "5"}', "lone surrogate"),
    ],
)
def test_hostile_lines_are_bad_input_naming_the_line(tmp_path, line, words):
    path = tmp_path / "p.jsonl"
    path.write_text('{"question": "What is 1 + 1?", "answer": "2"}\n' + line + "\n")
    with pytest.raises(BadInput, match=f"p.jsonl, line 2: .*{words}"):
        load_problems(path)


def test_a_fifo_is_refused_unread(tmp_path):
    import os

    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        load_problems(fifo)
