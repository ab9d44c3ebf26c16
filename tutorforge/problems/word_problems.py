"""Multi-step word problems in the style of GSM8K: ten story templates, two to four steps each."""

from __future__ import annotations

import random
from collections.abc import Callable

from tutorforge.problems.model import Step, Variant
from tutorforge.problems.steps import Generated, step

# (name, subject pronoun, possessive pronoun)
NAMES = (
    ("Julia", "she", "her"),
    ("Omar", "he", "his"),
    ("Priya", "she", "her"),
    ("Mateo", "he", "his"),
    ("Aiko", "she", "her"),
    ("Kwame", "he", "his"),
    ("Sofia", "she", "her"),
    ("Liam", "he", "his"),
    ("Fatima", "she", "her"),
    ("Chen", "he", "his"),
    ("Amara", "she", "her"),
    ("Diego", "he", "his"),
    ("Nadia", "she", "her"),
    ("Tomas", "he", "his"),
    ("Hana", "she", "her"),
    ("Ravi", "he", "his"),
    ("Zoe", "she", "her"),
    ("Yusuf", "he", "his"),
    ("Elena", "she", "her"),
    ("Malik", "he", "his"),
    ("Ingrid", "she", "her"),
    ("Kenji", "he", "his"),
    ("Lucia", "she", "her"),
    ("Samuel", "he", "his"),
)

_ADD_EXPLANATION = "The story puts these two amounts together, so they are added, not subtracted."
_OPS: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "×": lambda a, b: a * b,
    "÷": lambda a, b: a // b,
}


class _Person:
    """A story's main character, with pronouns for the templates."""

    def __init__(self, rng: random.Random) -> None:
        self.name, self.he, self.his = rng.choice(NAMES)
        self.him = "him" if self.he == "he" else "her"
        self.He = self.he.capitalize()


def _arith(ask: str, lead: str, a: int, op: str, b: int, add_explanation: str = _ADD_EXPLANATION) -> Step:
    """One a op b = c step; additions carry the subtract-instead-of-add variant."""
    if op == "÷" and a % b:
        raise ValueError(f"{a} ÷ {b} is not whole")
    value = _OPS[op](a, b)
    claim = f"{a} {op} {b} = {value}"
    variants = {}
    if op == "+":
        hi, lo = max(a, b), min(a, b)
        variants["subtract-instead-of-add"] = Variant(
            claim=f"{hi} - {lo} = {hi - lo}", result=str(hi - lo), explanation=add_explanation
        )
    return step(ask=ask, text=f"{lead}: {claim}.", claim=claim, result=str(value), variants=variants)


def _mixed(ask: str, lead: str, a: int, b: int, c: int) -> Step:
    """a + b × c = value, with the order-of-operations variant (a + b) × c (c > 1, so the two differ)."""
    if c < 2:
        raise ValueError(f"{a} + {b} × {c}: left to right gives the same value")
    value, wrong = a + b * c, (a + b) * c
    claim = f"{a} + {b} × {c} = {value}"
    return step(
        ask=ask,
        text=f"{lead}: {claim}.",
        claim=claim,
        result=str(value),
        variants={
            "order-of-operations": Variant(
                claim=f"{a} + {b} × {c} = {wrong}",
                result=str(wrong),
                explanation=f"Multiplication comes before addition, so work out {b} × {c} before adding {a}.",
            )
        },
    )


def _packs(rng: random.Random) -> Generated:
    p = _Person(rng)
    items = rng.choice(["stickers", "marbles", "trading cards", "pencils", "beads", "postcards", "erasers"])
    friend = rng.choice(["friend", "cousin", "little brother", "neighbor", "classmate"])
    have, packs, per = rng.randint(3, 30), rng.randint(2, 9), rng.randint(3, 12)
    total = have + packs * per
    given = rng.randint(1, total - 1)
    statement = (
        f"{p.name} has {have} {items}. {p.He} buys {packs} packs of {items} with {per} {items} in each pack, "
        f"then gives {given} {items} to {p.his} {friend}. How many {items} does {p.name} have now?"
    )
    steps = [
        _mixed(
            f"How many {items} does {p.name} have after buying the packs?",
            f"{p.name} starts with {have} and adds {packs} packs of {per}",
            have,
            packs,
            per,
        ),
        _arith(
            f"How many are left after {p.he} gives some to {p.his} {friend}?",
            f"Take away the ones {p.he} gave to {p.his} {friend}",
            total,
            "-",
            given,
        ),
    ]
    return Generated(statement, steps[-1].result, steps, 1, answer_unit=items)


