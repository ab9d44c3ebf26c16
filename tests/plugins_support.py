"""Helpers for the plug-in and physics tests: persona and pack files, the CLI in a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "tutorforge.cli"]


def _persona(name: str, role: str, top: dict[str, str], tables: list[str]) -> str:
    """A persona file: `top` fields (a `subjects` value is written as given TOML), then `tables` lines."""
    fields = {
        "name": name,
        "role": role,
        "display_name": "Robin",
        "description": f"The {name} test {role}.",
        "prompt": "You are {display_name}, working on: {problem}",
    } | top
    lines = [f"{k} = {v}" if k == "subjects" else f"{k} = {json.dumps(v)}" for k, v in fields.items()]
    return "\n".join([*lines, "", *tables]) + "\n"


def student(name: str, *, misconceptions: dict[str, float] | None = None, **top: str) -> str:
    """A valid student persona file; `top` overrides top-level fields (version, subjects, ...)."""
    chances = [f"{m} = {p}" for m, p in (misconceptions or {}).items()]
    return _persona(
        name, "student", top, ["[student]", "proficiency = 0.8", "", "[student.misconceptions]", *chances]
    )


def teacher(name: str, **top: str) -> str:
    """A valid socratic teacher persona file."""
    return _persona(name, "teacher", top, ["[teacher]", 'pedagogy = "socratic"'])


def critic(name: str, **top: str) -> str:
    """A valid critic persona file."""
    return _persona(name, "critic", top, ["[critic]", "vigilance = 0.5"])


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, start: str, nth: int = 1) -> int:
    """The 1-based number of the nth line of a file that starts with `start`."""
    found = [i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start)]
    return found[nth - 1]


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`tutorforge ARGS` in a real process, with `env` added to this environment (PYTHONPATH kept)."""
    full = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    }
    full.pop("TUTORFORGE_PATH", None)
    full |= env or {}
    return subprocess.run([*CLI, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def generate_raw(*args: str, cwd: Path, env: dict[str, str] | None = None) -> list[dict]:
    """`tutorforge generate ARGS` exporting the approved dialogues raw (everything stored): the records."""
    done = run("generate", *args, "--db", "g.db", "--out", "raw.jsonl", "--format", "raw", cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return read_jsonl(cwd / "raw.jsonl")
