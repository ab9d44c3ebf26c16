"""Building blocks the family generators share: a generated problem body, steps and their variants."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutorforge.problems.model import Step, Variant


@dataclass
class Generated:
    """What a family generator produces; the registry adds the family, id and seed."""

    statement: str
    answer: str
    steps: list[Step]
    difficulty: int
    unknowns: list[str] = field(default_factory=list)
    answer_unit: str = ""


def step(ask: str, text: str, claim: str, result: str, variants: dict[str, Variant] | None = None) -> Step:
    """A reference step; `text` must contain `claim` verbatim."""
    if claim not in text:
        raise ValueError(f"step text does not contain its claim {claim!r}")
    return Step(ask=ask, text=text, claim=claim, result=result, variants=variants or {})


def final(s: Step, result: str) -> Step:
    """`s` as the last step of a solution that arrives at `result` (e.g. "x = 5, y = 3")."""
    variants = {
        m: v.model_copy(update={"result": _replace_last(result, s.result, v.result)})
        for m, v in s.variants.items()
    }
    return s.model_copy(update={"result": result, "variants": variants})


def _replace_last(whole: str, part: str, wrong: str) -> str:
    head, sep, tail = whole.rpartition(part)
    return f"{head}{wrong}{tail}" if sep else wrong
