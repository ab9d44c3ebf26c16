"""Discovery: built-ins < entry points < TUTORFORGE_PATH < --personas-dir, every clash reported; subject
packs from a folder add families, misconceptions (with transforms) and checkers with no core change."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pytest
from plugins_support import critic, run, student, teacher, write

from tutorforge.errors import BadInput
from tutorforge.personas.loader import OverrideWarning, PersonaOverrideWarning, load_registry
from tutorforge.problems.generators import families_for
from tutorforge.verifiers import VerifyContext, verify_turn

_counter = iter(range(10**6))


def _entry_point_package(root: Path, group: str, target: str, module_body: str) -> str:
    """A package on `root` with an entry point in `group` (a dist-info importlib.metadata finds)."""
    name = f"probe_plugin_{next(_counter)}_{random.randrange(10**9)}"
    write(root / name, "__init__.py", module_body)
    dist = root / f"{name}-1.0.dist-info"
    write(dist, "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    write(dist, "entry_points.txt", f"[{group}]\nprobe = {name}:{target}\n")
    return name


@pytest.fixture
def restore_builtins():
    """Re-activate the built-in packs afterwards, in case a test replaced one."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverrideWarning)
        load_registry(path_env="")


def test_precedence_builtin_entry_point_env_then_personas_dir(tmp_path, monkeypatch):
    site, env_dir, cli_dir = tmp_path / "site", tmp_path / "env", tmp_path / "cli"
    write(site / "personas", "clash.toml", student("clash-student", version="ep"))
    write(site / "personas", "sign-slipper.toml", student("sign-slipper", version="ep"))
    body = f"from pathlib import Path\nPERSONAS = Path({str(site / 'personas')!r})\n"
    _entry_point_package(site, "tutorforge.personas", "PERSONAS", body)
    write(env_dir, "clash.toml", student("clash-student", version="env"))
    write(cli_dir, "clash.toml", student("clash-student", version="cli"))
    builtin = load_registry(path_env="").source("sign-slipper")
    monkeypatch.syspath_prepend(str(site))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = load_registry([cli_dir], path_env=str(env_dir))
    assert registry.get("clash-student").version == "cli"
    assert registry.source("clash-student") == cli_dir / "clash.toml"
    assert registry.get("sign-slipper").version == "ep"  # an entry point beats a built-in
    notes = [str(w.message) for w in caught if w.category is PersonaOverrideWarning]
    ep, env, cli = site / "personas" / "clash.toml", env_dir / "clash.toml", cli_dir / "clash.toml"
    slipper = site / "personas" / "sign-slipper.toml"
    assert notes == [
        f"persona 'sign-slipper' from {slipper} replaces the one from {builtin}",
        f"persona 'clash-student' from {env} replaces the one from {ep}",
        f"persona 'clash-student' from {cli} replaces the one from {env}",
    ]
    monkeypatch.undo()
    assert load_registry(path_env="").get("sign-slipper").version == "1"  # nothing stays behind


