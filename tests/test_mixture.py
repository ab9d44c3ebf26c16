"""Weighted mixtures: a config's proportions hold within sampling tolerance, draws are deterministic and do
not depend on the order a file lists names in, and runs without mixtures draw as they always did."""

from __future__ import annotations

import math
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

from tutorforge.cli import main
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.mixture import PairingWarning
from tutorforge.dialogues.run_config import load_run_config
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents
from tutorforge.personas.loader import load_registry

DRAWS = 6000


def factory_for(text: str, tmp_path: Path) -> DialogueFactory:
    path = tmp_path / "mix.toml"
    path.write_text(text, encoding="utf-8")
    config = GenerateConfig.model_validate(load_run_config(path).settings)
    return DialogueFactory(config, load_registry(config.personas_dirs), ScriptedAgents())


def assert_proportions(counts: Counter, weights: dict[str, float], draws: int) -> None:
    """Every share within 4.5 standard deviations of its weight's share (a false alarm is ~1e-5)."""
    total = sum(weights.values())
    assert set(counts) == {name for name, w in weights.items() if w > 0}
    for name, weight in weights.items():
        p = weight / total
        sigma = math.sqrt(p * (1 - p) / draws)
        assert abs(counts[name] / draws - p) <= 4.5 * sigma + 1e-12, (name, counts[name], p)


def test_persona_and_family_proportions_follow_the_weights(tmp_path):
    students = {
        "sign-slipper": 5,
        "careful-student": 3,
        "fraction-adder": 1.5,
        "root-flipper": 0.5,
        "left-to-right": 0,
    }
    teachers = {"socratic-teacher": 3, "careless-teacher": 1}
    families = {"percentages": 1, "word_problem": 2, "fraction_arithmetic": 5}
    text = "seed = 4\n" + "".join(
        f"[mix.{table}]\n" + "".join(f"{k} = {v}\n" for k, v in weights.items())
        for table, weights in (("student", students), ("teacher", teachers), ("family", families))
    )
    with pytest.warns(PairingWarning) as caught:  # forced by the mixture, though nothing they hold can show
        factory = factory_for(text, tmp_path)
    assert sorted(str(w.message).split(":")[0] for w in caught) == [
        "student root-flipper",
        "student sign-slipper",
    ]
    plans = [factory.plan(i) for i in range(DRAWS)]
    assert_proportions(Counter(p.student for p in plans), students, DRAWS)
    assert_proportions(Counter(p.teacher for p in plans), teachers, DRAWS)
    # a student whose misconception a family carries gets that family; the others follow the weights
    paired = [p for p in plans if p.student == "fraction-adder"]
    assert {p.problem.family for p in paired} == {"fraction_arithmetic"}
    assert {p.misconception for p in paired} <= {"fraction-add-across", ""}  # "": no fitting problem drawn
    assert sum(p.misconception == "fraction-add-across" for p in paired) >= 0.95 * len(paired)
    rest = [p for p in plans if p.student != "fraction-adder"]
    assert_proportions(Counter(p.problem.family for p in rest), families, len(rest))
    # unmixed roles stay uniform over the subject's personas
    assert {p.critic for p in plans} == {"pedagogy-critic"}


def test_subject_mixture_draws_personas_and_families_of_the_drawn_subject(tmp_path):
    factory = factory_for(
        "seed = 9\n[mix.subject]\nmath = 3\nphysics = 1\n"
        "[mix.student]\nsign-slipper = 1\ncareful-student = 1\nunit-skipper = 3\ncareful-physicist = 1\n",
        tmp_path,
    )
    registry = load_registry()
    draws = 3000
    plans = [factory.plan(i) for i in range(draws)]
    assert_proportions(Counter(p.subject for p in plans), {"math": 3, "physics": 1}, draws)
    for plan in plans:
        assert plan.problem.subject == plan.subject
        for name in (plan.teacher, plan.student, plan.critic):
            assert plan.subject in registry.get(name).subjects
    physics = [p for p in plans if p.subject == "physics"]
    assert_proportions(
        Counter(p.student for p in physics), {"unit-skipper": 3, "careful-physicist": 1}, len(physics)
    )


