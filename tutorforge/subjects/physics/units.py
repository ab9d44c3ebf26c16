"""The units the physics checks read: a fixed whitelist of words and symbols mapped to sympy.physics.units.

Text is never handed to sympy: a word is looked up in `UNIT_WORDS`, and the sympy unit it names is
converted once to an exact SI scale and a dimension (powers of length, time and mass).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

Dims = tuple[int, int, int]
"""Powers of (length, time, mass)."""

DIMENSIONLESS: Dims = (0, 0, 0)

# Symbols are case-sensitive; words (lower-cased before lookup) are not.
_SYMBOLS = {
    "m": "meter",
    "km": "kilometer",
    "cm": "centimeter",
    "mm": "millimeter",
    "s": "second",
    "min": "minute",
    "h": "hour",
    "kg": "kilogram",
    "g": "gram",
    "N": "newton",
    "J": "joule",
    "W": "watt",
    "mi": "mile",
}
_WORDS = {
    "meter": "meter",
    "metre": "meter",
    "kilometer": "kilometer",
    "kilometre": "kilometer",
    "centimeter": "centimeter",
    "centimetre": "centimeter",
    "millimeter": "millimeter",
    "millimetre": "millimeter",
    "second": "second",
    "sec": "second",
    "min": "minute",
    "minute": "minute",
    "hour": "hour",
    "hr": "hour",
    "kilogram": "kilogram",
    "gram": "gram",
    "newton": "newton",
    "joule": "joule",
    "watt": "watt",
    "mile": "mile",
}
_COMPOUND = {"kph": ("kilometer", "hour"), "mph": ("mile", "hour")}  # per-hour speeds written as one word

_DIM_NAMES = {
    (1, 0, 0): ("a length", "m"),
    (0, 1, 0): ("a time", "s"),
    (0, 0, 1): ("a mass", "kg"),
    (1, -1, 0): ("a speed", "m/s"),
    (1, -2, 0): ("an acceleration", "m/s^2"),
    (1, -2, 1): ("a force", "N"),
    (2, -2, 1): ("an energy", "J"),
    (2, -3, 1): ("a power", "W"),
    DIMENSIONLESS: ("a pure number", ""),
}


@dataclass(frozen=True)
class Unit:
    """A unit as an exact factor to SI base units and its dimension."""

    scale: Fraction
    dims: Dims


def unit_name(word: str) -> str | None:
    """The sympy unit a word or symbol names (e.g. 'km' -> 'kilometer'), or None when it is not a unit."""
    if word in _SYMBOLS:
        return _SYMBOLS[word]
    lower = word.lower()
    if lower in _COMPOUND:
        return lower
    for form in (lower, lower[:-1] if lower.endswith("s") else None):
        if form in _WORDS:
            return _WORDS[form]
    return None


def lookup(word: str) -> Unit | None:
    """The unit a word or symbol names, or None when it is not on the whitelist."""
    name = unit_name(word)
    return _table()[name] if name else None


def describe(dims: Dims) -> str:
    """'a speed (m/s)', 'a length (m)': the kind of quantity a dimension is, for messages."""
    named = _DIM_NAMES.get(dims)
    if named:
        return f"{named[0]} ({named[1]})" if named[1] else named[0]
    return f"a quantity in {si_label(dims)}"


def si_label(dims: Dims) -> str:
    """The SI unit of a dimension as text: 'm/s^2', 'kg m^2/s^2'."""
    named = _DIM_NAMES.get(dims)
    if named:
        return named[1]
    top = [
        _power(sym, p) for sym, p in zip(("kg", "m", "s"), (dims[2], dims[0], dims[1]), strict=True) if p > 0
    ]
    bottom = [
        _power(sym, -p) for sym, p in zip(("kg", "m", "s"), (dims[2], dims[0], dims[1]), strict=True) if p < 0
    ]
    return (" ".join(top) or "1") + ("/" + " ".join(bottom) if bottom else "")


def _power(symbol: str, p: int) -> str:
    return symbol if p == 1 else f"{symbol}^{p}"


@functools.cache
def _table() -> dict[str, Unit]:
    """Every whitelisted unit converted once, exactly, with sympy.physics.units (trusted constants only)."""
    from sympy.physics import units as u
    from sympy.physics.units import convert_to

    objects = {name: getattr(u, name) for name in set(_SYMBOLS.values()) | set(_WORDS.values())}
    objects |= {name: getattr(u, a) / getattr(u, b) for name, (a, b) in _COMPOUND.items()}
    base = {u.meter: 0, u.second: 1, u.kilogram: 2}
    table = {}
    for name, quantity in objects.items():
        coefficient, rest = convert_to(quantity, list(base)).as_coeff_Mul()
        dims = [0, 0, 0]
        for symbol, power in rest.as_powers_dict().items():
            if symbol != 1:
                dims[base[symbol]] = int(power)
        table[name] = Unit(Fraction(int(coefficient.p), int(coefficient.q)), (dims[0], dims[1], dims[2]))
    return table
