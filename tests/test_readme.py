"""First contact: every command line in the README's code blocks that needs no key, network or terminal
runs as written, in order, in a fresh folder holding the repository's `examples/` and `scripts/`.

Kept as written except for size: a dialogue count above 60 (flag or `n = ` in a copied config) is cut to
60, so the whole README runs in a minute or two. The fake-server lines use a free port instead of 8001.
Lines that need a key, a cluster or a person at the keyboard are listed in SKIPPED with the reason; a new
README line runs unless it is added there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tutorforge.llm.fake_server import FakeConfig, start_fake_server

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = {
    'pip install -e ".[test]" && pytest -q': "the test command itself",
    "export OPENAI_API_KEY=...": "a real key",
    "tutorforge generate -n 500 --backend openai --teacher-model gpt-4.1 --student-model gpt-4.1-mini "
    "--critic-model gpt-4.1 --concurrency 32 --max-cost 20 --db corpus.db": "a real key and the network",
    "tutorforge generate -n 500 --backend openai --model qwen2.5-7b --base-url http://localhost:8000/v1": (
        "a server of your own"
    ),
    "python scripts/fake_llm_server.py --port 8001 --latency 0.2": "started by the test, on a free port",
    "tutorforge review --db corpus.db": "the full-screen app (tested through textual's pilot)",
    "sbatch --array=1-16 scripts/run_shard.sh examples/configs/math-mix.toml shards/": "a Slurm cluster",
    "sbatch --array=1-16 examples/jobs/slurm-array.sh examples/configs/openai-roles.toml shards/": (
        "a Slurm cluster and a key"
    ),
    "HF_TOKEN=... tutorforge publish --db corpus.db --repo me/math-tutoring --format parquet": (
        "a Hugging Face token and the network (tests/test_publish.py uses a stub Hub)"
    ),
}
MAX_N = 60


def readme_commands() -> list[str]:
    """The command lines of the README's fenced code blocks, continuation lines joined, comments cut."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M):
        if block.startswith(("teacher:", "student:")):  # the sample dialogue
            continue
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s{2,}#.*$", "", line).strip()
            if line:
                commands.append(re.sub(r"\s+", " ", line))
    return commands


def _shrunk(command: str) -> str:
    return re.sub(r"(-n|--count) (\d+)", lambda m: f"{m[1]} {min(int(m[2]), MAX_N)}", command)


@pytest.mark.slow
def test_every_readme_command_runs_as_written(tmp_path):
    commands = readme_commands()
    assert set(SKIPPED) <= set(commands), set(SKIPPED) - set(commands)  # the README still has them
    for folder in ("examples", "scripts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for config in (tmp_path / "examples" / "configs").glob("*.toml"):
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r"(?m)^n = (\d+)", lambda m: f"n = {min(int(m[1]), MAX_N)}", text))
    (tmp_path / "gsm8k.jsonl").write_text(
        "".join(
            json.dumps({"question": q, "answer": a}) + "\n"
            for q, a in [
                ("Ann has 3 apples and buys 4 more. How many apples does she have?", "3 + 4 = 7\n#### 7"),
                ("A pen costs $2. How much do 5 pens cost?", "5 * 2 = 10\n#### 10"),
            ]
        )
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TUTORFORGE_PATH"):
        env.pop(name, None)
    ran = 0
    with start_fake_server(FakeConfig(latency=0.01, teacher_turns=3)) as server:
        port = server.url.rsplit(":", 1)[1]
        for command in commands:
            if command in SKIPPED:
                continue
            if "tutorforge verify dialogues.jsonl" in command:  # the README's input: a raw export
                _run(
                    "tutorforge export --db corpus.db --format raw --include all --out dialogues.jsonl",
                    tmp_path,
                    env,
                )
            command = re.sub(r"^pip install [^&]*&& ", "", command)  # installed already
            command = _shrunk(command.replace("127.0.0.1:8001", f"127.0.0.1:{port}"))
            if " ID" in command:  # a dialogue id from the queue
                queue = json.loads(_run("tutorforge review --db corpus.db --list --json", tmp_path, env))
                command = command.replace(" ID", f" {queue[0]['dialogue_id']}")
            _run(command, tmp_path, env)
            ran += 1
    assert ran >= 20
    assert (tmp_path / "pub" / "train.jsonl").stat().st_size > 0  # the folder the README writes into
    assert (tmp_path / "pub" / "README.md").exists()


def _run(command: str, cwd: Path, env: dict) -> str:
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
    return done.stdout