def test_draws_are_deterministic_and_ignore_listing_order(tmp_path):
    a = factory_for("seed = 2\n[mix.teacher]\nsocratic-teacher = 2\nencouraging-coach = 1\n", tmp_path)
    b = factory_for("seed = 2\n[mix.teacher]\nencouraging-coach = 1\nsocratic-teacher = 2\n", tmp_path)
    assert a.run_id == b.run_id
    for i in range(300):
        pa, pb = a.plan(i), b.plan(i)
        assert (pa.teacher, pa.student, pa.problem.problem_id) == (
            pb.teacher,
            pb.student,
            pb.problem.problem_id,
        )
    c = factory_for("seed = 2\n[mix.teacher]\nsocratic-teacher = 1\nencouraging-coach = 1\n", tmp_path)
    assert c.run_id != a.run_id  # the weights are part of the run's identity


def test_no_mixture_pairs_each_student_with_a_problem_its_misconception_shows_on(tmp_path):
    """Without mixtures, personas are drawn uniformly; a student holding misconceptions gets a problem
    whose steps carry one of them, and the plan names it."""
    factory = DialogueFactory(GenerateConfig(seed=6), load_registry(), ScriptedAgents())
    registry = load_registry()
    pools = [
        sorted(p.name for p in registry.by_role(r) if "math" in p.subjects)
        for r in ("teacher", "student", "critic")
    ]
    plans = [factory.plan(i) for i in range(900)]
    for role, pool in zip(("teacher", "student", "critic"), pools, strict=True):
        assert {getattr(p, role) for p in plans} == set(pool)
    assert_proportions(Counter(p.student for p in plans), dict.fromkeys(pools[1], 1), len(plans))
    for plan in plans:
        held = set(registry.get(plan.student).student.misconceptions) - {"arithmetic-slip"}
        carried = {m for s in plan.problem.steps for m in s.variants}
        if held & carried:
            assert plan.misconception in held & carried and plan.opening == "attempt"
        else:
            assert plan.misconception == "" and plan.opening == "tutor"
    holding = [
        p for p in plans if registry.get(p.student).student.misconceptions.keys() - {"arithmetic-slip"}
    ]
    assert sum(bool(p.misconception) for p in holding) >= 0.95 * len(holding)
    # names come from a pool independent of the persona: one persona gets many names, one name many personas
    names: dict[str, set[str]] = {}
    for plan in plans:
        names.setdefault(plan.student, set()).add(plan.student_name)
    assert all(len(v) >= 20 for v in names.values())
    assert len({p.student for p in plans if p.student_name == plans[0].student_name}) >= 3


def test_a_named_student_is_kept_with_a_warning_when_its_misconception_cannot_show():
    config = GenerateConfig(seed=1, student="sign-slipper", families=["fraction_arithmetic"])
    with pytest.warns(PairingWarning, match="sign-slipper"):
        factory = DialogueFactory(config, load_registry(), ScriptedAgents())
    plans = [factory.plan(i) for i in range(20)]
    assert {p.student for p in plans} == {"sign-slipper"}
    assert all(p.misconception == "" and p.opening == "tutor" for p in plans)


def test_tutor_opening_is_kept_as_a_setting():
    plans = [
        DialogueFactory(GenerateConfig(seed=6, opening="tutor"), load_registry(), ScriptedAgents()).plan(i)
        for i in range(50)
    ]
    assert {p.opening for p in plans} == {"tutor"} and any(p.misconception for p in plans)
    assert GenerateConfig(seed=6).run_id() != GenerateConfig(seed=6, opening="tutor").run_id()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_generated_corpus_follows_the_plan(tmp_path, monkeypatch, capsys, workers):
    """The stored dialogues are the planned ones, in-process and in worker processes alike."""
    text = "n = 80\nseed = 8\nmax_turns = 8\n[mix.student]\nsign-slipper = 3\nfraction-adder = 1\n"
    path = tmp_path / "run.toml"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "c.db"
    monkeypatch.setattr(
        sys, "argv", ["tutorforge", "generate", "--config", str(path), "--db", str(db), "--workers", workers]
    )
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0, capsys.readouterr().err
    factory = factory_for(text, tmp_path)
    with sqlite3.connect(db) as con:
        stored = con.execute(
            "SELECT idx, teacher, student, problem_id FROM dialogues ORDER BY idx"
        ).fetchall()
    assert len(stored) == 80
    for idx, teacher, student, problem_id in stored:
        plan = factory.plan(idx)
        assert (teacher, student, problem_id) == (plan.teacher, plan.student, plan.problem.problem_id)