def _used_up(rng: random.Random) -> Generated:
    p = _Person(rng)
    items, purpose = rng.choice(
        [
            ("spoons", "to taste the soup"),
            ("napkins", "to wipe up a spill"),
            ("eggs", "to bake a cake"),
            ("nails", "to fix the fence"),
            ("envelopes", "to mail invitations"),
            ("batteries", "in the remote controls"),
            ("candles", "on a birthday cake"),
        ]
    )
    relative = rng.choice(["sister", "brother", "neighbor", "aunt", "uncle", "roommate"])
    used = rng.randint(2, 12)
    left = used + rng.randint(1, 30)
    before = left + used
    extra = rng.randint(1, before - 1)
    statement = (
        f"{p.name} bought a package of {items}. Later {p.his} {relative} gave {p.him} a package of "
        f"{extra} more {items}. {p.He} used {used} of the {items} {purpose}, "
        f"and now {p.he} has {left} {items} left. "
        f"How many {items} were in the package {p.name} bought?"
    )
    steps = [
        _arith(
            f"How many {items} did {p.name} have before using any?",
            f"Add back the {items} {p.he} used",
            left,
            "+",
            used,
            f"The {items} {p.name} used were part of what {p.he} had, so add them back to what is left.",
        ),
        _arith(
            f"How many of those {items} came from the package {p.name} bought?",
            f"Take away the {items} from {p.his} {relative}",
            before,
            "-",
            extra,
        ),
    ]
    return Generated(statement, steps[-1].result, steps, 1, answer_unit=items)


def _wages(rng: random.Random) -> Generated:
    p = _Person(rng)
    place = rng.choice(["bakery", "bookshop", "animal shelter", "farmers' market", "cinema", "bike shop"])
    thing = rng.choice(["a new phone", "concert tickets", "headphones", "a bike helmet", "a video game"])
    wage, hours, days = rng.randint(8, 25), rng.randint(2, 8), rng.randint(2, 6)
    earned = wage * hours * days
    spent = rng.randint(10, earned - 1)
    statement = (
        f"{p.name} earns ${wage} an hour working at the {place}. {p.He} works {hours} hours a day for {days} "
        f"days and then spends ${spent} on {thing}. How many dollars does {p.he} have left?"
    )
    steps = [
        _arith(
            f"How much does {p.name} earn in one day?",
            "Multiply the hourly pay by the hours",
            wage,
            "×",
            hours,
        ),
        _arith(
            f"How much does {p.he} earn over all the days?",
            "Multiply the pay for one day by the number of days",
            wage * hours,
            "×",
            days,
        ),
        _arith(f"How much is left after {p.his} purchase?", "Take away what was spent", earned, "-", spent),
    ]
    return Generated(statement, steps[-1].result, steps, 2, answer_unit="dollars")


