"""`tutorforge verify`: stream a JSONL file of dialogues through the verifier, one verdict line per dialogue.

Input lines: `{"id": str, "problem": str, "answer": str | null, "turns": [{"role", "text"}]}`; unknown
fields are ignored. Also read, so that any corpus can be checked: `dialogue_id` for `id`, a problem
object with `statement`/`answer`/`unknowns`/`steps` (the raw export), optional `unknowns` and `steps`.
Output lines: `{"id": str, "turns": [{"index", "role", "status", "flags"}]}`. A bad line is reported
on stderr with its number and field, and the run goes on.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.inputs import InputError, json_value
from tutorforge.outputs import check_output, open_new_or_regular
from tutorforge.verifiers import close, verify_turn
from tutorforge.verifiers.types import PriorTurn, VerifyContext

ROLES = ("teacher", "student")
MAX_LINE_BYTES = 64 << 20  # one dialogue per line; a longer line is reported and skipped


class BadLine(Exception):
    """A line the verifier cannot read: the message names the field."""


def _str_list(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadLine(f"field {field!r}: expected a list")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("claim"), str):  # a step of the raw export
            item = item["claim"]
        if not isinstance(item, str):
            raise BadLine(f"field '{field}[{i}]': expected a string")
        out.append(item)
    return out


def parse_dialogue(obj: object) -> tuple[str, VerifyContext, list[tuple[str, str]]]:
    """(id, context without history, [(role, text)]) from one input line's JSON value."""
    if not isinstance(obj, dict):
        raise BadLine("expected a JSON object")
    ident = obj.get("id", obj.get("dialogue_id"))
    if not isinstance(ident, str | int) or isinstance(ident, bool):
        raise BadLine("field 'id': expected a string")
    problem = obj.get("problem")
    extra: dict = {}
    if isinstance(problem, dict):
        extra = problem
        problem = problem.get("statement")
    if not isinstance(problem, str):
        raise BadLine("field 'problem': expected a string")
    answer = obj.get("answer", extra.get("answer"))
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        answer = str(answer)
    if answer is not None and not isinstance(answer, str):
        raise BadLine("field 'answer': expected a string or null")
    unknowns = _str_list(obj.get("unknowns", extra.get("unknowns")), "unknowns")
    steps = _str_list(obj.get("steps", extra.get("steps")), "steps")
    turns = obj.get("turns")
    if not isinstance(turns, list):
        raise BadLine("field 'turns': expected a list")
    out = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise BadLine(f"field 'turns[{i}]': expected an object")
        role, text = turn.get("role"), turn.get("text")
        if role not in ROLES:
            raise BadLine(f"field 'turns[{i}].role': expected 'teacher' or 'student'")
        if not isinstance(text, str):
            raise BadLine(f"field 'turns[{i}].text': expected a string")
        out.append((role, text))
    subject = obj.get("subject", extra.get("subject", "math"))
    if not isinstance(subject, str):
        raise BadLine("field 'subject': expected a string")
    return str(ident), VerifyContext(problem, answer, unknowns, [], steps, subject=subject), out


def verify_dialogue(ctx: VerifyContext, turns: list[tuple[str, str]], timeout: float) -> list[dict]:
    """The verdict of every turn, each turn seeing the ones before it."""
    results = []
    for index, (role, text) in enumerate(turns):
        verdict = verify_turn(text, role, ctx, timeout=timeout)
        ctx.history.append(PriorTurn(role, text, verdict))
        flags = [f.to_dict() for f in verdict.flags]
        results.append({"index": index, "role": role, "status": verdict.status, "flags": flags})
    return results


def _lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over MAX_LINE_BYTES, whose rest is skipped."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        number = 0
        try:
            while line := fh.readline(MAX_LINE_BYTES + 1):
                number += 1
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                    while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass
                    line = None
                yield number, line
        except OSError as exc:
            raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _parse_line(raw: bytes | None) -> object:
    """One line's JSON value; BadLine for what cannot be read whole (`inputs.json_value`)."""
    if raw is None:
        raise BadLine(f"longer than {MAX_LINE_BYTES:,} bytes")
    try:
        return json_value(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadLine("not UTF-8") from exc
    except InputError as exc:
        raise BadLine(str(exc)) from None


def verify_file(path: Path, out: IO[str], err: IO[str], timeout: float) -> tuple[Counter, int]:
    """Verify every dialogue in `path`, writing one line each to `out`. Returns (turn statuses, bad lines)."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory, not a JSONL file")
    statuses: Counter = Counter()
    bad = 0
    for number, raw in _lines(path):
        if raw is not None and not raw.strip():
            continue
        try:
            ident, ctx, turns = parse_dialogue(_parse_line(raw))
        except BadLine as exc:
            bad += 1
            err.write(f"{path}:{number}: {exc}\n")
            continue
        results = verify_dialogue(ctx, turns, timeout)
        statuses.update(r["status"] for r in results)
        out.write(json.dumps({"id": ident, "turns": results}, ensure_ascii=False) + "\n")
    return statuses, bad


def run(path: Path, out_path: Path | None, timeout: float) -> None:
    """The `verify` command: exit 2 (BadInput) when the file is unreadable or any line was bad; exit 1
    (RuntimeFailure) when the verdicts cannot be written."""
    err = sys.stderr
    if out_path is not None:
        check_output(out_path, inputs=[path])
        if not path.exists():
            raise BadInput(f"{path}: no such file")
    out = open_new_or_regular(out_path) if out_path else sys.stdout
    try:
        statuses, bad = verify_file(path, out, err, timeout)
        out.flush()
    except OSError as exc:
        where = f"--out {out_path}" if out_path else "standard output"
        raise RuntimeFailure(f"{where}: writing the verdicts failed ({exc.strerror or exc})") from None
    finally:
        if out_path:
            with contextlib.suppress(OSError):
                out.close()
        close()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "no turns"
    err.write(f"verified {path}: {sum(statuses.values())} turns ({summary})\n")
    if bad:
        raise BadInput(f"{path}: {bad} bad line(s), reported above")
