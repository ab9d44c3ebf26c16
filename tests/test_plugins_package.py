"""The example plug-in package under examples/: installed with pip into a temporary folder (never into
this environment), its entry points are discovered and its subject generates, verifies and exports."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from plugins_support import REPO, generate_raw, run, student, write

from tutorforge.personas.loader import load_registry

EXAMPLE = REPO / "examples" / "tutorforge-example-plugin"
GROUPS = ("tutorforge.personas", "tutorforge.subjects")


def _entry_points() -> set[str]:
    return {ep.value for group in GROUPS for ep in importlib.metadata.entry_points(group=group)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The example installed by pip into a temporary target (built from a copy: pip builds in-tree)."""
    pytest.importorskip("wheel", reason="building without isolation needs `wheel` (the test extra has it)")
    root = tmp_path_factory.mktemp("example")
    source, target = root / "source", root / "site"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    before = _entry_points()
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _entry_points() == before  # this environment is left as it was
    return target


def _env(target: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(target), str(REPO)])}


def test_pip_installs_the_declared_entry_points(installed):
    dist = next(importlib.metadata.distributions(path=[str(installed)]))
    assert dist.metadata["Name"] == "tutorforge-example-plugin"
    assert {ep.group: ep.value for ep in dist.entry_points} == {
        "tutorforge.personas": "tutorforge_example:PERSONAS",
        "tutorforge.subjects": "tutorforge_example.statistics:PACK",
    }


def test_installed_plugins_are_discovered_validate_and_yield_to_personas_dir(installed, tmp_path):
    write(tmp_path / "mine", "rushed.toml", student("rushed-student", version="local"))
    r = run(
        "personas", "list", "--role", "student", "--personas-dir", "mine", cwd=tmp_path, env=_env(installed)
    )
    assert r.returncode == 0, r.stderr
    assert "rushed-student" in r.stdout and "count-dropper" in r.stdout and "sign-slipper" in r.stdout
    assert "local" in next(line for line in r.stdout.splitlines() if "rushed-student" in line)
    from_package = installed / "tutorforge_example" / "personas" / "rushed-student.toml"
    assert (
        f"note: persona 'rushed-student' from mine/rushed.toml replaces the one from {from_package}"
        in r.stderr
    )
    pack = installed / "tutorforge_example" / "statistics"
    r = run("personas", "validate", str(pack), "--import", cwd=tmp_path, env=_env(installed))
    assert (r.returncode, r.stdout) == (0, "ok: 1 subject (statistics), 3 personas\n"), r.stderr
    names = load_registry(path_env="").names()  # this process never had the package: nothing of it here
    assert "rushed-student" not in names and "count-dropper" not in names


def test_the_plugin_subject_generates_verifies_and_exports(installed, tmp_path):
    records = generate_raw("--subject", "statistics", "-n", "8", cwd=tmp_path, env=_env(installed))
    assert {rec["metadata"]["subject"] for rec in records} == {"statistics"}
    outcomes = Counter()
    for rec in records:
        for label in rec["metadata"]["generator_labels"]:
            if label["misconception"] == "mean-wrong-count":  # a variant made by the package's transform
                kinds = {f["kind"] for f in rec["turns"][label["turn"]]["verdict"]["flags"]}
                outcomes["wrong_count" in kinds] += 1
    assert outcomes[True] > 0 and outcomes[False] == 0  # the package's own checker caught every one
