"""`tutorforge personas validate PATH` on persona files and subject packs: every problem as
file:line: field: message, exit 2 on any; ids from loaded packs and from the pack itself accepted."""

from __future__ import annotations

import pytest
from factories import run_cli
from plugins_support import critic, line_of, student, teacher, write

from tutorforge.personas.misconceptions import KNOWN_MISCONCEPTIONS, MISCONCEPTIONS


@pytest.fixture
def cli(monkeypatch):
    """The command line in this process, no TUTORFORGE_PATH: (exit code, stdout, stderr)."""
    monkeypatch.delenv("TUTORFORGE_PATH", raising=False)
    return run_cli


PERSONA_CASES = {
    "bad_toml": (
        lambda t: t.replace('role = "student"', 'role = "student'),
        "role =",
        "toml",
        "invalid TOML",
    ),
    "missing_field": (
        lambda t: t.replace('display_name = "Robin"\n', ""),
        "name =",
        "display_name",
        "missing",
    ),
    "unknown_misconception": (
        lambda t: t.replace("sign-slip = 0.5", "sign-slap = 0.5"),
        "sign-slap",
        "student.misconceptions.sign-slap",
        "unknown misconception 'sign-slap'",
    ),
    "probability_above_1": (
        lambda t: t.replace("sign-slip = 0.5", "sign-slip = 1.5"),
        "sign-slip",
        "student.misconceptions.sign-slip",
        "less than or equal to 1",
    ),
}


def assert_first_problem(cli, target, path, line: int, field: str, message: str) -> None:
    """`validate target` exits 2 and its first line is `path:line: field: ...` with `message` in it."""
    code, out, err = cli("personas", "validate", str(target), "--import")
    assert code == 2, (out, err)
    assert out.splitlines()[0].startswith(f"{path}:{line}: {field}: "), out
    assert message in out.splitlines()[0] and "Traceback" not in err


@pytest.mark.parametrize("case", sorted(PERSONA_CASES))
def test_a_malformed_persona_exits_2_with_file_line_field(cli, tmp_path, case):
    edit, line_start, field, message = PERSONA_CASES[case]
    path = write(tmp_path, "p.toml", edit(student("p", misconceptions={"sign-slip": 0.5})))
    assert_first_problem(cli, path, path, line_of(path, line_start), field, message)


def test_a_duplicate_name_in_a_folder_exits_2_naming_the_second_file(cli, tmp_path):
    write(tmp_path, "a.toml", student("twin"))
    second = write(tmp_path, "b.toml", student("twin", description="Another one."))
    code, out, _ = cli("personas", "validate", str(tmp_path))
    assert code == 2
    assert out.startswith(
        f"{second}:{line_of(second, 'name =')}: name: duplicate name 'twin' (also in a.toml)"
    )


def test_a_persona_may_hold_a_misconception_of_a_loaded_subject_pack(cli, tmp_path):
    assert "unit-slip" not in MISCONCEPTIONS
    path = write(tmp_path, "p.toml", student("p", misconceptions={"unit-slip": 0.4}, subjects='["physics"]'))
    assert cli("personas", "validate", str(path))[:2] == (0, "ok: 1 personas\n")
    assert "unit-slip" in KNOWN_MISCONCEPTIONS


def _pack(folder, *, manifest: str, personas: dict[str, str] | None = None):
    write(folder, "subject.toml", manifest)
    for name, text in (personas or {}).items():
        write(folder / "personas", name, text)
    return folder / "subject.toml"


MANIFEST = """\
schema_version = 1
name = "tiny"
description = "A tiny subject for tests."

[verifier]
core = true
checkers = []

[[misconceptions]]
id = "tiny-slip"
description = "Slips in tiny ways."
hint = "You slip."
example = "1 + 1 = 3"
"""


