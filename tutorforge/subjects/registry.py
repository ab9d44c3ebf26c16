"""The active subject packs of this process: each pack's misconceptions, problem families and checkers
registered where the rest of tutorforge looks them up, with no subject named in the core."""

from __future__ import annotations

import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from tutorforge.personas.loader import OverrideWarning
from tutorforge.personas.misconceptions import MISCONCEPTIONS, Misconception, register_misconception
from tutorforge.problems.generators import register_families
from tutorforge.problems.model import Problem
from tutorforge.subjects.pack import Generate, SubjectPack, Transform
from tutorforge.verifiers.extra import register_checker, reset_subject, use_core_checks


class SubjectOverrideWarning(OverrideWarning):
    """A subject pack replaced an earlier one of the same name."""


class MisconceptionOverrideWarning(OverrideWarning):
    """A subject pack redefined a misconception id another pack (or the built-ins) defined differently."""


_ACTIVE: dict[str, SubjectPack] = {}
_TRANSFORMS: dict[str, list[Transform]] = {}


def choose(packs: Sequence[SubjectPack]) -> list[SubjectPack]:
    """The pack each subject gets, from packs in precedence order: the last of each name wins, and a
    clash between different manifests is reported with a `SubjectOverrideWarning`."""
    chosen: dict[str, SubjectPack] = {}
    for pack in packs:
        previous = chosen.get(pack.name)
        if previous is not None and previous.manifest != pack.manifest:
            warnings.warn(
                f"subject '{pack.name}' from {pack.manifest} replaces the one from {previous.manifest}",
                SubjectOverrideWarning,
                stacklevel=3,
            )
        chosen[pack.name] = pack
    return list(chosen.values())


def make_known(packs: Sequence[SubjectPack]) -> None:
    """Register the misconceptions of every pack (replaced packs too: their personas still load), in
    precedence order; a different definition of an id replaces the earlier one, with a
    `MisconceptionOverrideWarning`."""
    known: dict[str, tuple[Misconception, str]] = {
        m.id: (m, "the built-in catalog") for m in MISCONCEPTIONS.values()
    }
    for pack in packs:
        for m in pack.misconceptions:
            previous = known.get(m.id)
            if previous is not None and previous[0] != m:
                warnings.warn(
                    f"misconception '{m.id}' from {pack.manifest} replaces the one from {previous[1]}",
                    MisconceptionOverrideWarning,
                    stacklevel=3,
                )
            known[m.id] = (m, str(pack.manifest))
    for m, origin in known.values():
        if origin != "the built-in catalog" or MISCONCEPTIONS.get(m.id) != m:
            register_misconception(m)


def activate(pack: SubjectPack) -> None:
    """Make `pack` its subject's pack: register its problem families (with the transforms of every
    active pack's misconceptions applied) and its checkers, replacing the subject's earlier pack."""
    previous = _ACTIVE.get(pack.name)
    if previous is pack:
        return
    if previous is not None:
        for transforms in _TRANSFORMS.values():
            transforms[:] = [t for t in transforms if t not in previous.transforms]
    for transform in pack.transforms:
        for subject in transform.subjects:
            _TRANSFORMS.setdefault(subject, []).append(transform)
    register_families(pack.name, {name: _Family(pack.name, fn) for name, fn in pack.families.items()})
    reset_subject(pack.name)
    use_core_checks(pack.name, pack.core_checks)
    for checker in pack.checkers:
        register_checker(pack.name, checker)
    _ACTIVE[pack.name] = pack


def active_packs() -> dict[str, SubjectPack]:
    """The active pack of each subject, by name."""
    return dict(_ACTIVE)


def apply_transforms(problem: Problem, transforms: list[Transform]) -> Problem:
    """The problem with, on each step, the variant of every transform's misconception that the step
    lacks and the transform produces (a transform that raises is skipped for that step)."""
    steps = []
    changed = False
    for step in problem.steps:
        variants = dict(step.variants)
        for t in transforms:
            if t.misconception in variants:
                continue
            try:
                variant = t.fn(step)
            except Exception:  # a plug-in bug must not stop generation
                variant = None
            if variant is not None:
                variants[t.misconception] = variant
                changed = True
        steps.append(step.model_copy(update={"variants": variants}))
    return problem.model_copy(update={"steps": steps}) if changed else problem


@dataclass(frozen=True)
class _Family:
    """A pack's family as registered: the problem carries the pack's subject and its transforms' variants."""

    subject: str
    generate: Generate

    def __call__(self, rng: random.Random) -> Problem:
        problem = self.generate(rng)
        if problem.subject != self.subject:
            problem = problem.model_copy(update={"subject": self.subject})
        transforms = _TRANSFORMS.get(self.subject)
        return apply_transforms(problem, transforms) if transforms else problem
