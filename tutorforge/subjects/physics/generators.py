"""Seeded kinematics problems with units, each step with the wrong versions its misconceptions make.

Every statement ends with its given values ("Given: u = 20 m/s, a = -3 m/s^2, t = 4 s."), which the
physics checker uses to evaluate formulas such as `u + at` in a turn. Numbers are chosen so every
result is exact.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction

from tutorforge.problems.generators import seeded_families
from tutorforge.problems.model import Problem, Step, Variant
from tutorforge.problems.steps import step

SUBJECT = "physics"
_VEHICLES = ("train", "car", "bus", "motorbike", "tram", "delivery van")
_RUNNERS = ("Ana", "Ben", "Chloe", "Dev", "Ema", "Farid", "Grace", "Hugo")


def fmt(value: Fraction | int | float) -> str:
    """A number as a student writes it: 12, -3, 2.5 (values here always terminate)."""
    value = Fraction(value).limit_denominator(10**6)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


def _variant(claim: str, explanation: str) -> Variant:
    """A wrong step whose result is what its claim arrives at (the text after the last ' = ')."""
    return Variant(claim=claim, result=claim.rpartition(" = ")[2], explanation=explanation)


def _slip(claim_head: str, value: Fraction, unit: str, rng: random.Random, explanation: str) -> Variant:
    """The arithmetic-slip variant of a step: the right working with a result off by a little."""
    wrong = value + rng.choice((-2, -1, 1, 2))
    return _variant(f"{claim_head} = {fmt(wrong)} {unit}", explanation)


def _conversion(symbol: str, kmh: int, rng: random.Random) -> Step:
    """symbol = kmh km/h = ... = ms m/s, with unit-slip, conversion-inverted and arithmetic-slip variants."""
    ms = Fraction(kmh * 5, 18)
    head = f"{symbol} = {kmh} km/h = {kmh} × 1000 m / 3600 s"
    claim = f"{head} = {fmt(ms)} m/s"
    inverted = Fraction(kmh) * Fraction(18, 5)
    return step(
        ask=f"What is {kmh} km/h in metres per second?",
        text=f"One kilometre is 1000 m and one hour is 3600 s, so {claim}.",
        claim=claim,
        result=f"{fmt(ms)} m/s",
        variants={
            "unit-slip": _variant(
                f"{symbol} = {kmh} km/h = {kmh} m/s",
                "Changing the unit changes the number: 1 km/h is 1000 m per 3600 s, under 1 m/s.",
            ),
            "conversion-inverted": _variant(
                f"{symbol} = {kmh} km/h = {kmh} × 3.6 m/s = {fmt(inverted)} m/s",
                "1 m/s is 3.6 km/h, so km/h is divided by 3.6 to get m/s, not multiplied.",
            ),
            "arithmetic-slip": _slip(
                head, ms, "m/s", rng, "Check the division: 1000/3600 is the same as 1/3.6."
            ),
        },
    )


def speed_conversion(rng: random.Random) -> tuple[str, str, list[Step], int]:
    """A speed in km/h converted to m/s, then the distance covered in a few seconds."""
    kmh = 18 * rng.randint(1, 8)
    seconds = rng.choice((5, 10, 15, 20, 30))
    ms = Fraction(kmh * 5, 18)
    distance = ms * seconds
    vehicle = rng.choice(_VEHICLES)
    statement = (
        f"A {vehicle} travels at a steady {kmh} km/h. How many metres does it cover in {seconds} s? "
        f"Given: v = {kmh} km/h, t = {seconds} s."
    )
    head = f"d = v × t = {fmt(ms)} m/s × {seconds} s"
    claim = f"{head} = {fmt(distance)} m"
    distance_step = step(
        ask=f"How far does the {vehicle} go in {seconds} s?",
        text=f"Distance is speed times time: {claim}.",
        claim=claim,
        result=f"{fmt(distance)} m",
        variants={
            "unit-slip": _variant(
                f"d = v × t = {kmh} m/s × {seconds} s = {kmh * seconds} m",
                f"The speed must be in m/s before it meets seconds: {kmh} km/h is {fmt(ms)} m/s.",
            ),
            "arithmetic-slip": _slip(head, distance, "m", rng, "Check the multiplication once more."),
        },
    )
    return statement, f"{fmt(distance)} m", [_conversion("v", kmh, rng), distance_step], 1


def average_speed(rng: random.Random) -> tuple[str, str, list[Step], int]:
    """Distance in metres over a time in minutes: convert the time, then divide."""
    speed = rng.choice((2, 3, 4, 5, 6, 8))
    minutes = rng.randint(2, 10)
    seconds = 60 * minutes
    distance = speed * seconds
    name = rng.choice(_RUNNERS)
    statement = (
        f"{name} runs {distance} m in {minutes} min at a steady pace. What is {name}'s speed in m/s? "
        f"Given: d = {distance} m, t = {minutes} min."
    )
    time_head = f"t = {minutes} min = {minutes} × 60 s"
    time_claim = f"{time_head} = {seconds} s"
    time_step = step(
        ask=f"How many seconds are {minutes} minutes?",
        text=f"Each minute is 60 s, so {time_claim}.",
        claim=time_claim,
        result=f"{seconds} s",
        variants={
            "unit-slip": _variant(
                f"t = {minutes} min = {minutes} s",
                "A minute is 60 seconds, so there are 60 times as many seconds as minutes.",
            ),
            "arithmetic-slip": _slip(
                time_head, Fraction(seconds), "s", rng, "Check the multiplication by 60."
            ),
        },
    )
    speed_head = f"v = d / t = {distance} m / {seconds} s"
    speed_claim = f"{speed_head} = {speed} m/s"
    speed_step = step(
        ask="Now what is the speed in metres per second?",
        text=f"Speed is distance over time: {speed_claim}.",
        claim=speed_claim,
        result=f"{speed} m/s",
        variants={
            "unit-slip": _variant(
                f"v = d / t = {distance} m / {minutes} s = {distance // minutes} m/s",
                f"The time must be in seconds for m/s: {minutes} min is {seconds} s.",
            ),
            "arithmetic-slip": _slip(speed_head, Fraction(speed), "m/s", rng, "Check the division."),
        },
    )
    return statement, f"{speed} m/s", [time_step, speed_step], 1


def _motion(rng: random.Random, braking: bool) -> tuple[int, int, int]:
    """(u, a, t) in m/s, m/s^2, s; a braking object is still moving at the end."""
    a = rng.randint(1, 4)
    t = rng.randint(2, 6)
    u = a * t + rng.randint(2, 12) if braking else rng.randint(0, 15)
    return u, -a if braking else a, t


def _times_step(a: int, t: int, rng: random.Random) -> Step:
    at = a * t
    head = f"a × t = {a} m/s^2 × {t} s"
    claim = f"{head} = {at} m/s"
    variants = {"arithmetic-slip": _slip(head, Fraction(at), "m/s", rng, "Check the multiplication.")}
    if a < 0:
        variants["acceleration-sign"] = _variant(
            f"a × t = {-a} m/s^2 × {t} s = {-at} m/s",
            f"The object is slowing down, so its acceleration is negative: a = {a} m/s^2.",
        )
    return step(
        ask="By how much does the speed change? Work out a × t.",
        text=f"The change in speed is acceleration times time: {claim}.",
        claim=claim,
        result=f"{at} m/s",
        variants=variants,
    )


def final_velocity(rng: random.Random) -> tuple[str, str, list[Step], int]:
    """v = u + at, speeding up or braking, the initial speed sometimes in km/h."""
    braking = rng.random() < 0.5
    u, a, t = _motion(rng, braking)
    in_kmh = rng.random() < 0.35
    if in_kmh:
        u = rng.choice([k for k in range(1, 9) if 5 * k > -a * t]) * 5
    vehicle = rng.choice(_VEHICLES)
    u_text = f"{u * 18 // 5} km/h" if in_kmh else f"{u} m/s"
    how = f"brakes, slowing down at {-a} m/s^2" if braking else f"speeds up at {a} m/s^2"
    statement = (
        f"A {vehicle} moving at {u_text} {how} for {t} s. How fast is it going at the end, in m/s? "
        f"Given: u = {u_text}, a = {a} m/s^2, t = {t} s."
    )
    at, v = a * t, u + a * t
    sign = "-" if at < 0 else "+"
    head = f"v = u + at = {u} m/s {sign} {abs(at)} m/s"
    claim = f"{head} = {v} m/s"
    variants = {"arithmetic-slip": _slip(head, Fraction(v), "m/s", rng, "Check the last addition.")}
    if braking:
        variants["acceleration-sign"] = _variant(
            f"v = u + at = {u} m/s + {-at} m/s = {u - at} m/s",
            "A braking object loses speed: with a negative, u + at is smaller than u.",
        )
    steps = [_conversion("u", u * 18 // 5, rng)] if in_kmh else []
    steps += [
        _times_step(a, t, rng),
        step(
            ask="So what is the final speed v?",
            text=f"Add the change to the starting speed: {claim}.",
            claim=claim,
            result=f"{v} m/s",
            variants=variants,
        ),
    ]
    return statement, f"{v} m/s", steps, 2 + in_kmh


def _half_at2(a: int, t: int, rng: random.Random) -> Step:
    value = Fraction(a * t * t, 2)
    a_text = f"({a} m/s^2)" if a < 0 else f"{a} m/s^2"
    head = f"1/2 × a × t^2 = 1/2 × {a_text} × ({t} s)^2"
    claim = f"{head} = {fmt(value)} m"
    variants = {
        "drop-half": _variant(
            f"1/2 × a × t^2 = {a_text} × ({t} s)^2 = {a * t * t} m",
            "The formula is s = ut + 1/2 at^2: the acceleration term is halved.",
        ),
        "arithmetic-slip": _slip(head, value, "m", rng, "Square the time first, then multiply."),
    }
    if a < 0:
        variants["acceleration-sign"] = _variant(
            f"1/2 × a × t^2 = 1/2 × {-a} m/s^2 × ({t} s)^2 = {fmt(-value)} m",
            f"It slows down, so a = {a} m/s^2 is negative and this term takes distance away.",
        )
    return step(
        ask="What is the acceleration term, 1/2 × a × t^2?",
        text=f"The acceleration adds {claim}.",
        claim=claim,
        result=f"{fmt(value)} m",
        variants=variants,
    )


def displacement(rng: random.Random) -> tuple[str, str, list[Step], int]:
    """s = ut + 1/2 at^2 in three steps, speeding up or braking."""
    braking = rng.random() < 0.4
    u, a, t = _motion(rng, braking)
    ut, half = u * t, Fraction(a * t * t, 2)
    s = ut + half
    how = f"slows down at {-a} m/s^2" if braking else f"accelerates at {a} m/s^2"
    statement = (
        f"A cyclist moving at {u} m/s {how} for {t} s. How far does she travel in that time? "
        f"Given: u = {u} m/s, a = {a} m/s^2, t = {t} s."
    )
    ut_head = f"u × t = {u} m/s × {t} s"
    ut_step = step(
        ask="How far would she go in that time at her starting speed? Work out u × t.",
        text=f"At the starting speed she would cover {ut_head} = {ut} m.",
        claim=f"{ut_head} = {ut} m",
        result=f"{ut} m",
        variants={"arithmetic-slip": _slip(ut_head, Fraction(ut), "m", rng, "Check the multiplication.")},
    )
    sign = "-" if half < 0 else "+"
    head = f"s = ut + 1/2 at^2 = {ut} m {sign} {fmt(abs(half))} m"
    claim = f"{head} = {fmt(s)} m"
    variants = {
        "drop-half": _variant(
            f"s = ut + 1/2 at^2 = {ut} m {sign} {abs(a) * t * t} m = {ut + a * t * t} m",
            "Only half of a t^2 belongs in s = ut + 1/2 at^2.",
        ),
        "arithmetic-slip": _slip(head, s, "m", rng, "Check the last addition."),
    }
    if braking:
        variants["acceleration-sign"] = _variant(
            f"s = ut + 1/2 at^2 = {ut} m + {fmt(-half)} m = {fmt(ut - half)} m",
            "Slowing down means a is negative, so the second term is subtracted.",
        )
    total = step(
        ask="So how far does she travel in total?",
        text=f"Adding the two parts: {claim}.",
        claim=claim,
        result=f"{fmt(s)} m",
        variants=variants,
    )
    return statement, f"{fmt(s)} m", [ut_step, _half_at2(a, t, rng), total], 2 + braking


def stopping_distance(rng: random.Random) -> tuple[str, str, list[Step], int]:
    """A vehicle braking to a stop in a given time: its (negative) acceleration, then the distance."""
    a = rng.randint(2, 5)
    t = rng.randint(2, 6)
    u = a * t
    vehicle = rng.choice(_VEHICLES)
    statement = (
        f"A {vehicle} moving at {u} m/s brakes and comes to a stop in {t} s. Find its acceleration, then how "
        f"far it travels while braking. Given: u = {u} m/s, v = 0 m/s, t = {t} s."
    )
    accel_claim = f"a = (v - u) / t = (0 m/s - {u} m/s) / {t} s = {-a} m/s^2"
    accel_step = step(
        ask="First, what is its acceleration? Use a = (v - u) / t.",
        text=f"The speed drops from {u} m/s to 0 m/s, so {accel_claim}.",
        claim=accel_claim,
        result=f"{-a} m/s^2",
        variants={
            "acceleration-sign": _variant(
                f"a = (v - u) / t = ({u} m/s - 0 m/s) / {t} s = {a} m/s^2",
                "The change is final minus initial speed: negative when the vehicle slows down.",
            ),
        },
    )
    s = Fraction(u * t, 2)
    head = f"s = (u + v) / 2 × t = ({u} m/s + 0 m/s) / 2 × {t} s"
    claim = f"{head} = {fmt(s)} m"
    distance_step = step(
        ask="Now how far does it travel while braking? Use its average speed.",
        text=f"Its average speed is half way between u and v, so {claim}.",
        claim=claim,
        result=f"{fmt(s)} m",
        variants={
            "drop-half": _variant(
                f"s = (u + v) / 2 × t = ({u} m/s + 0 m/s) × {t} s = {u * t} m",
                "The average of u and v is (u + v) / 2: the sum has to be halved.",
            ),
            "arithmetic-slip": _slip(head, s, "m", rng, "Work out the average speed first, then multiply."),
        },
    )
    return statement, f"{fmt(s)} m", [accel_step, distance_step], 2


_BUILDERS: dict[str, Callable[[random.Random], tuple[str, str, list[Step], int]]] = {
    "speed_conversion": speed_conversion,
    "average_speed": average_speed,
    "final_velocity": final_velocity,
    "displacement": displacement,
    "stopping_distance": stopping_distance,
}

MISCONCEPTION_FAMILIES: dict[str, set[str]] = {
    "unit-slip": {"speed_conversion", "average_speed", "final_velocity"},
    "conversion-inverted": {"speed_conversion", "final_velocity"},
    "acceleration-sign": {"final_velocity", "displacement", "stopping_distance"},
    "drop-half": {"displacement", "stopping_distance"},
    "arithmetic-slip": set(_BUILDERS),
}
"""Misconception id -> the families whose steps can carry a variant for it."""


def problem_from_seed(family: str, seed: int) -> Problem:
    """The problem a physics family generates from `seed`."""
    statement, answer, steps, difficulty = _BUILDERS[family](random.Random(seed))
    return Problem(
        problem_id=Problem.make_id(family, statement),
        statement=statement,
        answer=answer,
        steps=steps,
        family=family,
        difficulty=difficulty,
        seed=seed,
        subject=SUBJECT,
    )


FAMILIES: dict[str, Callable[[random.Random], Problem]] = seeded_families(problem_from_seed, _BUILDERS)
"""Family name -> generator drawing one physics problem from the given random stream."""
