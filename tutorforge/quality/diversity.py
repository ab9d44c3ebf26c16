"""Diversity: distinct-n over teacher and student turns, n-gram overlap between dialogues, coverage.

- distinct-n: distinct word n-grams / all word n-grams, n = 1..4, over the turns of one role (n-grams
  never span two turns), counted over the whole corpus and over a fixed-size sample (distinct-n falls as
  a corpus grows, so only the sample's figure compares corpora of different sizes).
- overlap: the Jaccard similarity of two dialogues' sets of word 3-grams (the whole dialogue, each turn
  opened by its role), averaged over every pair of the sample.
- the sample: the `size` dialogues whose ids hash lowest, so it does not depend on reading order.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import statistics
from collections import Counter

import numpy as np

from tutorforge.quality.tokens import ROLES, TokenHasher, TokenPage, ngram_keys
from tutorforge.quality.views import DialogueView

NS = (1, 2, 3, 4)
SHINGLE = 3  # words per shingle, for overlap and near-duplicates
SAMPLE_SIZE = 500
_MERGE_EVERY = 32  # pages of n-gram keys buffered before they join the distinct ones


def shingles(page: TokenPage) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the page's word 3-grams, dialogue by dialogue, and the page's dialogue of each."""
    return ngram_keys(page.hashes, page.dialogue_tokens(), SHINGLE)


class DistinctNgrams:
    """Distinct and total n-grams per role and n, over pages of dialogues (64-bit n-gram hashes)."""

    def __init__(self) -> None:
        self.total: Counter[tuple[str, int]] = Counter()
        self._unique: dict[tuple[str, int], np.ndarray] = {}
        self._pending: dict[tuple[str, int], list[np.ndarray]] = {}

    def add_page(self, page: TokenPage) -> None:
        for r, role in enumerate(ROLES):
            words, turn = page.role_words(r)
            for n in NS:
                keys, _ = ngram_keys(words, turn, n)
                self.total[role, n] += len(keys)
                pending = self._pending.setdefault((role, n), [])
                pending.append(keys)
                if len(pending) >= _MERGE_EVERY:
                    self._merge(role, n)

    def _merge(self, role: str, n: int) -> np.ndarray:
        parts = [self._unique.get((role, n), np.empty(0, np.uint64)), *self._pending.pop((role, n), [])]
        merged = self._unique[role, n] = np.unique(np.concatenate(parts))
        return merged

    def figures(self) -> dict:
        """{role: {n: {"distinct", "total", "ratio"}}}."""
        out: dict = {}
        for role in ROLES:
            out[role] = {}
            for n in NS:
                distinct = len(self._merge(role, n))
                total = self.total[role, n]
                ratio = round(distinct / total, 4) if total else None
                out[role][str(n)] = {"distinct": distinct, "total": total, "ratio": ratio}
        return out


def _id_hash(dialogue_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(dialogue_id.encode("utf-8"), digest_size=8).digest(), "little")


class DialogueSample:
    """The `size` dialogues whose ids hash lowest, kept as views."""

    def __init__(self, size: int = SAMPLE_SIZE) -> None:
        self.size = size
        # (-hash, id, arrival, view): the largest hash on top; arrival orders dialogues sharing an id
        self._heap: list[tuple[int, str, int, DialogueView]] = []
        self._arrivals = 0

    def add(self, view: DialogueView) -> None:
        key = -_id_hash(view.dialogue_id)
        self._arrivals += 1
        item = (key, view.dialogue_id, -self._arrivals, view)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, item)
        elif key > self._heap[0][0]:
            heapq.heapreplace(self._heap, item)

    def views(self) -> list[DialogueView]:
        """The sample in id-hash order."""
        return [item[-1] for item in sorted(self._heap, reverse=True)]

    def figures(self, hasher: TokenHasher) -> dict:
        """Distinct-n and pairwise 3-gram Jaccard over the sample."""
        views = self.views()
        page = TokenPage.build(views, hasher)
        distinct = DistinctNgrams()
        distinct.add_page(page)
        keys, owner = shingles(page)
        bounds = np.searchsorted(owner, np.arange(len(views) + 1))
        sets = [set(keys[bounds[d] : bounds[d + 1]].tolist()) for d in range(len(views))]
        scores = [jaccard(a, b) for a, b in itertools.combinations(sets, 2)]
        return {
            "dialogues": len(views),
            "distinct": distinct.figures(),
            "overlap": _summary(scores),
        }


def jaccard(a: set, b: set) -> float:
    """|a & b| / |a | b| (1.0 for two empty sets)."""
    both = len(a & b)
    union = len(a) + len(b) - both
    return both / union if union else 1.0


def _summary(scores: list[float]) -> dict:
    if not scores:
        return {"pairs": 0, "mean": None, "median": None, "p95": None, "max": None, "share_above_0_5": None}
    ordered = sorted(scores)
    return {
        "pairs": len(scores),
        "mean": round(statistics.fmean(scores), 4),
        "median": round(statistics.median(ordered), 4),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4),
        "max": round(ordered[-1], 4),
        "share_above_0_5": round(sum(s > 0.5 for s in scores) / len(scores), 4),
    }


class Coverage:
    """How often each family and each persona of each role occurs, against what is available."""

    def __init__(self) -> None:
        self.families: Counter[str] = Counter()
        self.subjects: Counter[str] = Counter()
        self.personas: dict[str, Counter[str]] = {}

    def add(self, view: DialogueView) -> None:
        if view.family:
            self.families[view.family] += 1
        if view.subject:
            self.subjects[view.subject] += 1
        for role, name in view.personas.items():
            self.personas.setdefault(role, Counter())[name] += 1

    def figures(self) -> dict:
        """Counts (most frequent first), and the built-in families and personas of the corpus's subjects
        that it never uses."""
        families, personas = _available(set(self.subjects))
        return {
            "subjects": dict(self.subjects.most_common()),
            "families": dict(self.families.most_common()),
            "families_unused": sorted(set(families) - set(self.families)),
            "personas": {role: dict(c.most_common()) for role, c in self.personas.items()},
            "personas_unused": {
                role: sorted(set(names).difference(self.personas.get(role, ())))
                for role, names in personas.items()
            },
        }


def _available(subjects: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The problem families and the personas per role of these subjects."""
    from tutorforge.errors import BadInput
    from tutorforge.personas.loader import load_registry
    from tutorforge.problems.generators import families_for

    families = []
    for subject in sorted(subjects):
        try:
            families.extend(families_for(subject))
        except BadInput:  # a subject whose pack is not active here
            continue
    registry = load_registry()
    return families, {
        role: [p.name for p in registry.by_role(role) if subjects & set(p.subjects)]
        for role in (*ROLES, "critic")
    }
