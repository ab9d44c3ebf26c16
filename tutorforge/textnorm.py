"""Unicode normalisation of untrusted text before it is read: NFKC (full-width `＋` `＝` become `+` `=`;
superscripts, subscripts and vulgar fractions stay, `4²` must not read `42`),
invisible format characters (zero-width spaces and joiners, bidi marks and overrides, soft hyphens)
dropped, other control characters read as spaces. NUL is never read: callers reject text holding it.

The normalised text keeps a map back to the original characters, so findings point at what was written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NUL = "\x00"
_KEPT_CONTROLS = frozenset("\n\t")
# Compatibility forms NFKC would flatten into other numbers: kept as written.
_KEPT_FORMS = ("<super>", "<sub>", "<fraction>", "<square>", "<circle>")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class NormText:
    """Normalised text; `pos[i]` is the original index of character `i` (None: unchanged text)."""

    text: str
    pos: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int, length: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end) (`length`: the original's length)."""
        if self.pos is None:
            return start, end
        if start >= len(self.pos):
            return length, length
        a = self.pos[start]
        b = self.pos[min(end, len(self.pos)) - 1] + 1 if end > start else a
        return a, max(a, b)


def _mapped(c: str) -> str:
    cat = unicodedata.category(c)
    if cat == "Cf":
        return ""
    if cat == "Cc" and c not in _KEPT_CONTROLS:
        return " "
    if unicodedata.decomposition(c).startswith(_KEPT_FORMS):
        return c  # 4² is not 42, 2½ is not 21/2
    return unicodedata.normalize("NFKC", c)


def normalize(text: str) -> NormText:
    """NFKC, format characters dropped, controls as spaces; linear in the text's length."""
    if text.isascii() and not _CONTROLS.search(text):
        return NormText(text)
    out: list[str] = []
    pos: list[int] = []
    for i, c in enumerate(text):
        m = c if " " <= c <= "~" else _mapped(c)
        out.append(m)
        pos.extend([i] * len(m))
    return NormText("".join(out), tuple(pos))


def plain(text: str) -> str:
    """The normalised text alone."""
    return normalize(text).text
