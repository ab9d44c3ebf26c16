"""Words as stable 64-bit hashes, a page of dialogues as numpy arrays, and n-gram keys over them.

Every n-gram metric (distinct-n, pairwise overlap, MinHash) works on hashes rather than strings, so a
page of dialogues costs one regex pass and one dict lookup per word; the rest is vectorised.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tutorforge.quality.views import DialogueView

ROLES = ("teacher", "student")
# Words, numbers (with their decimal point, thousands commas or fraction bar), and single symbols.
TOKEN_RE = re.compile(r"[a-z]+|\d+(?:[.,/]\d+)*|[^\sa-z\d]")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: n-gram key = previous key * _MIX + next word


def _stable_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


# Each turn of a page's text opens with its role's marker character; text never contains them.
_MARKERS = {"teacher": "\x02", "student": "\x03"}


def _without_markers(text: str) -> str:
    if "\x02" in text or "\x03" in text:
        return text.replace("\x02", " ").replace("\x03", " ")
    return text


class TokenHasher:
    """Token -> stable 64-bit hash (the same in every process), each distinct token hashed once."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {}
        self.markers = np.array([_stable_hash(_MARKERS[role]) for role in ROLES], dtype=np.uint64)

    def hashes(self, words: list[str]) -> np.ndarray:
        cache = self._cache
        for w in set(words).difference(cache):
            cache[w] = _stable_hash(w)
        return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))


@dataclass(frozen=True)
class TokenPage:
    """A page of dialogues as one token stream: each turn is its role marker, then its words.

    `turn_len[i]` counts turn i's tokens including its marker; `turn_role[i]` indexes ROLES;
    `turn_dialogue[i]` indexes the page's dialogues.
    """

    hashes: np.ndarray  # uint64, every token of every turn
    turn_len: np.ndarray  # int64
    turn_role: np.ndarray  # int64
    turn_dialogue: np.ndarray  # int64
    n_dialogues: int

    @classmethod
    def build(cls, views: Sequence[DialogueView], hasher: TokenHasher) -> TokenPage:
        """Tokenise a page with one regex pass over its text."""
        text = " ".join(
            f"{_MARKERS[turn.role]} {_without_markers(turn.text)}" for view in views for turn in view.turns
        )
        hashes = hasher.hashes(TOKEN_RE.findall(text.lower()))
        marker_role = np.full(len(hashes), -1, dtype=np.int64)
        for r, marker in enumerate(hasher.markers):
            marker_role[hashes == marker] = r
        starts = np.flatnonzero(marker_role >= 0)
        return cls(
            hashes,
            np.diff(np.append(starts, len(hashes))),
            marker_role[starts],
            np.repeat(np.arange(len(views)), [len(view.turns) for view in views]),
            len(views),
        )

    def role_words(self, role: int) -> tuple[np.ndarray, np.ndarray]:
        """The words (no markers) of the role's turns and, per word, the page-wide turn it belongs to."""
        turn_of = np.repeat(np.arange(len(self.turn_len)), self.turn_len)
        keep = self.turn_role[turn_of] == role
        keep[np.cumsum(self.turn_len) - self.turn_len] = False
        return self.hashes[keep], turn_of[keep]

    def dialogue_tokens(self) -> np.ndarray:
        """Per token, the page's dialogue it belongs to."""
        return np.repeat(self.turn_dialogue, self.turn_len)


def ngram_keys(hashes: np.ndarray, segment: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the n-grams inside each segment (none spans two), with the segment of each."""
    if len(hashes) < n:
        return np.empty(0, np.uint64), np.empty(0, segment.dtype)
    keys = hashes[: len(hashes) - n + 1].copy()
    for j in range(1, n):
        keys *= _MIX
        keys += hashes[j : len(hashes) - n + 1 + j]
    inside = segment[: len(segment) - n + 1] == segment[n - 1 :]
    return keys[inside], segment[: len(segment) - n + 1][inside]
