"""Problems from files: JSONL or CSV with question and answer (GSM8K worked solutions welcome), and MathDial.

The format is detected: a `.csv` file is read as CSV; anything else as JSONL, whose first record says
whether it is MathDial (it has `ground_truth`) or question/answer.
"""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction
from pathlib import Path

from tutorforge.errors import BadInput
from tutorforge.inputs import InputError, json_value, read_regular
from tutorforge.problems.limits import MAX_ANSWER_CHARS, MAX_PROBLEM_CHARS
from tutorforge.problems.model import Problem
from tutorforge.problems.worked_solutions import format_value, steps_from_solution

FAMILY = "word_problem"
PROBLEMS_MAX_BYTES = 256 << 20  # GSM8K is 5 MB, MathDial 10 MB
MATHDIAL_META = ("qid", "student_profile", "student_incorrect_solution", "teacher_described_confusion")

_NUMBER = re.compile(r"^-?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^-?\d+/\d+$")


def load_problems(path: Path) -> list[Problem]:
    """Every problem in a JSONL, MathDial JSONL or CSV file, in file order.

    Raises BadInput naming the file, line and field for a missing file, a malformed line or a
    missing or empty field.
    """
    path = Path(path)
    text = _read(path)
    if path.suffix.lower() == ".csv":
        return _from_csv(path, text)
    return _from_jsonl(path, text)


def _read(path: Path) -> str:
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    try:
        data = read_regular(path, PROBLEMS_MAX_BYTES)
    except InputError as exc:
        raise BadInput(f"{path}: {exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(f"{path}, line {line}: not UTF-8 text") from None


def _bad(path: Path, line: int, field: str, problem: str) -> BadInput:
    return BadInput(f"{path}, line {line}, field '{field}': {problem}")


def _text_field(path: Path, line: int, record: dict, field: str, limit: int = MAX_PROBLEM_CHARS) -> str:
    if field not in record or record[field] is None:
        raise _bad(path, line, field, "missing")
    value = record[field]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(path, line, field, f"expected text, got {type(value).__name__}")
    if isinstance(value, int) and value.bit_length() > 4 * MAX_ANSWER_CHARS:
        raise _bad(path, line, field, f"a number over {MAX_ANSWER_CHARS} digits")
    value = str(value).strip()
    if not value:
        raise _bad(path, line, field, "empty")
    if len(value) > limit:
        raise _bad(path, line, field, f"{len(value)} characters; the limit is {limit}")
    return value


def _from_jsonl(path: Path, text: str) -> list[Problem]:
    problems: list[Problem] = []
    mathdial: bool | None = None
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json_value(raw)
        except InputError as exc:
            raise BadInput(f"{path}, line {line}: {exc}") from None
        if not isinstance(record, dict):
            raise BadInput(f"{path}, line {line}: expected a JSON object, got {type(record).__name__}")
        if mathdial is None:
            mathdial = "ground_truth" in record
        problems.append(
            _mathdial(path, line, record) if mathdial else _question_answer(path, line, record, "jsonl")
        )
    return problems


def _from_csv(path: Path, text: str) -> list[Problem]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        return []
    for field in ("question", "answer"):
        if field not in reader.fieldnames:
            raise _bad(path, 1, field, "no such column in the header")
    try:
        return [_question_answer(path, reader.line_num, row, "csv") for row in reader]
    except csv.Error as exc:
        raise BadInput(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None


def _question_answer(path: Path, line: int, record: dict, source: str) -> Problem:
    """A question with an answer that is either final ("42") or a worked solution ending "#### 42"."""
    question = _text_field(path, line, record, "question")
    answer = _text_field(path, line, record, "answer")
    if "####" in answer:
        worked, _, final = answer.rpartition("####")
        lines = worked.splitlines()
    else:
        *lines, final = answer.splitlines()
    final = final.strip()
    if not final:
        raise _bad(path, line, "answer", "the final answer is empty")
    if len(final) > MAX_ANSWER_CHARS:
        raise _bad(
            path,
            line,
            "answer",
            f"the final answer is {len(final)} characters; the limit is {MAX_ANSWER_CHARS}",
        )
    return _problem(question, lines, final, source, {"file": path.name, "line": line})


def _mathdial(path: Path, line: int, record: dict) -> Problem:
    """A MathDial record: the problem is the question; the worked solution is the ground truth."""
    question = _text_field(path, line, record, "question")
    truth = _text_field(path, line, record, "ground_truth")
    *lines, final = truth.splitlines()
    final = final.strip()
    if len(final) > MAX_ANSWER_CHARS or not _NUMBER.match(final):
        raise _bad(
            path, line, "ground_truth", f"the last line should be the numeric answer, got {final[:40]!r}"
        )
    meta = {"file": path.name, "line": line} | {key: record.get(key) for key in MATHDIAL_META}
    return _problem(question, lines, final, "mathdial", meta)


def _problem(question: str, lines: list[str], final: str, source: str, meta: dict) -> Problem:
    answer = _clean_number(final)
    solution = steps_from_solution(lines)
    if solution.rejected:
        meta["unchecked_claims"] = solution.rejected
    unit = ""
    if solution.steps and _as_number(solution.steps[-1].result) == _as_number(answer):
        unit = solution.unit
    return Problem(
        problem_id=Problem.make_id(FAMILY, question),
        statement=question,
        answer=answer,
        steps=solution.steps,
        family=FAMILY,
        source=source,
        subject="math",
        answer_unit=unit,
        meta=meta,
    )


def _clean_number(final: str) -> str:
    """A numeric final answer written plainly ("$1,250.00" -> "1250"); anything else unchanged."""
    value = _as_number(final)
    return final if value is None else format_value(value)


def _as_number(text: str) -> Fraction | None:
    if not _NUMBER.match(text.strip()):
        return None
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "")
    return Fraction(cleaned)
