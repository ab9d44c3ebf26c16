"""Benchmark: how worth training on the offline dialogues are, next to MathDial's real ones.

For N default offline dialogues (scripted backend, real graph and verifier, one process) and for MathDial:
misconception show rate, teacher move mix, share opened from a student attempt, telling before the
student answers, teacher and student distinct-1/2/3 (on a sample, 500 dialogues unless --sample), the
most frequent four-word teacher opener's share of teacher turns, and auto-approved unsolved dialogues.

    python scripts/bench_pedagogy.py [-n 1000] [--seed 7] [--sample 500] [--mathdial PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.llm.scripted import ScriptedAgents
from tutorforge.personas.loader import load_registry
from tutorforge.quality.mathdial import read_mathdial
from tutorforge.quality.metrics import CorpusMetrics
from tutorforge.quality.moves import MOVES
from tutorforge.quality.report import markdown_table

MATHDIAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "mathdial" / "test.jsonl"


def offline(n: int, seed: int, sample: int) -> dict:
    """Figures of n default offline dialogues."""
    registry = load_registry()
    factory = DialogueFactory(GenerateConfig(n=n, seed=seed), registry, ScriptedAgents())
    records = asyncio.run(factory.run_many(range(n), concurrency=8))
    metrics = CorpusMetrics(near_duplicates=False, sample_size=sample)
    for record in records:
        metrics.add_record(record)
    return metrics.figures()


def mathdial(path: Path, sample: int) -> dict | None:
    """The same figures on MathDial (None when the file is absent)."""
    if not path.is_file():
        return None
    metrics = CorpusMetrics(near_duplicates=False, sample_size=sample)
    for view in read_mathdial(path):
        metrics.add(view)
    return metrics.figures()


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def rows(corpora: dict[str, dict]) -> list[tuple]:
    """One row per figure, one column per corpus."""
    out: list[tuple] = []

    def row(name: str, get) -> None:
        out.append((name, *(get(c) for c in corpora.values())))

    row("dialogues", lambda c: c["analysed"])
    row("misconception show rate", lambda c: _pct(c["moves"]["misconception"]["show_rate"]))
    row("  misconception dialogues", lambda c: c["moves"]["misconception"]["dialogues"])
    row(
        "opened from a student attempt (misconception dialogues)", lambda c: _pct(c["moves"]["attempt_share"])
    )
    row("opened from a student attempt (all)", lambda c: _pct(c["moves"]["attempt_share_all"]))
    for move in MOVES:
        row(f"teacher move: {move}", lambda c, m=move: _pct(c["moves"]["moves"]["share"].get(m)))
    row("telling before the student answers (dialogues)", lambda c: _pct(c["pedagogy"]["telling"]))
    for role in ("teacher", "student"):
        for n in (1, 2, 3):
            row(
                f"{role} distinct-{n} (sample)",
                lambda c, r=role, k=n: c["diversity"]["sample"]["distinct"][r][str(k)]["ratio"],
            )
    row("most frequent teacher opener", lambda c: repr(c["moves"]["opener"]["top"]))
    row("  its share of teacher turns", lambda c: _pct(c["moves"]["opener"]["share"]))
    row("auto-approved unsolved dialogues", lambda c: c["moves"]["approved_unsolved"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mathdial", type=Path, default=MATHDIAL)
    parser.add_argument("--sample", type=int, default=500, help="dialogues in the distinct-n sample")
    args = parser.parse_args()
    corpora = {f"offline (n={args.n}, seed {args.seed})": offline(args.n, args.seed, args.sample)}
    if (md := mathdial(args.mathdial, args.sample)) is not None:
        corpora["MathDial"] = md
    print(markdown_table(("figure", *corpora), rows(corpora)))
    for name, corpus in corpora.items():
        per = corpus["moves"]["moves"]["by_teacher"]
        if per:
            print(f"\nteacher move mix per persona, {name}")
            print(
                markdown_table(
                    ("teacher", "turns", *MOVES),
                    [
                        (t, m["turns"], *(_pct(m["share"].get(x)) for x in MOVES))
                        for t, m in sorted(per.items())
                    ],
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
