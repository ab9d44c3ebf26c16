"""Output paths of every command: nothing special replaced or followed, inputs never overwritten, a bad
folder refused before any work, parents created only for `export` (as the README shows)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import make_record, run_cli

from tutorforge.storage.store import Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {"n": 2}, 7, {"tutorforge": "0.0.9", "verifier": "v-test"})
        store.save_dialogues([make_record(0), make_record(1)])
    return path


def _specials(tmp_path: Path) -> list[tuple[Path, str]]:
    """(path, message) for a FIFO, a symbolic link to a file and a folder, each refused as --out."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    target = tmp_path / "target.jsonl"
    target.write_text("mine\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    return [(fifo, "not a regular file"), (link, "symbolic link"), (tmp_path, "is a directory")]


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "openai"],
        ["report", "--format", "md"],
    ],
)
def test_special_files_are_refused_and_left_as_they_are(db: Path, tmp_path: Path, command: list) -> None:
    for path, message in _specials(tmp_path):
        code, _, err = run_cli(*command, "--db", str(db), "--out", str(path))
        assert code == 2 and message in err, (path, err)
        if path.name != tmp_path.name:
            path.unlink()
    assert (tmp_path / "target.jsonl").read_text() == "mine\n"
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_generate_refuses_a_bad_out_before_generating(tmp_path: Path) -> None:
    code, _, err = run_cli(
        "generate", "-n", "3", "--db", str(tmp_path / "c.db"), "--out", "/missing/dir/x.jsonl"
    )
    assert code == 2 and "/missing/dir does not exist" in err
    assert not (tmp_path / "c.db").exists()  # nothing generated, no empty database left
    problems = tmp_path / "p.jsonl"
    problems.write_text('{"question": "What is 2 + 3?", "answer": "5"}\n')
    code, _, err = run_cli(
        "generate",
        "-n",
        "1",
        "--problems",
        str(problems),
        "--db",
        str(tmp_path / "c.db"),
        "--out",
        str(problems),
    )
    assert code == 2 and "that is an input of this command" in err
    assert problems.read_text() == '{"question": "What is 2 + 3?", "answer": "5"}\n'
    code, _, err = run_cli(
        "generate", "-n", "1", "--db", str(tmp_path / "c.db"), "--out", str(tmp_path / "c.db")
    )
    assert code == 2 and "the database itself" in err


def test_export_creates_the_folders_the_readme_uses(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "pub" / "train.jsonl"
    code, _, err = run_cli("export", "--db", str(db), "--format", "openai", "--out", str(out), "--dedup")
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 2 and (out.parent / "README.md").exists()


def test_export_with_a_missing_database_creates_no_folder(tmp_path: Path) -> None:
    code, _, err = run_cli(
        "export",
        "--db",
        str(tmp_path / "none.db"),
        "--format",
        "openai",
        "--out",
        str(tmp_path / "pub" / "t.jsonl"),
    )
    assert code == 2 and "none.db" in err
    assert not (tmp_path / "pub").exists()


def test_a_readme_that_is_a_fifo_is_not_ours_and_never_opened(db: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "README.md")  # opening it for reading would wait for a writer forever
    code = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutorforge.cli",
            "export",
            "--db",
            str(db),
            "--format",
            "raw",
            "--out",
            str(tmp_path / "t.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert code.returncode == 0, code.stderr
    assert (tmp_path / "t.README.md").exists()
