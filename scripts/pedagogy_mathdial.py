"""Run tutorforge's pedagogy and diversity metrics on MathDial's real tutoring dialogues, for reference.

    python scripts/pedagogy_mathdial.py [PATH] [--json]

PATH defaults to ../shared/data/mathdial/test.jsonl beside the repository. Teacher moves come from
MathDial's tags ((telling) tells; (focus), (probing) ask; (generic) is other), the outcome from its
`self-correctness` field. The last table compares the text-only move classifier (used for LLM turns,
which carry no act) with the tags.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from tutorforge.errors import BadInput
from tutorforge.quality.mathdial import read_mathdial
from tutorforge.quality.metrics import CorpusMetrics
from tutorforge.quality.pedagogy import KS, classify_text
from tutorforge.quality.report import markdown_table

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "mathdial" / "test.jsonl"
MOVES = ("ask", "tell", "other")


def mathdial_figures(path: Path) -> dict:
    """Pedagogy and diversity figures of a MathDial file, and the text classifier against the tags."""
    metrics = CorpusMetrics(near_duplicates=False)
    agreement: Counter[tuple[str, str]] = Counter()
    for view in read_mathdial(path):
        metrics.add(view)
        for turn in view.turns:
            if turn.role == "teacher" and turn.move is not None:
                agreement[turn.move, classify_text(turn.text)] += 1
    figures = metrics.figures()
    return {
        "file": str(path),
        "pedagogy": figures["pedagogy"],
        "diversity": figures["diversity"],
        "classifier": {f"{tag}->{text}": n for (tag, text), n in sorted(agreement.items())},
    }


def print_tables(f: dict) -> None:
    p = f["pedagogy"]
    print(f"MathDial: {f['file']} ({p['dialogues']} dialogues)\n")
    rows = [(k, f"{p['success_at'][str(k)]:.1%}", f"{p['telling_at'][str(k)]:.1%}") for k in KS]
    rows.append(("any", f"{p['success']:.1%}", f"{p['telling']:.1%}"))
    print(markdown_table(("k", "Success@k", "Telling@k"), rows))
    moves = p["teacher_moves"]
    print(
        f"ask share {p['ask_share']:.1%} (ask {moves['ask']}, tell {moves['tell']}, other {moves['other']}); "
        f"answer told first {p['answer_told']:.1%}; teacher turns to solution mean "
        f"{p['turns_to_solution']['mean']}, median {p['turns_to_solution']['median']}\n"
    )
    sample = f["diversity"]["sample"]
    rows = [
        (n, sample["distinct"]["teacher"][str(n)]["ratio"], sample["distinct"]["student"][str(n)]["ratio"])
        for n in range(1, 5)
    ]
    print(f"distinct-n on a sample of {sample['dialogues']} dialogues")
    print(markdown_table(("n", "teacher", "student"), rows))
    print(f"mean pairwise word 3-gram Jaccard: {sample['overlap']['mean']}\n")
    counts = Counter({tuple(k.split("->")): n for k, n in f["classifier"].items()})
    rows = [(tag, *(counts[tag, text] for text in MOVES)) for tag in MOVES]
    print("text classifier (columns) against MathDial's tags (rows)")
    print(markdown_table(("tag \\ text", *MOVES), rows))
    for move in MOVES:
        found = sum(counts[t, move] for t in MOVES)
        tagged = sum(counts[move, t] for t in MOVES)
        hit = counts[move, move]
        print(
            f"{move}: precision {hit / found if found else 0:.1%}, recall {hit / tagged if tagged else 0:.1%}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT, help="a MathDial JSONL file")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    try:
        figures = mathdial_figures(args.path)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_tables(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
