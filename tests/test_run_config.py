"""Run config files: every error names file, line and field; flags override the file; the effective config
is stored with the run and carried by every exported record."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from factories import run_cli

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.run_config import load_run_config
from tutorforge.errors import BadInput

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "configs"


def tutorforge(*args: str) -> tuple[int, str]:
    """The command line, run in this process: (exit code, stderr + stdout)."""
    code, out, err = run_cli(*args)
    return code, err + out


def write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD = [
    # (file text, line, field, words in the message)
    ('seed = 1\nn = "many"\n', 2, "n", "valid integer"),
    ("n = 5\nsed = 3\n", 2, "sed", "unknown key (did you mean 'seed'?)"),
    (
        "n = 5\n\n[mix.teacher]\nsocratic-teacher = 1\ncareless-teacher = -2\n",
        5,
        "mix.teacher.careless-teacher",
        "negative weight",
    ),
    ("[mix.student]\nsign-slipper = 0\n", 1, "mix.student", "every weight is 0"),
    ("[mix.teachers]\nsocratic-teacher = 1\n", 1, "mix.teachers", "did you mean 'teacher'"),
    ("[mix.critic]\npedagogy-critic = 'high'\n", 2, "mix.critic.pedagogy-critic", "valid number"),
    ("families = 'percentages'\n", 1, "families", "valid list"),
    ("[models]\nteacher = 'a'\ncoach = 'b'\n", 3, "models.coach", "unknown role"),
    (
        '[rate_limits."gpt-x"]\nrequests_per_minute = 0\n',
        2,
        "rate_limits.gpt-x.requests_per_minute",
        "greater than 0",
    ),
    ('n = 4\nshard = "3/2"\n', 2, "shard", "I must be between 1 and N"),
    ('format = "csv"\n', 1, "format", "not one of"),
    ("db = 3\n", 1, "db", "non-empty string"),
    ('student = "sign-slipper"\n[mix.student]\ncareful-student = 1\n', 2, "mix.student", "also sets student"),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), BAD)
def test_bad_settings_name_file_line_and_field(tmp_path, text, line, field, words):
    path = write(tmp_path, text)
    with pytest.raises(BadInput) as caught:
        load_run_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: {field}: ")
    assert words in str(caught.value)


MIX_NAMES = [
    (
        "[mix.teacher]\nsocratic-teacher = 1\nsocratic-teachr = 1\n",
        3,
        "mix.teacher.socratic-teachr",
        "did you mean",
    ),
    ("\n[mix.student]\nsocratic-teacher = 1\n", 3, "mix.student.socratic-teacher", "is a teacher"),
    ("[mix.family]\npercentages = 1\n\nalgebra = 2\n", 4, "mix.family.algebra", "unknown problem family"),
    ("[mix.subject]\nmath = 1\nchemistry = 1\n", 3, "mix.subject.chemistry", "unknown subject"),
    (
        "[mix.subject]\nmath = 1\nphysics = 1\n[mix.family]\npercentages = 1\n",
        4,
        "mix.family",
        "no family of subject 'physics'",
    ),
    ("[mix.teacher]\nkinematics-tutor = 1\n", 2, "mix.teacher.kinematics-tutor", "not math"),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), MIX_NAMES)
def test_unknown_names_in_a_mixture_exit_2_naming_the_line(tmp_path, text, line, field, words):
    path = write(tmp_path, text)
    code, out = tutorforge("generate", "--config", str(path), "--db", str(tmp_path / "x.db"))
    assert code == 2
    assert f"error: {path}:{line}: {field}: " in out and words in out
    assert not (tmp_path / "x.db").exists()  # nothing was started


def test_syntax_errors_name_the_line(tmp_path):
    path = write(tmp_path, "n = 3\nseed = = 4\n")
    with pytest.raises(BadInput, match=rf"^{path}:2: "):
        load_run_config(path)


def test_models_and_output_settings_expand(tmp_path):
    path = write(
        tmp_path,
        'model = "small"\ndb = "c.db"\nout = "c.jsonl"\nformat = "sharegpt"\n[models]\nteacher = "big"\n',
    )
    run = load_run_config(path)
    assert run.settings["models"] == {"teacher": "big", "student": "small", "critic": "small"}
    assert run.output == {"db": "c.db", "out": "c.jsonl", "format": "sharegpt"}
    GenerateConfig.model_validate(run.settings)


def test_example_configs_are_valid(tmp_path):
    examples = sorted(EXAMPLES.glob("*.toml"))
    assert len(examples) >= 3
    for path in examples:
        run = load_run_config(path)
        config = GenerateConfig.model_validate(run.settings)
        run.check_mixture(config)


def test_effective_config_is_stored_and_exported(tmp_path):
    path = write(
        tmp_path,
        "n = 12\nseed = 5\nmax_turns = 10\n"
        f'db = "{tmp_path / "c.db"}"\nout = "{tmp_path / "c.jsonl"}"\n'
        "[mix.student]\nsign-slipper = 3\ncareful-student = 1\n"
        "[mix.family]\npercentages = 1\nlinear_equation = 1\n",
    )
    code, out = tutorforge("generate", "--config", str(path))
    assert code == 0, out
    with sqlite3.connect(tmp_path / "c.db") as con:
        (stored,) = con.execute("SELECT config_json FROM runs").fetchone()
    stored = json.loads(stored)
    assert stored["mix"]["student"] == {"sign-slipper": 3.0, "careful-student": 1.0}
    assert stored["max_turns"] == 10 and "n" not in stored  # n is how much, not what
    records = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert records
    for record in records:
        exported = json.loads(record["metadata"]["run_config"])
        assert exported == stored
        # the stored config is a run config: it gives the same run back
        assert GenerateConfig.model_validate(exported).run_id() == record["metadata"]["run_id"]
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset("json", data_files=str(tmp_path / "c.jsonl"), split="train")
    assert loaded.num_rows == len(records)


def test_flags_override_the_file(tmp_path):
    path = write(
        tmp_path,
        f'n = 30\nseed = 2\nmax_turns = 8\ndb = "{tmp_path / "file.db"}"\n'
        "[mix.teacher]\nsocratic-teacher = 1\ncareless-teacher = 1\n"
        "[mix.family]\npercentages = 1\n",
    )
    db = tmp_path / "flag.db"
    code, out = tutorforge(
        "generate", "--config", str(path), "-n", "10", "--teacher", "encouraging-coach", "--db", str(db)
    )
    assert code == 0, out
    assert not (tmp_path / "file.db").exists()
    with sqlite3.connect(db) as con:
        teachers = {t for (t,) in con.execute("SELECT teacher FROM dialogues")}
        families = {f for (f,) in con.execute("SELECT family FROM problems")}
        (config,) = con.execute("SELECT config_json FROM runs").fetchone()
        n = con.execute("SELECT count(*) FROM dialogues").fetchone()[0]
    assert teachers == {"encouraging-coach"} and families == {"percentages"} and n == 10
    config = json.loads(config)
    assert config["teacher"] == "encouraging-coach" and config["mix"]["teacher"] == {}
    assert config["mix"]["family"] == {"percentages": 1.0}