def test_a_valid_pack_and_its_personas_validate_with_the_packs_own_ids(cli, tmp_path):
    _pack(
        tmp_path / "tiny",
        manifest=MANIFEST,
        personas={
            "s.toml": student("tiny-student", misconceptions={"tiny-slip": 0.5}, subjects='["tiny"]'),
            "t.toml": teacher("tiny-teacher", subjects='["tiny"]'),
            "c.toml": critic("tiny-critic", subjects='["tiny"]'),
        },
    )
    code, out, err = cli("personas", "validate", str(tmp_path / "tiny"), "--import")
    assert (code, out) == (0, "ok: 1 subject (tiny), 3 personas\n"), err
    code, out, err = cli("personas", "validate", str(tmp_path / "tiny"))
    assert (code, out) == (
        0,
        "ok: 1 subject (tiny), 3 personas; the packs' Python code was not run (--import runs it to check"
        " what it names)\n",
    ), err
    assert "tiny-slip" not in KNOWN_MISCONCEPTIONS  # known only while its pack was checked
    write(tmp_path, "loose.toml", student("loose"))
    code, out, _ = cli("personas", "validate", str(tmp_path), "--import")  # a pack and a persona file
    assert (code, out) == (0, "ok: 1 subject (tiny), 4 personas\n")


PACK_CASES = {
    "bad_toml": (lambda m: m.replace('name = "tiny"', 'name = "tiny'), "name =", "toml", "invalid TOML"),
    "missing_description": (
        lambda m: m.replace('description = "A tiny subject for tests."\n', ""),
        "schema_version",
        "description",
        "missing required field",
    ),
    "unknown_field": (
        lambda m: m.replace("core = true", "cores = true"),
        "cores",
        "verifier.cores",
        "did you mean 'core'?",
    ),
    "duplicate_misconception": (
        lambda m: m + m[m.index("[[misconceptions]]") :],
        'id = "tiny-slip"',
        "misconceptions[1].id",
        "duplicate misconception id 'tiny-slip'",
    ),
    "checker_not_importable": (
        lambda m: m.replace("checkers = []", 'checkers = ["no_such_module_xyz:check"]'),
        "checkers",
        "verifier.checkers[0]",
        "cannot import 'no_such_module_xyz'",
    ),
    "generators_not_a_mapping": (
        lambda m: m.replace("[verifier]", '[problems]\ngenerators = "random:random"\n\n[verifier]'),
        "generators",
        "problems.generators",
        "must name a mapping",
    ),
    "missing_persona_folder": (
        lambda m: m.replace('description = "A', 'personas = ["people"]\ndescription = "A'),
        "personas",
        "personas[0]",
        "no such folder: people",
    ),
    "transform_in_a_missing_file": (
        lambda m: m + 'transform = "missing.py:wrong"\n',
        "transform",
        "misconceptions[0].transform",
        "no such file",
    ),
}


@pytest.mark.parametrize("case", sorted(PACK_CASES))
def test_a_malformed_pack_exits_2_with_file_line_field(cli, tmp_path, case):
    edit, line_start, field, message = PACK_CASES[case]
    manifest = _pack(tmp_path / "tiny", manifest=edit(MANIFEST))
    line = line_of(manifest, line_start, 2 if case == "duplicate_misconception" else 1)
    assert_first_problem(cli, tmp_path / "tiny", manifest, line, field, message)


def test_a_pack_persona_with_an_unknown_id_is_reported_in_its_file(cli, tmp_path):
    _pack(
        tmp_path / "tiny",
        manifest=MANIFEST,
        personas={"s.toml": student("s", misconceptions={"tiny-slop": 0.5})},
    )
    persona = tmp_path / "tiny" / "personas" / "s.toml"
    code, out, _ = cli("personas", "validate", str(tmp_path / "tiny"))
    assert code == 2
    assert out.startswith(
        f"{persona}:{line_of(persona, 'tiny-slop')}: student.misconceptions.tiny-slop: unknown"
    )


