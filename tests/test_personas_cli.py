"""`tutorforge personas list|show|validate` through the real command line entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from factories import run_cli

from tutorforge.personas.loader import load_registry


@pytest.fixture
def cli(monkeypatch):
    """Run `tutorforge ARGS...` in process, tables wide enough to read; (exit code, stdout, stderr)."""
    monkeypatch.setenv("COLUMNS", "250")
    return run_cli


def test_list_role_student_lists_only_students(cli):
    code, out, _ = cli("personas", "list", "--role", "student")
    registry = load_registry()
    assert code == 0
    assert all(name in out for name in registry.names("student"))
    assert not any(name in out for name in registry.names("teacher") + registry.names("critic"))
    assert "sign-slip 0.7" in out


def test_list_all_shows_every_role(cli):
    code, out, _ = cli("personas", "list")
    assert code == 0
    assert all(name in out for name in load_registry().names())


def test_show_then_validate_round_trip_through_the_console_script(tmp_path):
    path = tmp_path / "careless-teacher.toml"
    command = [sys.executable, "-c", "from tutorforge.cli import main; main()", "personas"]
    cwd = Path(__file__).resolve().parents[1]
    shown = subprocess.run([*command, "show", "careless-teacher"], capture_output=True, text=True, cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    path.write_text(shown.stdout, encoding="utf-8")
    checked = subprocess.run([*command, "validate", str(path)], capture_output=True, text=True, cwd=cwd)
    assert (checked.returncode, checked.stdout) == (0, "ok: 1 personas\n")


def test_validate_folder_of_builtins_counts_them(cli):
    folder = Path(load_registry().source("sign-slipper")).parent
    code, out, _ = cli("personas", "validate", str(folder))
    assert (code, out) == (0, f"ok: {len(list(folder.glob('*.toml')))} personas\n")


def test_validate_prints_every_problem_and_exits_2(cli, tmp_path):
    registry = load_registry()
    good = registry.get("half-distributor")
    text = (
        Path(registry.source(good.name))
        .read_text()
        .replace("distribute-one-term = 0.55", "distribute-all = 0.55")
        .replace("proficiency = 0.78", "proficiency = 1.78\nmood = 'sunny'")
    )
    (tmp_path / "a.toml").write_text(text)
    (tmp_path / "b.toml").write_text("name = \n")
    (tmp_path / "c.toml").write_text(Path(registry.source("careful-student")).read_text())
    (tmp_path / "d.toml").write_text(Path(registry.source("careful-student")).read_text())
    code, out, err = cli("personas", "validate", str(tmp_path))
    lines = text.splitlines()

    def at(start: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if line.startswith(start))

    assert code == 2
    expected = [
        f"{tmp_path / 'a.toml'}:{at('distribute-all')}: student.misconceptions.distribute-all: ",
        f"{tmp_path / 'a.toml'}:{at('proficiency')}: student.proficiency: ",
        f"{tmp_path / 'a.toml'}:{at('mood')}: student.mood: unknown field",
        f"{tmp_path / 'b.toml'}:1: toml: invalid TOML",
        f"{tmp_path / 'd.toml'}:{at('name =')}: name: duplicate name 'careful-student'",
    ]
    printed = out.splitlines()
    assert len(printed) == len(expected)
    for prefix in expected:
        assert any(line.startswith(prefix) for line in printed), prefix
    assert "5 problem(s)" in err


def test_show_unknown_name_exits_2_listing_names(cli):
    code, out, err = cli("personas", "show", "no-such-persona")
    assert code == 2 and out == ""
    assert "unknown persona 'no-such-persona'" in err
    assert all(name in err for name in load_registry().names())


def test_validate_missing_path_exits_2(cli, tmp_path):
    code, _, err = cli("personas", "validate", str(tmp_path / "nope.toml"))
    assert code == 2 and "no such file" in err


def test_list_json_for_scripts_with_subjects(cli):
    import json

    code, out, _ = cli("personas", "list", "--json", "--role", "student")
    records = json.loads(out)
    assert code == 0
    assert [r["name"] for r in records] == load_registry().names("student")
    by_name = {r["name"]: r for r in records}
    assert by_name["sign-slipper"]["misconceptions"]["sign-slip"] == 0.7
    assert by_name["careful-physicist"]["subjects"] == ["physics"] and by_name["sign-slipper"][
        "subjects"
    ] == ["math"]
    code, out, _ = cli("personas", "list", "--role", "student")
    line = next(line for line in out.splitlines() if "careful-physicist" in line)
    assert "physics" in line and "subjects" in out  # the subject column
