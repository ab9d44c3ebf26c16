"""The statistics pack's problem family, and the step transform of its misconception."""

from __future__ import annotations

import random
import re
from fractions import Fraction

from tutorforge.problems.model import Problem, Step, Variant

_THINGS = (
    ("heights of {n} plants", "cm", "mean height"),
    ("scores of {n} students on a quiz", "points", "mean score"),
    ("daily rainfall on {n} days", "mm", "mean daily rainfall"),
    ("masses of {n} apples", "g", "mean mass"),
)
_DIVISION = re.compile(r"^(\d+) / (\d+) = (\S+)$")


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def mean_of_list(rng: random.Random) -> Problem:
    """The mean of four to six whole numbers, chosen so the mean is a whole number."""
    seed = rng.getrandbits(32)
    r = random.Random(seed)
    n = r.randint(4, 6)
    mean = r.randint(8, 30)
    values = [mean + r.randint(-6, 6) for _ in range(n - 1)]
    values.append(mean * n - sum(values))
    what, unit, asked = r.choice(_THINGS)
    listed = ", ".join(str(v) for v in values[:-1]) + f" and {values[-1]}"
    statement = f"The {what.format(n=n)} are {listed} {unit}. What is the {asked}, in {unit}?"
    total = sum(values)
    sum_claim = " + ".join(str(v) for v in values) + f" = {total}"
    mean_claim = f"{total} / {n} = {mean}"
    steps = [
        Step(
            ask="What do the values add up to?",
            text=f"First add all the values: {sum_claim}.",
            claim=sum_claim,
            result=str(total),
        ),
        Step(
            ask=f"And what is the mean of the {n} values?",
            text=f"There are {n} values, so the mean is {mean_claim}.",
            claim=mean_claim,
            result=str(mean),
        ),
    ]
    return Problem(
        problem_id=Problem.make_id("mean_of_list", statement),
        statement=statement,
        answer=str(mean),
        steps=steps,
        family="mean_of_list",
        difficulty=1,
        seed=seed,
        subject="statistics",
        answer_unit=unit,
    )


def divide_by_one_less(step: Step) -> Variant | None:
    """The `mean-wrong-count` misconception on a step 'total / n = mean': the total over n - 1."""
    match = _DIVISION.match(step.claim)
    if not match or int(match[2]) < 2:
        return None
    total, count = int(match[1]), int(match[2]) - 1
    wrong = _number(Fraction(total, count))
    return Variant(
        claim=f"{total} / {count} = {wrong}",
        result=wrong,
        explanation=f"A mean divides by how many values there are: count them again, there are {count + 1}.",
    )


FAMILIES = {"mean_of_list": mean_of_list}