def test_tutorforge_path_takes_several_folders_in_order(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, "a.toml", student("a-student", version="one"))
    write(two, "a.toml", student("a-student", version="two"))
    write(two, "b.toml", student("b-student"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PersonaOverrideWarning)
        registry = load_registry(path_env=f"{one}{__import__('os').pathsep}{two}")
    assert registry.get("a-student").version == "two"
    assert {"a-student", "b-student"} <= set(registry.names("student"))


def test_missing_locations_and_broken_entry_points_are_bad_input(tmp_path, monkeypatch):
    with pytest.raises(BadInput, match=rf"TUTORFORGE_PATH: {tmp_path / 'nope'}: no such file or folder"):
        load_registry(path_env=str(tmp_path / "nope"))
    with pytest.raises(BadInput, match=r"--personas-dir: .*gone: no such file or folder"):
        load_registry([tmp_path / "gone"])
    write(tmp_path / "empty", "notes.txt", "nothing here")
    with pytest.raises(BadInput, match="no persona files"):
        load_registry([tmp_path / "empty"])
    site = tmp_path / "site"
    name = _entry_point_package(site, "tutorforge.subjects", "PACK", "raise RuntimeError('broken plug-in')\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(
        BadInput, match=rf"entry point 'probe' \(tutorforge.subjects\) of {name}: cannot load"
    ):
        load_registry()


GENERATOR = """\
import random
from tutorforge.problems.model import Problem, Step, Variant


def doubling(rng: random.Random) -> Problem:
    a = rng.randint(2, 40)
    claim = f"2 * {a} = {2 * a}"
    step = Step(ask=f"What is twice {a}?", text=f"Twice {a} is {claim}.", claim=claim, result=str(2 * a))
    statement = f"What is twice {a}?"
    return Problem(problem_id=Problem.make_id("doubling", statement), statement=statement,
                   answer=str(2 * a), steps=[step], family="doubling", seed=a)


def add_instead(step: Step) -> Variant | None:
    left, _, _ = step.claim.partition(" = ")
    a = int(left.split(" * ")[1])
    return Variant(claim=f"2 + {a} = {2 + a}", result=str(2 + a), explanation="Twice means times two.")


FAMILIES = {"doubling": doubling}
"""

CHECKER = """\
from tutorforge.verifiers.extra import Checked
from tutorforge.verifiers.types import Flag


def no_plus(text, role, ctx):
    at = text.find("2 +")
    if at < 0:
        return Checked()
    return Checked([Flag("added_not_doubled", text[at:at + 3], (at, at + 3), "doubling is 2 *")], claims=1)
"""

MANIFEST = """\
schema_version = 1
name = "{name}"
description = "Doubling numbers: a pack from a folder, with its code in files beside the manifest."

[problems]
generators = "generate.py:FAMILIES"

[verifier]
core = true
checkers = ["check.py:no_plus"]

[[misconceptions]]
id = "{name}-adds"
description = "Adds two instead of doubling."
hint = "Twice a number is that number plus two, to you."
example = "twice 5 = 2 + 5 = 7"
transform = "generate.py:add_instead"
"""


def _doubling_pack(folder: Path, name: str) -> Path:
    write(folder, "subject.toml", MANIFEST.format(name=name))
    write(folder, "generate.py", GENERATOR)
    write(folder, "check.py", CHECKER)
    people, subjects = folder / "personas", f'["{name}"]'
    write(
        people, "s.toml", student(f"{name}-student", misconceptions={f"{name}-adds": 0.9}, subjects=subjects)
    )
    write(people, "t.toml", teacher(f"{name}-teacher", subjects=subjects))
    write(people, "c.toml", critic(f"{name}-critic", subjects=subjects))
    return folder


def test_a_folder_pack_adds_families_transforms_and_a_checker(tmp_path):
    name = f"doubling{random.randrange(10**9)}"
    registry = load_registry([_doubling_pack(tmp_path / "pack", name)], path_env="")
    assert f"{name}-student" in registry.names("student")
    problem = families_for(name)["doubling"](random.Random(4))
    assert problem.subject == name
    variant = problem.steps[0].variants[f"{name}-adds"]  # made by the pack's transform
    assert variant.claim.startswith("2 + ")
    verdict = verify_turn(
        variant.claim, "student", VerifyContext(problem.statement, problem.answer, subject=name)
    )
    assert [f.kind for f in verdict.flags] == ["added_not_doubled"] and verdict.status == "error"
    right = verify_turn(problem.steps[0].claim, "student", VerifyContext(problem.statement, subject=name))
    assert right.status == "ok"
    false = verify_turn("2 * 3 = 7", "student", VerifyContext(problem.statement, subject=name))
    assert [f.kind for f in false.flags] == ["false_arithmetic"]  # core checks stay on for this pack


def test_cli_reports_clashes_as_notes_and_generates_from_a_folder_pack(tmp_path):
    name = f"doubling{random.randrange(10**9)}"
    pack = _doubling_pack(tmp_path / "pack", name)
    write(tmp_path / "env", "x.toml", student("x-student", version="env"))
    write(tmp_path / "cli", "x.toml", student("x-student", version="cli"))
    replacement = tmp_path / "physics-v2"
    write(replacement, "subject.toml", MANIFEST.format(name="physics"))
    write(replacement, "generate.py", GENERATOR)
    write(replacement, "check.py", CHECKER)
    dirs = [
        arg for folder in (pack, tmp_path / "cli", replacement) for arg in ("--personas-dir", str(folder))
    ]
    r = run(
        "generate", "-n", "4", "--subject", name, "--db", "d.db", "--out", "d.jsonl", *dirs,
        cwd=tmp_path, env={"TUTORFORGE_PATH": str(tmp_path / "env")},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"note: persona 'x-student' from {tmp_path / 'cli' / 'x.toml'} replaces the one from" in r.stderr
    assert r.stderr.count("note: subject 'physics'") == 1  # reported once, never flipped back
    assert f"note: subject 'physics' from {replacement / 'subject.toml'} replaces the one from" in r.stderr
    assert "Traceback" not in r.stderr and "Warning" not in r.stderr
    assert "4 dialogues" in r.stderr
