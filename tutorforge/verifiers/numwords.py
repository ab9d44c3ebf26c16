"""Numbers written in words: "seven", "twenty-five", "one hundred and twenty"."""

from __future__ import annotations

import re
from fractions import Fraction

_SMALL = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6}
_WORD = "|".join(sorted([*_SMALL, *_TENS, *_SCALES], key=len, reverse=True))
# a run of at most eight number words: "one hundred and twenty-five thousand" is six
WORD_RUN = re.compile(
    rf"\b(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD})){{0,7}}\b(?![\s-]*(?:\d|(?:{_WORD})\b))",
    re.I,
)


def word_value(words: str) -> Fraction | None:
    """The value of a run of number words, None when it is not one number ("seven three")."""
    total = current = 0
    last = None
    for w in re.split(r"[\s-]+", words.lower()):
        if w == "and":
            continue
        if w in _SMALL or w in _TENS:
            value = _SMALL.get(w, _TENS.get(w, 0))
            if last in ("small", "tens") and not (last == "tens" and w in _SMALL and 0 < value < 10):
                return None
            current += value
            last = "tens" if w in _TENS else "small"
        elif w in _SCALES:
            if w == "hundred":
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * _SCALES[w]
                current = 0
            last = "scale"
        else:
            return None
    return Fraction(total + current)


def word_numbers(text: str) -> list[tuple[int, int, Fraction]]:
    """(start, end, value) of every number written in words."""
    out = []
    for m in WORD_RUN.finditer(text):
        value = word_value(m.group())
        if value is not None:
            out.append((m.start(), m.end(), value))
    return out
