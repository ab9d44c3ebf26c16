"""Percentages: p% of n, a single percent change, and two changes in a row."""

from __future__ import annotations

import random

import sympy

from tutorforge.problems.model import Step, Variant
from tutorforge.problems.notation import num
from tutorforge.problems.steps import Generated, step
from tutorforge.problems.word_problems import NAMES

PERCENTS = (5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80)

# (story with {n}, {p}, {name}, {item}; "+" for an increase or "-" for a decrease; items; unit;
#  the question for the percent step; the question for the change step)
_CHANGES = (
    (
        "A {item} costs ${n}. It is on sale for {p}% off. What is the sale price in dollars?",
        "-",
        ("jacket", "bicycle", "desk lamp", "backpack", "pair of boots", "guitar"),
        "dollars",
        "How many dollars is the discount?",
        "What is the price once the discount is taken off?",
    ),
    (
        "A {item} has {n} residents. Over one year its population grows by {p}%. "
        "How many residents does it have at the end of the year?",
        "+",
        ("village", "town", "small island", "valley"),
        "residents",
        "By how many residents does the population grow?",
        "How many residents are there after the growth?",
    ),
    (
        "{name} scored {n} points in the {item} last season and {p}% more this season. "
        "How many points did {name} score this season?",
        "+",
        ("basketball league", "quiz league", "video game tournament", "chess club ladder"),
        "points",
        "How many extra points is that?",
        "How many points is that in total this season?",
    ),
    (
        "A {item} holds {n} liters of water. {p}% of the water leaks out. How many liters are left?",
        "-",
        ("rain barrel", "fish tank", "garden tank", "water trough"),
        "liters",
        "How many liters leak out?",
        "How many liters are left in it?",
    ),
)


def _of(p: int, n: int, ask: str, lead: str) -> Step:
    """p% of n = v, with the percent-of-confusion variant (n ÷ p when it divides evenly, else n × p).

    `lead` is the text before the claim, with its punctuation."""
    value = sympy.Rational(p * n, 100)
    claim = f"{p}% of {n} = {num(value)}"
    if n % p == 0 and p != 10:
        wrong, how = n // p, f"{n} ÷ {p}"
    else:
        wrong, how = n * p, f"{n} × {p}"
    return step(
        ask=ask,
        text=f"{lead} {claim}.",
        claim=claim,
        result=num(value),
        variants={
            "percent-of-confusion": Variant(
                claim=f"{p}% of {n} = {how} = {wrong}",
                result=str(wrong),
                explanation=f"Percent means per hundred, so {p}% of {n} is {p} hundredths of {n}.",
            )
        },
    )


def _change(n: int, op: str, v: int, ask: str) -> Step:
    result = n + v if op == "+" else n - v
    claim = f"{n} {op} {v} = {result}"
    verb = "Add the increase to" if op == "+" else "Take the decrease away from"
    return step(ask=ask, text=f"{verb} the starting amount: {claim}.", claim=claim, result=str(result))


def _amounts(p: int, lo: int, hi: int, stride: int = 1) -> list[int]:
    """Starting amounts n in [lo, hi] with p% of n a whole number (100 left out: p% of 100 is p)."""
    return [n for n in range(lo, hi + 1, stride) if p * n % 100 == 0 and n != 100]


def percentages(rng: random.Random) -> Generated:
    """p% of n (1), a percent increase or decrease (2), or an increase followed by a discount (3)."""
    difficulty = rng.choice([1, 2, 3])
    p = rng.choice(PERCENTS)
    if difficulty == 1:
        n = rng.choice(_amounts(p, 20, 400))
        fraction = sympy.Rational(p, 100)
        claim = f"{p}% = {num(fraction)}"
        convert = step(
            ask=f"How can you write {p}% as a fraction?",
            text=f"{p}% means {p} out of 100, so {claim}.",
            claim=claim,
            result=num(fraction),
        )
        take = _of(
            p, n, f"What is that fraction of {n}?", f"Multiply: {num(fraction)} × {n} = {p * n // 100}, so"
        )
        return Generated(f"What is {p}% of {n}?", take.result, [convert, take], difficulty)
    if difficulty == 2:
        story, op, items, unit, ask_of, ask_change = rng.choice(_CHANGES)
        n = rng.choice(_amounts(p, 20, 900, 5))
        name, _, _ = rng.choice(NAMES)
        statement = story.format(n=n, p=p, name=name, item=rng.choice(items))
        take = _of(p, n, ask_of, "Find the change first:")
        steps = [take, _change(n, op, int(take.result), ask_change)]
        return Generated(statement, steps[-1].result, steps, difficulty, answer_unit=unit)
    p2 = rng.choice([q for q in PERCENTS if q <= 50])
    choices = [n for n in _amounts(p, 40, 1000, 10) if p2 * (n + p * n // 100) % 100 == 0]
    n = rng.choice(choices)
    raised = n + p * n // 100
    item = rng.choice(("coat", "bicycle", "tablet", "sofa", "camera", "printer"))
    statement = (
        f"A shop sells a {item} for ${n}. It raises the price by {p}%, and a month later puts the {item} "
        f"on sale at {p2}% off the new price. What is the sale price in dollars?"
    )
    first = _of(p, n, "How many dollars is the price increase?", "Find the increase:")
    second = _change(n, "+", int(first.result), "What is the new price after the increase?")
    third = _of(p2, raised, "How many dollars does the sale take off the new price?", "Find the discount:")
    fourth = _change(raised, "-", int(third.result), "What is the sale price?")
    steps = [first, second, third, fourth]
    return Generated(statement, fourth.result, steps, difficulty, answer_unit="dollars")
