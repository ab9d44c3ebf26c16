"""Hostile input to the command line: each bad file or value is one clear line naming the file, line
and field, with exit 2, never a traceback, a hang or unbounded reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import make_record, run_cli

from tutorforge.storage.store import Store


def _damaged(tmp_path: Path) -> Path:
    """A database whose `dialogues` table pages are overwritten with junk, its schema intact."""
    db = tmp_path / "damaged.db"
    with Store.open(db) as store:
        store.ensure_run("run-a", {"n": 300}, 7, {"tutorforge": "0.0.9", "verifier": "v-test"})
        store.save_dialogues([make_record(i, review_status="pending", flagged=True) for i in range(300)])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = store.conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [n for (n,) in store.conn.execute("SELECT pageno FROM dbstat WHERE name = 'dialogues'")]
    with db.open("r+b") as fh:
        for n in pages[1:]:  # the root page stays readable: the damage shows when rows are read
            fh.seek((n - 1) * page + 8)
            fh.write(b"\xde\xad\xbe\xef" * 200)
    return db


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["review", "--list"],
        ["review", "--list", "--json"],
        ["report", "--format", "md", "--out", "r.md"],
        ["export", "--format", "openai", "--out", "e.jsonl"],
        ["publish", "--to", "pub"],
    ],
)
def test_a_damaged_database_is_a_clear_error_suggesting_recover(tmp_path, monkeypatch, command):
    db = _damaged(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(*command, "--db", str(db))
    assert code == 2, err
    assert f"{db}: the database is damaged" in err and ".recover" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("n = 5\nseed = " + "9" * 5000 + "\n", 2, "more than 4,300 digits"),
        ("n = 5\nfamilies = " + "[" * 5000 + "]" * 5000 + "\n", 1, "nested too deeply"),
        ("n = 5\n[mix]\nstudent = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", 1, "nested too deeply"),
    ],
)
def test_run_config_depth_and_integer_size(tmp_path, text, line, words):
    config = tmp_path / "run.toml"
    config.write_text(text)
    code, _, err = run_cli("generate", "--config", str(config), "--db", str(tmp_path / "c.db"))
    assert code == 2 and f"{config}:{line}:" in err and words in err, err
    assert "Traceback" not in err and not (tmp_path / "c.db").exists()


def test_special_files_as_persona_or_config_are_refused_unread(tmp_path):
    fifo = tmp_path / "student.toml"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    code, out, err = run_cli("personas", "validate", str(fifo))
    assert code == 2 and "not a regular file" in out + err
    code, _, err = run_cli("generate", "--config", str(fifo), "--db", str(tmp_path / "c.db"))
    assert code == 2 and "not a regular file" in err
    code, out, err = run_cli("personas", "validate", "/dev/zero")  # would grow without end
    assert code == 2 and "not a regular file" in out + err
    code, _, err = run_cli(
        "generate", "-n", "1", "--personas-dir", "/dev/zero", "--db", str(tmp_path / "c.db")
    )
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "c.db").exists()


def test_an_oversized_persona_file_is_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text('name = "x"\ndescription = "' + "a" * (2 << 20) + '"\n')
    code, out, err = run_cli("personas", "validate", str(big))
    assert code == 2 and f"{big}:1: file: larger than the limit" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-n", "1000000000"], "-n/--count"),
        (["--count", "0"], "-n/--count"),
        (["--max-cost", "nan"], "--max-cost"),
        (["--max-cost", "inf"], "--max-cost"),
        (["--max-cost", "-1"], "--max-cost"),
        (["--request-timeout", "0"], "--request-timeout"),
        (["--audit-rate", "nan"], "--audit-rate"),
        (["--max-turns", "1000000"], "--max-turns"),
        (["--seed", "99999999999999999999"], "--seed"),  # SQLite stores 64 bits
    ],
)
def test_numeric_options_are_validated_before_any_work(tmp_path, args, needle):
    code, _, err = run_cli("generate", *args, "--db", str(tmp_path / "c.db"))
    assert code == 2 and needle in err and "Traceback" not in err, err
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_verify_timeout_is_validated(tmp_path, value):
    src = tmp_path / "in.jsonl"
    src.write_text("")
    code, _, err = run_cli("verify", str(src), "--timeout", value)
    assert code == 2 and "--timeout" in err


def test_a_fifo_as_the_database_is_refused_unread(tmp_path):
    fifo = tmp_path / "corpus.db"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    for command in (["stats"], ["generate", "-n", "1"], ["review", "--list"]):
        code, _, err = run_cli(*command, "--db", str(fifo))
        assert code == 2 and "is not a regular file" in err, (command, err)
    assert fifo.is_fifo()
