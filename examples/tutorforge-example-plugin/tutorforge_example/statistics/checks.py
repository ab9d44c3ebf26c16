"""The statistics pack's verifier checker: a total divided by a count other than the number of values."""

from __future__ import annotations

import re

from tutorforge.verifiers.extra import Checked
from tutorforge.verifiers.types import Flag, VerifyContext

_DATA = re.compile(r"\bare\s+((?:\d+(?:,\s*|\s+and\s+))+\d+)")  # "... are 12, 15, 9 and 14 cm"
_NUMBER = re.compile(r"\d+")
_DIVISION = re.compile(r"(\d+)\s*(?:/|÷)\s*(\d+)\s*=")


def check_mean(text: str, role: str, ctx: VerifyContext) -> Checked:
    """Flag `wrong_count` where the problem's total is divided by anything but the number of values."""
    data = _DATA.search((ctx.problem or "")[:2_000])
    values = [int(v) for v in _NUMBER.findall(data[1])] if data else []
    if len(values) < 2:
        return Checked()
    total = sum(values)
    out = Checked()
    for match in _DIVISION.finditer(text[:20_000]):
        if int(match[1]) != total:
            continue
        out.claims += 1
        if int(match[2]) != len(values):
            detail = f"the problem has {len(values)} values, so the total is divided by {len(values)}"
            out.flags.append(Flag("wrong_count", match[0], match.span(), detail))
    return out