def _sharing(rng: random.Random) -> Generated:
    p = _Person(rng)
    treats = rng.choice(["cookies", "muffins", "cupcakes", "brownies", "dumplings", "pretzels"])
    trays, per = rng.randint(2, 6), rng.randint(6, 12)
    baked = trays * per
    friends = rng.randint(2, 8)
    each = rng.randint(1, (baked - 1) // friends)
    kept = baked - friends * each
    statement = (
        f"{p.name} bakes {trays} trays of {treats} with {per} {treats} on each tray. {p.He} keeps {kept} for "
        f"{p.his} family and shares the rest equally among {friends} friends. "
        f"How many {treats} does each friend get?"
    )
    steps = [
        _arith(
            f"How many {treats} does {p.name} bake in all?",
            "Multiply trays by the number on each",
            trays,
            "×",
            per,
        ),
        _arith(
            f"How many are left to share after {p.he} keeps some for {p.his} family?",
            "Take away the ones kept for the family",
            baked,
            "-",
            kept,
        ),
        _arith("How many does each friend get?", "Share the rest equally", friends * each, "÷", friends),
    ]
    return Generated(statement, steps[-1].result, steps, 2, answer_unit=treats)


def _savings(rng: random.Random) -> Generated:
    p = _Person(rng)
    thing = rng.choice(["a skateboard", "a board game", "a telescope", "a pair of sneakers", "an art set"])
    start, weekly, weeks = rng.randint(5, 60), rng.randint(3, 15), rng.randint(3, 10)
    saved = start + weekly * weeks
    price = rng.randint(5, saved - 1)
    statement = (
        f"{p.name} has ${start} in {p.his} piggy bank and saves ${weekly} every week. After {weeks} weeks "
        f"{p.he} buys {thing} for ${price}. How many dollars does {p.he} have left?"
    )
    steps = [
        _mixed(
            f"How much money does {p.name} have after saving for those weeks?",
            f"{p.He} starts with {start} and adds {weekly} for each of the {weeks} weeks",
            start,
            weekly,
            weeks,
        ),
        _arith("How much is left after the purchase?", "Take away the price", saved, "-", price),
    ]
    return Generated(statement, steps[-1].result, steps, 1, answer_unit="dollars")


def _stock(rng: random.Random) -> Generated:
    place, holders, prep, items, out, back = rng.choice(
        [
            ("school library", "shelves", "on", "books", "borrowed", "returned"),
            ("grocery store", "crates", "in", "apples", "sold", "delivered"),
            ("toy shop", "boxes", "in", "toy cars", "sold", "delivered"),
            ("garden center", "trays", "on", "seedlings", "sold", "brought in"),
        ]
    )
    count, per = rng.randint(3, 12), rng.randint(10, 40)
    total = count * per
    taken = rng.randint(5, total - 1)
    added = rng.randint(3, 60)
    statement = (
        f"The {place} has {count} {holders} with {per} {items} {prep} each. "
        f"On Monday {taken} {items} are {out}, and on Tuesday {added} {items} are {back}. "
        f"How many {items} does the {place} have now?"
    )
    steps = [
        _arith(
            f"How many {items} are there to begin with?",
            f"Multiply the {holders} by the number {prep} each",
            count,
            "×",
            per,
        ),
        _arith(
            "How many are left after Monday?", f"Take away the {items} {out} on Monday", total, "-", taken
        ),
        _arith(
            "How many are there after Tuesday?",
            f"Add the {items} {back} on Tuesday",
            total - taken,
            "+",
            added,
            f"The {items} {back} on Tuesday increase the number, so they are added.",
        ),
    ]
    return Generated(statement, steps[-1].result, steps, 2, answer_unit=items)


def _training(rng: random.Random) -> Generated:
    p = _Person(rng)
    goal, verb, short, unit = rng.choice(
        [
            ("training for a race", "runs", "km", "kilometers"),
            ("getting ready for a swim meet", "swims", "laps", "laps"),
            ("preparing for a cycling trip", "cycles", "km", "kilometers"),
            ("practicing for a recital", "practices for", "minutes", "minutes"),
        ]
    )
    daily, more = rng.randint(3, 30), rng.randint(2, 15)
    statement = (
        f"{p.name} is {goal}. On each weekday {p.he} {verb} {daily} {short}, and on Saturday {p.he} {verb} "
        f"{more} {short} more than on a weekday. How many {unit} does {p.he} do from Monday to Saturday?"
    )
    weekdays, saturday = 5 * daily, daily + more
    steps = [
        _arith(
            f"How much does {p.name} do over the five weekdays?",
            "Five weekdays at the same amount",
            5,
            "×",
            daily,
        ),
        _arith(
            f"How much does {p.he} do on Saturday?",
            "Saturday is the weekday amount plus the extra",
            daily,
            "+",
            more,
            f"'{more} more than a weekday' means adding {more} to the weekday amount.",
        ),
        _arith("What is the total for the week?", "Add the weekdays and Saturday", weekdays, "+", saturday),
    ]
    return Generated(statement, steps[-1].result, steps, 2, answer_unit=unit)


def _tickets(rng: random.Random) -> Generated:
    group = rng.choice(["school drama club", "community choir", "youth orchestra", "chess club"])
    event = rng.choice(["spring play", "winter concert", "talent show", "fundraiser"])
    adults, adult_price = rng.randint(20, 120), rng.randint(5, 15)
    children, child_price = rng.randint(10, 80), rng.randint(2, adult_price - 1)
    income = adults * adult_price + children * child_price
    rent = rng.randint(50, income - 1)
    statement = (
        f"The {group} sells {adults} adult tickets at ${adult_price} each and {children} child tickets at "
        f"${child_price} each for its {event}. Renting the hall costs ${rent}. "
        "How many dollars are left after paying for the hall?"
    )
    steps = [
        _arith("How much do the adult tickets bring in?", "Adult tickets", adults, "×", adult_price),
        _arith("How much do the child tickets bring in?", "Child tickets", children, "×", child_price),
        _arith(
            "How much do all the tickets bring in together?",
            "Add the two kinds of tickets",
            adults * adult_price,
            "+",
            children * child_price,
        ),
        _arith("How much is left after paying for the hall?", "Take away the rent", income, "-", rent),
    ]
    return Generated(statement, steps[-1].result, steps, 3, answer_unit="dollars")


def _bags(rng: random.Random) -> Generated:
    p = _Person(rng)
    fruit = rng.choice(["apples", "plums", "peaches", "lemons", "pears", "apricots"])
    relative = rng.choice(["brother", "sister", "grandfather", "grandmother", "cousin"])
    size, bags = rng.randint(3, 10), rng.randint(3, 15)
    total = size * bags
    mine = rng.randint(1, total - 1)
    statement = (
        f"{p.name} picks {mine} {fruit} and {p.his} {relative} picks {total - mine} {fruit}. "
        f"They pack all of them into bags of {size}. How many bags do they fill?"
    )
    steps = [
        _arith(
            f"How many {fruit} do they pick altogether?",
            "Put the two harvests together",
            mine,
            "+",
            total - mine,
        ),
        _arith("How many bags does that fill?", f"Divide into bags of {size}", total, "÷", size),
    ]
    return Generated(statement, steps[-1].result, steps, 1, answer_unit="bags")


def _change(rng: random.Random) -> Generated:
    p = _Person(rng)
    big = rng.choice(["backpack", "lunch box", "calculator", "pencil case", "water bottle"])
    small = rng.choice(["notebooks", "pens", "folders", "glue sticks", "rulers"])
    price, count, each = rng.randint(8, 40), rng.randint(2, 8), rng.randint(2, 6)
    cost = price + count * each
    paid = next(note for note in (20, 50, 100) if note > cost)
    statement = (
        f"{p.name} buys a {big} for ${price} and {count} {small} at ${each} each. {p.He} pays with a "
        f"${paid} bill. How many dollars of change does {p.he} get?"
    )
    steps = [
        _mixed(
            "How much does everything cost together?",
            f"The {big} plus {count} {small} at {each} each",
            price,
            count,
            each,
        ),
        _arith("How much change is that from the bill?", "Take the cost away from the bill", paid, "-", cost),
    ]
    return Generated(statement, steps[-1].result, steps, 1, answer_unit="dollars")


TEMPLATES: tuple[Callable[[random.Random], Generated], ...] = (
    _packs,
    _used_up,
    _wages,
    _sharing,
    _savings,
    _stock,
    _training,
    _tickets,
    _bags,
    _change,
)


def word_problem(rng: random.Random) -> Generated:
    """A story problem from one of the templates, picked uniformly."""
    return rng.choice(TEMPLATES)(rng)
