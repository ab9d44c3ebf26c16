"""Audit LLM mode against the fake server: what the models are asked and what the corpus records.

Runs `generate` with the OpenAI backend against an in-process fake server (no key, no network), twice:
a default run and a `careless-teacher` run (`--max-revisions 0`, so every injected error stays), then a
MathDial-mode run, and prints:

- teacher turns with a stored move (when the store has the column);
- labelled teacher errors in the careless run, and how many of those turns the verifier flagged;
- critic requests that carry the tutor's reveal policy and every reference step;
- system prompts that state the problem more than once;
- MathDial student prompts that give the student two names;
- teacher requests sent with a structured-output schema.

Usage: python scripts/audit_llm_prompts.py [-n 40] [--seed 7]
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from tutorforge.cli import app
from tutorforge.llm.fake_server import FakeConfig, start_fake_server

MATHDIAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "mathdial" / "test.jsonl"
_NAME = re.compile(r"You are (\w+)")


def _generate(url: str, db: Path, n: int, seed: int, *extra: str) -> None:
    args = ["generate", "-n", str(n), "--seed", str(seed), "--backend", "openai", "--model", "audit"]
    args += ["--base-url", url + "/v1", "--db", str(db), "--concurrency", "8", "--max-turns", "8"]
    result = CliRunner().invoke(app, [*args, *extra], env={"OPENAI_API_KEY": "sk-audit"})
    if result.exit_code != 0:
        raise SystemExit(f"generate failed ({result.exit_code}): {result.output[-2000:]}")


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _moves(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        teacher = conn.execute("SELECT count(*) FROM turns WHERE role = 'teacher'").fetchone()[0]
        moved = 0
        if "move" in _columns(conn, "turns"):
            query = "SELECT count(*) FROM turns WHERE role = 'teacher' AND move != ''"
            moved = conn.execute(query).fetchone()[0]
    print(f"teacher turns with a stored move:            {_share(moved, teacher)}")


def _careless(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        labels, flagged = conn.execute(
            "SELECT count(*), sum(t.status = 'error') FROM generator_labels l JOIN turns t"
            " ON t.dialogue_id = l.dialogue_id AND t.turn_index = l.turn_index"
            " WHERE l.kind = 'teacher_error'"
        ).fetchone()
        turns = conn.execute("SELECT count(*) FROM turns WHERE role = 'teacher'").fetchone()[0]
    print(f"careless-teacher: labelled teacher errors    {labels} in {turns} teacher turns"
          f" (verifier flagged {flagged or 0})")  # fmt: skip


def _prompts(log, statements: list[str]) -> None:
    prompts = getattr(log, "prompts", None)  # (model, role, system, turns), where the server logs them
    if prompts is not None:
        critic = [(system, turns) for _, role, system, turns in prompts if role == "critic"]
        complete = 0
        for system, turns in critic:
            case = system + "".join(t for _, t in turns)
            steps = re.findall(r"^\d+\. (.+)$", case.partition("Reference solution:")[2], re.M)
            complete += "reveal policy" in case and bool(steps)
        print(f"critic requests with policy and steps:       {_share(complete, len(critic))}")
    systems = list(log.systems)
    repeated = sum(any(system.count(s) > 1 for s in statements if s in system) for system in systems)
    print(f"system prompts stating the problem twice:    {_share(repeated, len(systems))}")
    structured = sum(1 for p in log.params if "response_format" in p)
    print(f"requests with a structured-output schema:    {_share(structured, len(log.params))}")


def _names(log) -> None:
    students = [s for s in log.systems if s.endswith("Your role: student.")]
    two = 0
    for system in students:
        profile = re.match(r"([A-Z][a-z]+) is", system)
        names = set(_NAME.findall(system)) | ({profile.group(1)} if profile else set())
        two += len(names) > 1
    print(f"MathDial student prompts with two names:     {_share(two, len(students))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    server = start_fake_server(FakeConfig(revise_rate=0.2, seed=1))
    with tempfile.TemporaryDirectory() as tmp, server:
        folder = Path(tmp)
        _generate(server.url, folder / "default.db", args.n, args.seed)
        _moves(folder / "default.db")
        _generate(server.url, folder / "careless.db", args.n, args.seed, "--teacher", "careless-teacher",
                  "--max-revisions", "0")  # fmt: skip
        _careless(folder / "careless.db")
        with sqlite3.connect(folder / "default.db") as conn:
            statements = [s for (s,) in conn.execute("SELECT statement FROM problems")]
        _prompts(server.log, statements)
        if MATHDIAL.exists():
            server.log.systems.clear()
            _generate(server.url, folder / "mathdial.db", min(args.n, 20), args.seed, "--problems",
                      str(MATHDIAL), "--mathdial-students")  # fmt: skip
            _names(server.log)


if __name__ == "__main__":
    main()
