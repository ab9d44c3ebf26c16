"""MathDial dialogues as metric views: teacher move tags give the moves, self-correctness the outcome."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from tutorforge.errors import BadInput
from tutorforge.quality.views import TAG_MOVES, DialogueView, TurnView

_TEACHER = re.compile(r"\s*Teacher:\s*(?:\((\w+)\))?\s*", re.S)
_SPEAKER = re.compile(r"\s*(?:Student|[A-Z][a-z]+):\s*")  # "Student:" or the student's name


def read_mathdial(path: Path) -> Iterator[DialogueView]:
    """The dialogues of a MathDial JSONL file (`qid`, `question`, `ground_truth`, `conversation`,
    `self-correctness`), in file order. A bad line is bad input naming the file, line and field."""
    try:
        fh = Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror})") from exc
    with fh:
        for line_no, line in enumerate(fh, 1):
            if line.strip():
                yield _view(path, line_no, line)


def _view(path: Path, line_no: int, line: str) -> DialogueView:
    where = f"{path}:{line_no}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise BadInput(f"{where}: not a JSON object")
    for name in ("question", "ground_truth", "conversation"):
        if not isinstance(record.get(name), str) or not record[name].strip():
            raise BadInput(f"{where}: {name}: missing or not a non-empty string")
    outcome = record.get("self-correctness")
    return DialogueView(
        dialogue_id=str(record.get("qid", line_no)),
        answer=record["ground_truth"].strip().splitlines()[-1].strip(),
        problem=record["question"],
        turns=tuple(_turn(text) for text in record["conversation"].split("|EOM|") if text.strip()),
        solved=None if outcome is None else str(outcome).startswith("Yes"),
        family="mathdial",
        personas={"teacher": "mathdial"},
        attempt_first=True,  # MathDial's teachers see the student's incorrect solution before the dialogue
    )


def _turn(text: str) -> TurnView:
    teacher = _TEACHER.match(text)
    if teacher:
        tag = (teacher.group(1) or "").lower()
        return TurnView(
            "teacher", text[teacher.end() :].strip(), TAG_MOVES.get(tag), tag=tag if tag in TAG_MOVES else ""
        )
    speaker = _SPEAKER.match(text)
    return TurnView("student", text[speaker.end() :].strip() if speaker else text.strip())
