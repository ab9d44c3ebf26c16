"""The misconceptions a student persona may hold, keyed by the ids problem generators use for wrong steps."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Misconception:
    """One way of going wrong, with a `hint` telling an LLM student how someone holding it reasons."""

    id: str
    description: str
    hint: str
    example: str


_ALL = (
    Misconception(
        id="sign-slip",
        description="Moves a term across the equals sign without changing its sign.",
        hint=(
            "When you move a term to the other side of an equation you carry it over exactly as it is, "
            "sign and all: from x + 3 = 7 you write x = 7 + 3. Changing the sign feels like an extra "
            "rule you do not need."
        ),
        example="x + 3 = 7, so x = 7 + 3 = 10",
    ),
    Misconception(
        id="order-of-operations",
        description=(
            "Evaluates an expression strictly from left to right, ignoring that multiplication and "
            "division come before addition and subtraction."
        ),
        hint=(
            "You work through an expression the way you read it, left to right, one operation at a time: "
            "2 + 3 * 4 is 5 * 4 = 20. Brackets are the only thing that changes the order for you."
        ),
        example="2 + 3 * 4 = 5 * 4 = 20",
    ),
    Misconception(
        id="fraction-add-across",
        description=(
            "Adds fractions by adding numerators and denominators separately: a/b + c/d = (a+c)/(b+d)."
        ),
        hint=(
            "To add two fractions you add the tops together and the bottoms together, so 1/3 + 1/4 = 2/7. "
            "Finding a common denominator seems like something you only do for harder problems."
        ),
        example="1/3 + 1/4 = 2/7",
    ),
    Misconception(
        id="percent-of-confusion",
        description=(
            "Mishandles 'p% of x': uses p itself instead of p/100, divides by the percent instead of "
            "multiplying, or takes the percent of the wrong quantity."
        ),
        hint=(
            "Percent questions make you unsure which number to use. For 'p percent of x' you tend to "
            "divide x by p (20% of 50 is 50 / 20 = 2.5) or multiply by p without dividing by 100, and when "
            "an amount has changed you take the percent of whichever number you see last."
        ),
        example="20% of 50 = 50 / 20 = 2.5",
    ),
    Misconception(
        id="distribute-one-term",
        description="Multiplies only the first term inside the brackets: a(b + c) = ab + c.",
        hint=(
            "When a number stands in front of brackets you multiply it into the first term and copy the "
            "rest: 3(x + 2) = 3x + 2. The later terms feel already dealt with."
        ),
        example="3(x + 2) = 3x + 2",
    ),
    Misconception(
        id="drop-chain-rule",
        description=(
            "Differentiates the outer function and forgets to multiply by the derivative of the inner one."
        ),
        hint=(
            "You differentiate a composite function by differentiating the outside and leaving the inside "
            "alone: the derivative of sin(3x) is cos(3x) and the derivative of (2x + 1)^3 is 3(2x + 1)^2."
        ),
        example="d/dx sin(3x) = cos(3x)",
    ),
    Misconception(
        id="power-rule-exponent",
        description="Brings the exponent down as a factor but does not lower it: d/dx x^n = n x^n.",
        hint=(
            "For a power of x you put the exponent in front and keep the power as it was: the derivative "
            "of x^3 is 3x^3. Lowering the exponent is a step you do not remember."
        ),
        example="d/dx x^3 = 3x^3",
    ),
    Misconception(
        id="factor-sign",
        description="Reads the roots of (x - a)(x - b) = 0 as x = -a and x = -b.",
        hint=(
            "When an equation is factored as (x - a)(x - b) = 0 you read the solutions off the numbers you "
            "see, keeping their signs: (x - 2)(x - 5) = 0 gives x = -2 or x = -5."
        ),
        example="(x - 2)(x - 5) = 0, so x = -2 or x = -5",
    ),
    Misconception(
        id="subtract-instead-of-add",
        description=(
            "Subtracts where the situation calls for adding, typically when undoing an amount that was "
            "used up, given away or eaten."
        ),
        hint=(
            "In word problems you subtract whenever the story talks about something being used, eaten or "
            "given away, even when you are working backwards to how much there was before: 'she used 3 and "
            "had 12 left' makes you compute 12 - 3."
        ),
        example="used 3, 12 left, so there were 12 - 3 = 9 at first",
    ),
    Misconception(
        id="arithmetic-slip",
        description=(
            "Makes a small careless slip in a result (off by one, a dropped carry) while the method is right."
        ),
        hint=(
            "You set up each step correctly but compute quickly in your head and do not check, so now and "
            "then a result is a little off: 7 * 8 = 54, or 45 + 38 = 73."
        ),
        example="7 * 8 = 54",
    ),
)

MISCONCEPTIONS: MappingProxyType[str, Misconception] = MappingProxyType({m.id: m for m in _ALL})
"""The built-in misconceptions by id (read-only)."""

_PLUGGED: dict[str, Misconception] = {}

KNOWN_MISCONCEPTIONS: Mapping[str, Misconception] = MappingProxyType(ChainMap(_PLUGGED, MISCONCEPTIONS))
"""Every misconception a persona may hold: the built-ins and those of the loaded subject packs (a live,
read-only view; a pack's definition of an id replaces the built-in one)."""


def register_misconception(misconception: Misconception) -> Misconception | None:
    """Make a subject pack's misconception known; returns the different definition it replaced, if any."""
    previous = KNOWN_MISCONCEPTIONS.get(misconception.id)
    _PLUGGED[misconception.id] = misconception
    return previous if previous is not None and previous != misconception else None


def unregister_misconception(misconception_id: str) -> None:
    """Forget a subject pack's misconception (the built-in of the same id, if any, shows again)."""
    _PLUGGED.pop(misconception_id, None)
