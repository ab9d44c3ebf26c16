"""Helpers for the plug-in and physics tests: persona and pack files, the CLI in a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "tutorforge.cli"]


def student(name: str, *, misconceptions: dict[str, float] | None = None, **fields: str) -> str:
    """A valid student persona file; `fields` override top-level string fields (version, subjects...)."""
    top = {
        "name": name,
        "role": "student",
        "version": "1",
        "display_name": "Robin",
        "description": f"The {name} test student.",
        "prompt": "You are {display_name}, a student working on: {problem}",
    } | fields
    lines = [
        f"{key} = {value}" if key == "subjects" else f"{key} = {json.dumps(value)}"
        for key, value in top.items()
    ]
    lines += ["", "[student]", "proficiency = 0.8", "", "[student.misconceptions]"]
    lines += [f"{m} = {p}" for m, p in (misconceptions or {}).items()]
    return "\n".join(lines) + "\n"


def teacher(name: str, **fields: str) -> str:
    """A valid socratic teacher persona file."""
    top = {
        "name": name,
        "role": "teacher",
        "display_name": "Dr. Test",
        "description": f"The {name} test teacher.",
        "prompt": "You are {display_name}, tutoring: {problem}",
    } | fields
    lines = [
        f"{key} = {value}" if key == "subjects" else f"{key} = {json.dumps(value)}"
        for key, value in top.items()
    ]
    return "\n".join([*lines, "", "[teacher]", 'pedagogy = "socratic"']) + "\n"


def critic(name: str, **fields: str) -> str:
    top = {
        "name": name,
        "role": "critic",
        "display_name": "Reviewer",
        "description": f"The {name} test critic.",
        "prompt": "You are {display_name}, reviewing a tutor on: {problem}",
    } | fields
    lines = [
        f"{key} = {value}" if key == "subjects" else f"{key} = {json.dumps(value)}"
        for key, value in top.items()
    ]
    return "\n".join([*lines, "", "[critic]", "vigilance = 0.5"]) + "\n"


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
