"""`tutorforge personas validate PATH`: check persona files and subject packs, reporting every problem."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tutorforge.personas.loader import PersonaProblem, check_path
from tutorforge.personas.misconceptions import (
    KNOWN_MISCONCEPTIONS,
    Misconception,
    register_misconception,
    unregister_misconception,
)
from tutorforge.subjects.discovery import BUILTIN_ROOT, load_subjects, scan
from tutorforge.subjects.manifest import read_manifest
from tutorforge.subjects.pack import manifest_path, paths_trusted, read_pack


def validate_path(path: Path, *, run_code: bool = False) -> tuple[str, list[PersonaProblem]]:
    """Check a persona file, a folder of them, a subject pack, or a folder holding packs and persona
    files. Returns a summary of what is valid ('3 personas', '1 subject (physics), 7 personas') and
    every problem found, each as file:line: field: message. The installed packs are loaded first, so
    personas may use their misconception ids; a pack's personas may also use the pack's own. A pack's
    Python code runs only with `run_code`; otherwise its references are checked for form and existence
    and the summary says the code was not run."""
    load_subjects(run_code=run_code)
    packs, persona_paths = scan(Path(path))
    problems: list[PersonaProblem] = []
    subjects: list[str] = []
    personas = 0
    for folder in packs:
        name, count, found = _validate_pack(folder, run_code)
        problems += found
        personas += count
        if name and not found:
            subjects.append(name)
    for persona_path in persona_paths:
        loaded, found = check_path(persona_path)
        personas += len(loaded)
        problems += found
    summary = f"{personas} personas"
    if packs:
        summary = f"{len(subjects)} subject{'s' * (len(subjects) != 1)} ({', '.join(subjects)}), {summary}"
        if not run_code:
            summary += "; the packs' Python code was not run (--import runs it to check what it names)"
    return summary, problems


def _validate_pack(folder: Path, run_code: bool) -> tuple[str, int, list[PersonaProblem]]:
    """(pack name, valid personas, problems) of one pack: its manifest, references and persona folders."""
    builtin = manifest_path(folder).resolve().parent.parent == BUILTIN_ROOT.resolve()
    pack, problems = read_pack(folder, run_code=run_code, trusted=builtin)
    manifest, _ = read_manifest(manifest_path(folder))
    if manifest is None:
        return "", 0, problems
    base = manifest_path(folder).parent
    own = [Misconception(e.id, e.description, e.hint, e.example) for e in manifest.misconceptions]
    count = 0
    with _known(own):
        for name in manifest.personas:
            outside = not (base / name).resolve().is_relative_to(base.resolve())
            if outside and not (builtin or paths_trusted()):
                continue  # read_pack reported it
            if (base / name).is_dir() and any((base / name).glob("*.toml")):
                loaded, found = check_path(base / name)
                count += len(loaded)
                problems += found
    return manifest.name, count, problems


@contextmanager
def _known(misconceptions: Sequence[Misconception]) -> Iterator[None]:
    """Make a pack's misconception ids known while its personas are checked."""
    added = [m for m in misconceptions if m.id not in KNOWN_MISCONCEPTIONS]
    for m in added:
        register_misconception(m)
    try:
        yield
    finally:
        for m in added:
            unregister_misconception(m.id)
