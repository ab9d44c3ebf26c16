"""`tutorforge verify IN.jsonl [--out OUT.jsonl]` run as a real command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "tutorforge.cli", "verify", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def _write(path: Path, lines: list) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8"
    )
    return path


GOOD = {
    "id": "d1",
    "problem": "Julia had 12 spoons after using 3; her husband gave 5. How many spoons did she buy?",
    "answer": "10",
    "turns": [
        {"role": "teacher", "text": "How many spoons did she have before using any?"},
        {"role": "student", "text": "12 - 3 = 9, so she bought 4 spoons."},
        {"role": "teacher", "text": "Great job!"},
        {"role": "student", "text": "Wait, 12 + 3 = 15 and 15 - 5 = 10."},
    ],
    "source": "hand-written",  # unknown fields are ignored
}


def test_verdict_lines_follow_the_schema(tmp_path):
    result = _run(str(_write(tmp_path / "in.jsonl", [GOOD])))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    out = json.loads(line)
    assert set(out) == {"id", "turns"} and out["id"] == "d1"
    assert [t["index"] for t in out["turns"]] == [0, 1, 2, 3]
    assert [t["status"] for t in out["turns"]] == ["no_claims", "error", "error", "ok"]
    assert all(set(t) == {"index", "role", "status", "flags"} for t in out["turns"])
    (wrong,) = out["turns"][1]["flags"]
    assert wrong["kind"] == "wrong_final_answer"
    assert GOOD["turns"][1]["text"][wrong["span"][0] : wrong["span"][1]] == wrong["claim"]
    assert out["turns"][2]["flags"][0]["kind"] == "affirms_wrong_answer"


def test_bad_lines_are_reported_and_the_run_goes_on(tmp_path):
    lines = [
        GOOD,
        "{not json",
        {"id": "d3", "problem": "p", "answer": None, "turns": [{"role": "critic", "text": "ok"}]},
        {"id": "d4", "problem": "p", "answer": 5, "turns": "none"},
        {"id": "d5", "problem": "Add.", "answer": None, "turns": [{"role": "student", "text": "2 + 2 = 5"}]},
    ]
    path = _write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    result = _run(str(path), "--out", str(out))
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{path}:2: not JSON" in result.stderr
    assert f"{path}:3: field 'turns[0].role'" in result.stderr
    assert f"{path}:4: field 'turns'" in result.stderr
    written = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in written] == ["d1", "d5"]
    assert written[1]["turns"][0]["flags"][0]["kind"] == "false_arithmetic"


def test_raw_export_records_are_read(tmp_path):
    record = {
        "dialogue_id": "run-0001",
        "problem": {"statement": "Solve 3x + 5 = 20.", "answer": "x = 5", "unknowns": ["x"], "steps": []},
        "turns": [{"role": "student", "text": "3x = 25", "verdict": {"status": "ok"}, "act": "attempt"}],
        "metadata": {"generator_labels": []},
    }
    result = _run(str(_write(tmp_path / "raw.jsonl", [record])))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["id"] == "run-0001"
    assert out["turns"][0]["flags"][0]["kind"] == "invalid_step"


def test_missing_input_exits_2_naming_the_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    result = _run(str(missing))
    assert result.returncode == 2
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


def test_a_subject_field_selects_the_subject_checks(tmp_path):
    turns = [
        {"role": "teacher", "text": "What is 72 km/h in m/s?"},
        {"role": "student", "text": "72 km/h = 30 m/s"},
    ]
    problem = {
        "problem": "A car moves at 72 km/h. What is its speed in m/s?",
        "answer": "20 m/s",
        "turns": turns,
    }
    lines = [{"id": "phys", "subject": "physics", **problem}, {"id": "plain", **problem}]
    result = _run(str(_write(tmp_path / "in.jsonl", lines)))
    assert result.returncode == 0, result.stderr
    phys, plain = (json.loads(line) for line in result.stdout.splitlines())
    assert [f["kind"] for f in phys["turns"][1]["flags"]] == ["wrong_unit_conversion"]
    assert phys["turns"][1]["flags"][0]["span"] == [0, 16]
    assert plain["turns"][1]["status"] == "no_claims"  # math checks do not read unit conversions


def test_hostile_lines_are_reported_and_the_valid_ones_after_them_verified(tmp_path):
    lines = [
        "[" * 100_000 + "]" * 100_000,
        '{"id": ' + "7" * 5_000 + "}",
        '{"id": "s", "problem": "\\ud800", "answer": null, "turns": []}',
        GOOD,
    ]
    result = _run(str(_write(tmp_path / "in.jsonl", lines)))
    assert result.returncode == 2
    assert "in.jsonl:1: not JSON we read (nested too deeply)" in result.stderr
    assert "in.jsonl:2: not JSON we read (an integer with more than 4,300 digits)" in result.stderr
    assert "in.jsonl:3: a string holds a lone surrogate" in result.stderr
    assert "Traceback" not in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["d1"]


def test_an_escaped_surrogate_pair_is_text(tmp_path):
    line = dict(GOOD, problem=GOOD["problem"] + " \U0001f944")  # json.dumps writes \ud83e\udd44
    result = _run(str(_write(tmp_path / "in.jsonl", [line])))
    assert result.returncode == 0, result.stderr


def test_out_never_replaces_an_input_a_link_or_a_device(tmp_path):
    src = _write(tmp_path / "in.jsonl", [GOOD])
    before = src.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(src)
    for target, message in [
        (src, "that is an input of this command"),
        (link, "is a symbolic link"),
        (Path("/dev/full"), "is not a regular file"),
        (tmp_path / "missing" / "v.jsonl", "does not exist"),
    ]:
        result = _run(str(src), "--out", str(target))
        assert result.returncode == 2, (target, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    assert src.read_bytes() == before and link.is_symlink()


def test_a_full_disk_is_a_clear_runtime_failure(tmp_path):
    src = _write(tmp_path / "in.jsonl", [GOOD])
    cmd = [sys.executable, "-m", "tutorforge.cli", "verify", str(src)]
    with open("/dev/full", "w") as full:
        result = subprocess.run(cmd, cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 1
    assert "standard output: writing the verdicts failed" in result.stderr
    assert "Traceback" not in result.stderr
