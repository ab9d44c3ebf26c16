"""What subjects and plug-ins cost, as ratios measured in one run.

- verification: a physics turn (the unit-aware checker) against a math turn (the built-in checks), per turn;
- generation: a scripted physics dialogue against a math one, end to end in this process;
- discovery: `load_registry` with plug-in folders (personas and a subject pack) against built-ins only.

    python scripts/bench_subjects.py [--dialogues 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents
from tutorforge.personas.loader import OverrideWarning, dump_toml, load_registry
from tutorforge.problems.generators import sample_problem
from tutorforge.subjects.discovery import BUILTIN_ROOT
from tutorforge.verifiers import VerifyContext, close, verify_turn


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` timed calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def turns(subject: str, count: int) -> list[tuple[str, VerifyContext]]:
    """Every reference step claim and a wrong variant of each, from `count` problems of the subject."""
    out = []
    for i in range(count):
        p = sample_problem(random.Random(i), subject=subject)
        ctx = VerifyContext(p.statement, p.answer, list(p.unknowns), subject=subject)
        for step in p.steps:
            out.append((f"I think {step.claim}.", ctx))
            out += [(f"So {v.claim}.", ctx) for v in list(step.variants.values())[:1]]
    return out


def generate(subject: str, n: int) -> None:
    config = GenerateConfig(n=n, subject=subject, seed=11)
    factory = DialogueFactory(config, load_registry(path_env=""), ScriptedAgents())
    asyncio.run(factory.run_many(range(n)))


def plugin_folders(root: Path, personas: int) -> list[Path]:
    """A folder of `personas` student files and a copy of the physics pack renamed 'kinematics2'."""
    people = root / "people"
    people.mkdir()
    base = load_registry(path_env="").get("sign-slipper")
    for i in range(personas):
        copy = base.model_copy(update={"name": f"bench-student-{i}"})
        (people / f"s{i}.toml").write_text(dump_toml(copy), encoding="utf-8")
    pack = root / "kinematics2"
    shutil.copytree(BUILTIN_ROOT / "physics", pack, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    manifest = pack / "subject.toml"
    manifest.write_text(
        manifest.read_text().replace('name = "physics"', 'name = "kinematics2"'), encoding="utf-8"
    )
    for persona in (pack / "personas").glob("*.toml"):
        text = persona.read_text().replace('name = "', 'name = "k2-', 1)
        persona.write_text(text, encoding="utf-8")
    return [people, pack]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dialogues", type=int, default=40, help="dialogues per subject for generation")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (the best is kept)")
    args = parser.parse_args()
    load_registry(path_env="")  # activate the built-in packs once

    math_turns, physics_turns = turns("math", 60), turns("physics", 60)
    for text, ctx in math_turns[:5] + physics_turns[:5]:  # warm caches and lazy imports
        verify_turn(text, "student", ctx)

    def per_turn(batch: list[tuple[str, VerifyContext]]) -> float:
        return best(lambda: [verify_turn(t, "student", c) for t, c in batch], args.repeat) / len(batch)

    def ratio(name: str, physics: float, math: float, unit: float, digits: int) -> None:
        print(f"{name}: physics {physics * unit:.{digits}f} ms, math {math * unit:.{digits}f} ms, "
              f"ratio {physics / math:.2f}")  # fmt: skip

    ratio("verify a turn", per_turn(physics_turns), per_turn(math_turns), 1e3, 3)
    generate("physics", 4), generate("math", 4)
    g_math = best(lambda: generate("math", args.dialogues), args.repeat) / args.dialogues
    g_phys = best(lambda: generate("physics", args.dialogues), args.repeat) / args.dialogues
    ratio("scripted dialogue", g_phys, g_math, 1e3, 1)

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", OverrideWarning)
        folders = plugin_folders(Path(tmp), personas=50)
        plain = best(lambda: load_registry(path_env=""), args.repeat)
        plugged = best(lambda: load_registry(folders, path_env=""), args.repeat)
    print(f"load_registry: built-ins {plain * 1e3:.1f} ms, with 50 persona files and a pack "
          f"{plugged * 1e3:.1f} ms, ratio {plugged / plain:.2f}")  # fmt: skip
    close()


if __name__ == "__main__":
    main()
