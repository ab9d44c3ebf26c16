"""Personas: the built-ins, the misconception registry, validation with file/line/field, the registry."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import pytest

from tutorforge.errors import BadInput
from tutorforge.personas.loader import (
    BUILTIN_DIR,
    PersonaOverrideWarning,
    check_path,
    dump_toml,
    load_registry,
    read_persona,
    validate_file,
)
from tutorforge.personas.misconceptions import MISCONCEPTIONS
from tutorforge.personas.schema import StudentPersona, TeacherPersona
from tutorforge.personas.toml_lines import key_line

BUILTIN_FILES = sorted(BUILTIN_DIR.glob("*.toml"))

STUDENT = '''\
name = "test-student"
role = "student"
description = "A student for tests."
display_name = "Tess"
prompt = """
You are {display_name}.
name = "not-a-key"
[student]
proficiency = 5
"""

[student]
proficiency = 0.7
self_correction = 0.6

[student.misconceptions]
sign-slip = 0.5
'''


def line_of(text: str, start: str) -> int:
    """The 1-based number of the last line that starts with `start` (the real key, after the prompt)."""
    return max(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_misconception_ids_are_the_ones_problem_generators_key_by():
    assert set(MISCONCEPTIONS) == {
        "sign-slip",
        "order-of-operations",
        "fraction-add-across",
        "percent-of-confusion",
        "distribute-one-term",
        "drop-chain-rule",
        "power-rule-exponent",
        "factor-sign",
        "subtract-instead-of-add",
        "arithmetic-slip",
    }
    for mid, m in MISCONCEPTIONS.items():
        assert m.id == mid and m.description and m.example
        assert len(m.hint) > 60, mid


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_every_builtin_validates_and_is_named_after_its_file(path):
    assert validate_file(path) == []
    persona, _ = read_persona(path)
    assert persona.name == path.stem
    placeholders = set(re.findall(r"\{[^{}]*\}", persona.prompt))
    assert placeholders <= {"{problem}", "{display_name}"}
    assert "{problem}" in placeholders


def test_builtins_cover_every_role_and_misconception():
    registry = load_registry()
    teachers = {p.name: p for p in registry.by_role("teacher")}
    required = {"socratic-teacher", "worked-example-teacher", "encouraging-coach", "careless-teacher"}
    assert required <= set(teachers)
    careless = teachers["careless-teacher"].teacher
    assert careless.error_rate == 0.25
    assert careless.error_kinds == {"false_arithmetic": 0.5, "affirms_wrong_answer": 0.5}
    students = [s for s in registry.by_role("student") if "math" in s.subjects]
    held = {m for s in students for m in s.student.misconceptions}
    assert held == set(MISCONCEPTIONS) - {"arithmetic-slip"}  # slips are a trait: `slip_rate`
    assert any(s.student.slip_rate for s in students if s.student.misconceptions)
    assert sum(bool(s.student.misconceptions) for s in students) >= 6
    careful = registry.get("careful-student", "student").student
    assert careful.proficiency == 0.97 and careful.misconceptions == {}
    assert len({s.style.voice for s in students}) == 4
    critic = registry.get("pedagogy-critic", "critic").critic
    assert critic.vigilance == 0.6
    assert critic.rubric == [
        "mistake_identification",
        "mistake_location",
        "revealing_of_the_answer",
        "providing_guidance",
        "actionability",
        "coherence",
        "tutor_tone",
        "humanlikeness",
    ]


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.stem)
def test_dump_toml_round_trips(path, tmp_path):
    persona, _ = read_persona(path)
    copy = write(tmp_path, path.name, dump_toml(persona))
    assert validate_file(copy) == []
    assert read_persona(copy)[0] == persona


@pytest.mark.parametrize(
    ("change", "field", "anchor", "message"),
    [
        (
            ("proficiency = 0.7\n", "proficiency = 1.5\n"),
            "student.proficiency",
            "proficiency =",
            "less than or equal",
        ),
        (
            ("proficiency = 0.7\n", 'proficiency = "high"\n'),
            "student.proficiency",
            "proficiency =",
            "valid number",
        ),
        (("proficiency = 0.7\n", ""), "student.proficiency", "[student]", "missing required field"),
        (
            ("sign-slip = 0.5", "sign-slap = 0.5"),
            "student.misconceptions.sign-slap",
            "sign-slap",
            "unknown misconception 'sign-slap'",
        ),
        (
            ("sign-slip = 0.5", "sign-slip = 1.2"),
            "student.misconceptions.sign-slip",
            "sign-slip",
            "less than",
        ),
        (
            ("self_correction", "self_corection"),
            "student.self_corection",
            "self_corection",
            "self_correction",
        ),
        (('role = "student"', 'role = "principal"'), "role", "role =", "unknown role 'principal'"),
        (('role = "student"\n', ""), "role", None, "missing required field"),
        (('display_name = "Tess"\n', ""), "display_name", None, "missing required field"),
    ],
)
def test_problems_name_file_line_and_field(tmp_path, change, field, anchor, message):
    text = STUDENT.replace(*change)
    assert text != STUDENT
    path = write(tmp_path, "p.toml", text)
    problems = validate_file(path)
    assert len(problems) == 1, problems
    problem = problems[0]
    expected_line = line_of(text, anchor) if anchor else 1  # a missing top-level key: line 1
    assert (problem.file, problem.line, problem.field) == (path, expected_line, field)
    assert message in problem.message
    assert str(problem) == f"{path}:{expected_line}: {field}: {problem.message}"


def test_bad_toml_reports_tomllib_line(tmp_path):
    text = STUDENT.replace("self_correction = 0.6", "self_correction = ")
    path = write(tmp_path, "bad.toml", text)
    [problem] = validate_file(path)
    assert (problem.line, problem.field) == (line_of(text, "self_correction"), "toml")
    assert "invalid TOML" in problem.message


def test_inline_and_dotted_tables_locate_the_line(tmp_path):
    text = STUDENT.replace("[student.misconceptions]\nsign-slip = 0.5\n", "").replace(
        "self_correction = 0.6", "self_correction = 0.6\nmisconceptions = { sign-slip = 0.5, nope = 0.1 }"
    )
    [problem] = validate_file(write(tmp_path, "a.toml", text))
    assert problem.line == line_of(text, "misconceptions =")
    assert problem.field == "student.misconceptions.nope"

    dotted = text.replace("[student]\n", "").replace("proficiency = 0.7", "student.proficiency = 2")
    dotted = dotted.replace("self_correction = 0.6\nmisconceptions = { sign-slip = 0.5, nope = 0.1 }", "")
    [problem] = validate_file(write(tmp_path, "b.toml", dotted))
    assert (problem.line, problem.field) == (line_of(dotted, "student.proficiency"), "student.proficiency")


def test_key_line_skips_multiline_strings_and_comments():
    text = "a = '''\n[b]\nc = 1\n'''\n# c = 2\n[b] # table\n\"c\" = 3\n"
    assert key_line(text, ("b", "c")) == 7
    assert key_line(text, ("b", "missing")) == 6
    assert key_line(text, ("zzz",)) == 1
    assert key_line('rubric = [\n  "x\\q" = 1,\n]\nrubric2 = 1\n', ("rubric2",)) == 4


def test_faulty_teacher_needs_error_kinds(tmp_path):
    persona = load_registry().get("careless-teacher", "teacher")
    text = dump_toml(persona)
    no_kinds = text.replace("false_arithmetic = 0.5\n", "").replace("affirms_wrong_answer = 0.5\n", "")
    [problem] = validate_file(write(tmp_path, "t.toml", no_kinds))
    assert problem.field == "teacher.error_kinds" and "error_rate" in problem.message
    assert problem.line == line_of(no_kinds, "[teacher.error_kinds]")
    wrong_kind = text.replace("false_arithmetic = 0.5", "reveals_everything = 0.5")
    [problem] = validate_file(write(tmp_path, "u.toml", wrong_kind))
    assert problem.field == "teacher.error_kinds.reveals_everything"
    assert "unknown teacher error kind" in problem.message


def test_style_phrases_must_use_known_placeholders(tmp_path):
    good = STUDENT + '\n[style]\nvoice = "terse"\n\n[style.phrases]\nattempt = ["so {claim}", "{{ok}}"]\n'
    assert validate_file(write(tmp_path, "good.toml", good)) == []
    bad = good.replace('"{{ok}}"', '"{claim.__class__}"')
    [problem] = validate_file(write(tmp_path, "bad.toml", bad))
    assert (problem.line, problem.field) == (line_of(bad, "attempt ="), "style.phrases.attempt[1]")
    assert "unknown placeholder {claim.__class__}" in problem.message


def test_folder_duplicate_names_are_reported_on_the_later_file(tmp_path):
    write(tmp_path, "a.toml", STUDENT)
    later = write(tmp_path, "b.toml", "# the same persona again\n" + STUDENT)
    loaded, problems = check_path(tmp_path)
    assert [p.persona.name for p in loaded] == ["test-student"]
    [problem] = problems
    assert (problem.file, problem.line, problem.field) == (later, 2, "name")
    assert "a.toml" in problem.message


def test_check_path_rejects_missing_and_empty_paths(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        check_path(tmp_path / "absent")
    with pytest.raises(BadInput, match=r"no persona files"):
        check_path(tmp_path)


def test_registry_get_unknown_lists_names_of_the_role():
    registry = load_registry()
    with pytest.raises(BadInput) as err:
        registry.get("sign-slipperr", "student")
    text = str(err.value)
    assert "did you mean 'sign-slipper'" in text
    assert all(name in text for name in registry.names("student"))
    assert not any(name in text for name in registry.names("teacher"))
    with pytest.raises(BadInput, match="is a teacher, not a student"):
        registry.get("socratic-teacher", "student")


def test_registry_roles_and_cached_builtins():
    first, second = load_registry(), load_registry()
    assert first is not second
    assert first.get("sign-slipper") is second.get("sign-slipper")
    for role, cls in (("student", StudentPersona), ("teacher", TeacherPersona)):
        assert all(isinstance(p, cls) for p in first.by_role(role))
    assert sorted(first.names()) == sorted(
        first.names("teacher") + first.names("student") + first.names("critic")
    )


def test_extra_dirs_load_in_order_later_wins_with_warning(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    write(one, "s.toml", STUDENT)
    write(two, "s.toml", STUDENT.replace("A student for tests.", "Second."))
    override = dump_toml(load_registry().get("sign-slipper")).replace(
        'display_name = "Maya"', 'display_name = "M"'
    )
    write(two, "sign-slipper.toml", override)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = load_registry([one, two])
    messages = sorted(str(w.message) for w in caught if w.category is PersonaOverrideWarning)
    assert len(messages) == 2
    assert "'sign-slipper'" in messages[0] and "'test-student'" in messages[1]
    assert registry.get("test-student").description == "Second."
    assert registry.source("test-student") == two / "s.toml"
    assert registry.get("sign-slipper").display_name == "M"
    assert load_registry().get("sign-slipper").display_name == "Maya"


def test_extra_dir_with_a_bad_file_is_bad_input_naming_it(tmp_path):
    bad = write(tmp_path, "bad.toml", STUDENT.replace("sign-slip", "sign-slap"))
    with pytest.raises(BadInput, match=re.escape(f"{bad}:{line_of(STUDENT, 'sign-slip')}: student.misconc")):
        load_registry([tmp_path])


def test_dump_is_valid_toml_with_the_head_first():
    text = dump_toml(load_registry().get("pedagogy-critic"))
    assert list(tomllib.loads(text))[:3] == ["schema_version", "name", "role"]


def test_docs_examples_validate_as_documented(tmp_path):
    docs = Path(__file__).resolve().parents[1] / "docs" / "personas.md"
    blocks = re.findall(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    broken, full = (write(tmp_path, f"{i}.toml", block) for i, block in enumerate(blocks))
    assert validate_file(full) == []
    problems = validate_file(broken)
    assert [(p.line, p.field) for p in problems] == [
        (line_of(blocks[0], "proficiency"), "student.proficiency"),
        (line_of(blocks[0], "misconceptions"), "student.misconceptions.ratio-flip"),
        (line_of(blocks[0], "confidence"), "student.confidence"),
    ]


@pytest.mark.parametrize(
    ("phrases", "field", "words"),
    [
        ('attempt = ["I got {claim:>3000000}"]', "style.phrases.attempt[0]", "placeholder {claim:>3000000}"),
        ('attempt = ["I got {claim:d}"]', "style.phrases.attempt[0]", "no format spec or conversion"),
        ('attempt = ["I got {claim!r}"]', "style.phrases.attempt[0]", "placeholder {claim!r}"),
        ('attempt = ["I got {answer}"]', "style.phrases.attempt", "{answer} is not filled in for this act"),
        ('final = ["{name}, it is {answer}"]', "style.phrases.final", "{name} is not filled in"),
        ('cheer = ["yay"]', "style.phrases.cheer", "a student has no act 'cheer'"),
    ],
)
def test_phrase_templates_that_would_fail_or_bloat_a_dialogue_are_refused(tmp_path, phrases, field, words):
    text = STUDENT + f"\n[style.phrases]\n{phrases}\n"
    [problem] = validate_file(write(tmp_path, "p.toml", text))
    assert (problem.line, problem.field) == (line_of(text, phrases.split()[0] + " ="), field)
    assert words in problem.message


def test_phrase_templates_the_backend_fills_are_accepted(tmp_path):
    student = (
        STUDENT
        + '\n[style.phrases]\nattempt = ["{claim}?"]\nfixed = ["Oh, {claim}."]\nfinal = ["{answer}!"]\n'
    )
    assert validate_file(write(tmp_path, "s.toml", student)) == []
    teacher = (BUILTIN_DIR / "socratic-teacher.toml").read_text(encoding="utf-8")
    teacher += '\n[style.phrases]\nopen = ["{name}, {problem} {ask}"]\nreveal = ["{teacher} says: {text}"]\n'
    assert validate_file(write(tmp_path, "t.toml", teacher)) == []
    [problem] = validate_file(write(tmp_path, "t.toml", teacher.replace("{text}", "{text:>99999}")))
    assert problem.field == "style.phrases.reveal[0]" and "no format spec" in problem.message


def test_the_act_fields_cover_every_builtin_phrase():
    """STUDENT_PHRASE_ACTS must say what the scripted backend fills: its own banks use nothing else."""
    import string

    from tutorforge.llm.scripted_phrases import STUDENT as STUDENT_BANKS
    from tutorforge.personas.schema import STUDENT_PHRASE_ACTS

    def used(templates: list[str]) -> set[str]:
        return {f for t in templates for _, f, _, _ in string.Formatter().parse(t) if f}

    for banks in STUDENT_BANKS.values():
        for act, templates in banks.items():
            assert used(templates) <= STUDENT_PHRASE_ACTS[act], act
