"""A subject pack loaded from its manifest: problem families, persona folders, misconceptions, checkers."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tutorforge.errors import BadInput
from tutorforge.inputs import TOML_MAX_BYTES, read_regular
from tutorforge.personas.loader import PersonaProblem
from tutorforge.personas.misconceptions import Misconception
from tutorforge.personas.toml_lines import key_line
from tutorforge.problems.model import Problem, Step, Variant
from tutorforge.subjects.manifest import MANIFEST, SubjectManifest, entry_problem, read_manifest
from tutorforge.subjects.refs import RefError, check, resolve, split
from tutorforge.verifiers.extra import Checker

# Set (to "1") by --trust-pack-paths: a pack may then name files and folders outside its own folder.
TRUST_ENV = "TUTORFORGE_TRUST_PACK_PATHS"
Generate = Callable[[random.Random], Problem]


def paths_trusted() -> bool:
    """Whether --trust-pack-paths was given (to this process or the command that started it)."""
    return os.environ.get(TRUST_ENV) == "1"


StepTransform = Callable[[Step], Variant | None]


@dataclass(frozen=True)
class Transform:
    """How a misconception changes a correct step, on the problems of `subjects` (scripted backend)."""

    misconception: str
    fn: StepTransform
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class SubjectPack:
    """Everything one subject brings: its problem families, personas, misconceptions and checks."""

    name: str
    version: str
    description: str
    manifest: Path
    persona_dirs: tuple[Path, ...]
    families: Mapping[str, Generate]
    misconceptions: tuple[Misconception, ...]
    transforms: tuple[Transform, ...]
    core_checks: bool
    checkers: tuple[Checker, ...]


def manifest_path(path: Path) -> Path:
    """The manifest of a pack given as its folder or as the manifest itself."""
    path = Path(path)
    return path / MANIFEST if path.is_dir() else path


def read_pack(
    path: Path, *, run_code: bool = True, trusted: bool = False
) -> tuple[SubjectPack | None, list[PersonaProblem]]:
    """Load a pack (its folder or manifest): the pack (None when anything is wrong) and every problem.
    Without `run_code` nothing of the pack is imported: its references are only checked for form and
    existence, and the pack has no generators, transforms or checkers. Only a `trusted` pack (a built-in
    one, or any with --trust-pack-paths) may name files outside its folder."""
    manifest_file = manifest_path(path)
    manifest, problems = read_manifest(manifest_file)
    if manifest is None:
        return None, problems
    text = read_regular(manifest_file, TOML_MAX_BYTES).decode("utf-8")
    builder = _Builder(manifest_file, text, manifest, run_code=run_code, trusted=trusted)
    pack = builder.build()
    return (pack if not builder.problems else None), builder.problems


def load_pack(path: Path, *, trusted: bool = False, run_code: bool = True) -> SubjectPack:
    """A pack; any problem in it is bad input naming the file, line and field."""
    pack, problems = read_pack(path, trusted=trusted, run_code=run_code)
    if problems:
        more = f" (and {len(problems) - 1} more; run `tutorforge personas validate {path}`)"
        raise BadInput(f"{problems[0]}{more if len(problems) > 1 else ''}")
    assert pack is not None
    return pack


class _Builder:
    """Resolves a valid manifest's references and files, collecting a problem for each that fails."""

    def __init__(
        self, path: Path, text: str, manifest: SubjectManifest, *, run_code: bool, trusted: bool
    ) -> None:
        self.path, self.text, self.m = path, text, manifest
        self.base = path.parent
        self.run_code = run_code
        self.trusted = trusted or paths_trusted()
        self.problems: list[PersonaProblem] = []

    def inside(self, name: str, keys: tuple[str, ...], field: str) -> Path | None:
        """`name` relative to the pack folder, or None (with a problem) when it resolves outside it and
        the pack's paths are not trusted."""
        try:
            return self._within(name)
        except RefError as exc:
            self.problem(keys, str(exc), field)
            return None

    def _within(self, name: str) -> Path:
        path = (self.base / name).resolve()
        if not self.trusted and not path.is_relative_to(self.base.resolve()):
            raise RefError(f"{name} is outside the pack folder (pass --trust-pack-paths to allow it)")
        return path

    def problem(self, keys: tuple[str, ...], message: str, field: str | None = None) -> None:
        self.problems.append(
            PersonaProblem(self.path, key_line(self.text, keys), field or ".".join(keys), message)
        )

    def build(self) -> SubjectPack:
        m = self.m
        return SubjectPack(
            name=m.name,
            version=m.version,
            description=m.description,
            manifest=self.path,
            persona_dirs=self.persona_dirs(),
            families=self.families(),
            misconceptions=tuple(
                Misconception(e.id, e.description, e.hint, e.example) for e in m.misconceptions
            ),
            transforms=self.transforms(),
            core_checks=m.verifier.core,
            checkers=self.checkers(),
        )

    def persona_dirs(self) -> tuple[Path, ...]:
        folders = []
        explicit = "personas" in self.m.model_fields_set
        for i, name in enumerate(self.m.personas):
            folder = self.inside(name, ("personas",), f"personas[{i}]")
            if folder is None:
                continue
            if folder.is_dir():
                folders.append(folder)
            elif explicit:
                self.problem(("personas",), f"no such folder: {name}", f"personas[{i}]")
        return tuple(folders)

    def families(self) -> dict[str, Generate]:
        found: dict[str, Generate] = {}
        sources = self.m.problems
        if sources.generators:
            mapping = self.resolve(sources.generators, ("problems", "generators"))
            if mapping is not None:
                if not isinstance(mapping, Mapping) or not all(
                    isinstance(k, str) and callable(v) for k, v in mapping.items()
                ):
                    self.problem(
                        ("problems", "generators"), "must name a mapping of family name -> generate(rng)"
                    )
                else:
                    found.update(mapping)
        for i, name in enumerate(sources.files):
            family = Path(name).stem
            path = self.inside(name, ("problems", "files"), f"problems.files[{i}]")
            if path is None:
                continue
            try:
                from tutorforge.problems.importers import load_problems

                problems = load_problems(path)
            except BadInput as exc:
                self.problem(("problems", "files"), str(exc), f"problems.files[{i}]")
                continue
            if not problems:
                self.problem(("problems", "files"), f"no problems in {name}", f"problems.files[{i}]")
            elif family in found:
                self.problem(
                    ("problems", "files"), f"family '{family}' is defined twice", f"problems.files[{i}]"
                )
            else:
                found[family] = _FileFamily(tuple(problems), self.m.name, family)
        return found

    def transforms(self) -> tuple[Transform, ...]:
        out = []
        for i, entry in enumerate(self.m.misconceptions):
            if entry.transform is None:
                continue
            fn = self.resolve(entry.transform, ("misconceptions",), index=i, key="transform")
            if fn is not None and not callable(fn):
                self.problems.append(
                    entry_problem(self.path, self.text, i, "transform", "must name a function")
                )
            elif fn is not None:
                out.append(Transform(entry.id, fn, tuple(entry.applies_to or [self.m.name])))
        return tuple(out)

    def checkers(self) -> tuple[Checker, ...]:
        out = []
        for i, reference in enumerate(self.m.verifier.checkers):
            fn = self.resolve(reference, ("verifier", "checkers"), field=f"verifier.checkers[{i}]")
            if fn is not None and not callable(fn):
                self.problem(("verifier", "checkers"), "must name a function", f"verifier.checkers[{i}]")
            elif fn is not None:
                out.append(fn)
        return tuple(out)

    def resolve(
        self,
        reference: str,
        keys: tuple[str, ...],
        *,
        field: str | None = None,
        index: int = -1,
        key: str = "",
    ) -> object | None:
        """The object `reference` names (None, with a problem, when it cannot be had; None without a
        problem when the pack's code is not to run)."""
        try:
            module_name, _ = split(reference)
            if module_name.endswith(".py"):
                self._within(module_name)
            if not self.run_code:
                check(reference, self.base)
                return None
            return resolve(reference, self.base)
        except RefError as exc:
            if index >= 0:
                self.problems.append(entry_problem(self.path, self.text, index, key, str(exc)))
            else:
                self.problem(keys, str(exc), field)
            return None


@dataclass(frozen=True)
class _FileFamily:
    """A family drawn from a problem file: one of its problems, uniformly."""

    problems: tuple[Problem, ...]
    subject: str
    family: str

    def __call__(self, rng: random.Random) -> Problem:
        problem = self.problems[rng.randrange(len(self.problems))]
        return problem.model_copy(update={"subject": self.subject, "family": self.family})