def test_the_builtin_packs_validate(cli):
    from tutorforge.subjects.discovery import BUILTIN_ROOT

    shipped = len(list((BUILTIN_ROOT / "physics" / "personas").glob("*.toml")))
    code, out, err = cli("personas", "validate", str(BUILTIN_ROOT / "physics"), "--import")
    assert (code, out) == (0, f"ok: 1 subject (physics), {shipped} personas\n"), err
    code, out, _ = cli("personas", "validate", str(BUILTIN_ROOT))
    assert code == 0 and out.startswith("ok: 2 subjects (math, physics), ")


def _evil(folder, marker):
    """A Python file that leaves `marker` behind when it runs, with a checker `check`."""
    write(folder, "evil.py", f"open({str(marker)!r}, 'w').close()\n\ndef check(claim, ctx):\n    return []\n")


def test_pack_paths_must_stay_inside_the_pack_unless_trusted(cli, tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    _evil(tmp_path / "x", marker)
    manifest = MANIFEST.replace(
        "checkers = []", 'checkers = ["../x/evil.py:check"]\n\n[problems]\nfiles = ["../../etc/passwd"]'
    ).replace('description = "A tiny', 'personas = ["../x"]\ndescription = "A tiny')
    path = _pack(tmp_path / "tiny", manifest=manifest)
    code, out, err = cli("personas", "validate", str(tmp_path / "tiny"), "--import")
    assert code == 2, (out, err)
    problems = out.splitlines()
    assert f"{path}:{line_of(path, 'personas =')}: personas[0]: ../x is outside the pack folder" in out
    assert any(
        p.startswith(f"{path}:") and "problems.files[0]: ../../etc/passwd is outside" in p for p in problems
    )
    assert "verifier.checkers[0]: ../x/evil.py is outside the pack folder" in out
    assert "--trust-pack-paths" in out and not marker.exists()  # nothing outside the pack was run or read
    monkeypatch.delenv("TUTORFORGE_TRUST_PACK_PATHS", raising=False)
    trusted = manifest.replace('files = ["../../etc/passwd"]', "files = []")
    _pack(tmp_path / "tiny", manifest=trusted)
    code, out, err = cli("personas", "validate", str(tmp_path / "tiny"), "--import", "--trust-pack-paths")
    assert "outside the pack folder" not in out and marker.exists()


def test_validate_runs_no_pack_code_unless_asked(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("TUTORFORGE_TRUST_PACK_PATHS", raising=False)
    marker = tmp_path / "ran"
    _evil(tmp_path / "tiny", marker)
    _pack(tmp_path / "tiny", manifest=MANIFEST.replace("checkers = []", 'checkers = ["evil.py:check"]'))
    code, out, _ = cli("personas", "validate", str(tmp_path / "tiny"))
    assert code == 0 and "Python code was not run" in out and not marker.exists()
    _pack(tmp_path / "tiny", manifest=MANIFEST.replace("checkers = []", 'checkers = ["missing.py:check"]'))
    code, out, _ = cli("personas", "validate", str(tmp_path / "tiny"))
    assert code == 2 and "no such file" in out  # what can be checked without running it still is
    _pack(tmp_path / "tiny", manifest=MANIFEST.replace("checkers = []", 'checkers = ["evil.py:check"]'))
    code, out, _ = cli("personas", "validate", str(tmp_path / "tiny"), "--import")
    assert code == 0 and marker.exists()


def test_validate_runs_no_code_of_the_packs_on_the_plugin_path(cli, tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    _evil(tmp_path / "plugins" / "tiny", marker)
    _pack(
        tmp_path / "plugins" / "tiny",
        manifest=MANIFEST.replace("checkers = []", 'checkers = ["evil.py:check"]'),
    )
    monkeypatch.setenv("TUTORFORGE_PATH", str(tmp_path / "plugins"))
    write(tmp_path, "s.toml", student("s", misconceptions={"tiny-slip": 0.5}, subjects='["tiny"]'))
    code, out, err = cli("personas", "validate", str(tmp_path / "s.toml"))
    assert (code, out) == (0, "ok: 1 personas\n"), (out, err)  # the plug-in pack's ids are known
    assert not marker.exists()
