"""Near-duplicate dialogues: MinHash signatures of word 3-gram sets, LSH banding, verified clusters.

Each dialogue's set of word 3-grams (see `diversity.shingles`) gets a signature of `num_perm` minimum
hashes, computed for a whole page at once with numpy (hash family: multiply-add-shift on the 3-gram
key folded to 32 bits). The fraction of equal positions in two signatures estimates the Jaccard
similarity of the two sets. LSH splits signatures into `bands` bands of `rows` rows; dialogues sharing
a band are candidates, and a candidate pair whose estimate reaches the threshold is a near-duplicate
pair. Pairs join into clusters (union-find); deduplication keeps each cluster's first dialogue in
reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tutorforge.quality.diversity import shingles
from tutorforge.quality.tokens import TokenPage

NUM_PERM = 128
THRESHOLD = 0.9
_PERM_CHUNK = 16  # permutations hashed at once, into one reused buffer (fresh big arrays are slow)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_BAND_MIX = np.uint64(0xBF58476D1CE4E5B9)


def lsh_params(threshold: float, num_perm: int, recall: float = 0.99) -> tuple[int, int]:
    """(bands, rows), bands * rows <= num_perm: the most rows per band (the fewest false candidates)
    for which a pair exactly at the threshold is still a candidate with probability >= `recall`."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            best = (bands, rows)
    return best


class MinHasher:
    """`num_perm` hash functions h(x) = (a * x + b) mod 2^64 >> 32, a odd, seeded (stable across runs)."""

    def __init__(self, num_perm: int = NUM_PERM, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.a = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64, endpoint=False) | np.uint64(1)
        self.b = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64, endpoint=False)
        self._buffer = np.empty((_PERM_CHUNK, 0), dtype=np.uint64)

    def signatures(self, keys: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
        """An (n, num_perm) uint32 matrix: row d is the signature of the keys whose owner is d (owner
        sorted); a dialogue without keys gets all-ones."""
        out = np.full((n, self.num_perm), 0xFFFFFFFF, dtype=np.uint32)
        if not len(keys):
            return out
        x = (keys ^ (keys >> _SHIFT)) & _LOW32
        present, starts = np.unique(owner, return_index=True)
        if self._buffer.shape[1] < len(x):
            self._buffer = np.empty((_PERM_CHUNK, 2 * len(x)), dtype=np.uint64)
        for lo in range(0, self.num_perm, _PERM_CHUNK):
            a = self.a[lo : lo + _PERM_CHUNK, None]
            values = self._buffer[: len(a), : len(x)]
            np.multiply(a, x[None, :], out=values)
            values += self.b[lo : lo + _PERM_CHUNK, None]
            values >>= _SHIFT
            out[present, lo : lo + _PERM_CHUNK] = np.minimum.reduceat(values, starts, axis=1).T
        return out


@dataclass
class NearDuplicates:
    """The near-duplicate pairs and clusters among `ids` (indices are positions in reading order)."""

    ids: list[str]
    threshold: float
    bands: int
    rows: int
    pairs: dict[tuple[int, int], float] = field(default_factory=dict)  # (i, j), i < j -> estimate
    clusters: list[list[int]] = field(default_factory=list)  # each sorted, ordered by first member

    def dropped(self) -> set[str]:
        """The ids deduplication leaves out: every member of a cluster but its first."""
        return {self.ids[i] for cluster in self.clusters for i in cluster[1:]}

    def figures(self, examples: int = 10) -> dict:
        """Counts, LSH settings and the largest clusters as examples."""
        largest = sorted(self.clusters, key=lambda c: (-len(c), c[0]))[:examples]
        return {
            "threshold": self.threshold,
            "num_perm": self.bands * self.rows,
            "bands": self.bands,
            "rows": self.rows,
            "dialogues": len(self.ids),
            "pairs": len(self.pairs),
            "clusters": len(self.clusters),
            "in_clusters": sum(len(c) for c in self.clusters),
            "dropped_by_dedup": sum(len(c) - 1 for c in self.clusters),
            "examples": [
                {
                    "keep": self.ids[c[0]],
                    "drop": [self.ids[i] for i in c[1:]],
                    "similarity": min(self.pairs.get((c[0], i), 1.0) for i in c[1:]),
                }
                for c in largest
            ],
        }


class NearDuplicateIndex:
    """Signatures of dialogues added page by page; `find()` returns the near-duplicates."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold {threshold} is not in (0, 1]")
        self.threshold = threshold
        self.hasher = MinHasher(num_perm)
        self.bands, self.rows = lsh_params(threshold, num_perm)
        self.ids: list[str] = []
        self._signatures: list[np.ndarray] = []

    def add_page(self, ids: list[str], page: TokenPage) -> None:
        keys, owner = shingles(page)
        self.ids.extend(ids)
        self._signatures.append(self.hasher.signatures(keys, owner, page.n_dialogues))

    def find(self) -> NearDuplicates:
        """Candidates from every band, verified against the threshold, joined into clusters."""
        result = NearDuplicates(self.ids, self.threshold, self.bands, self.rows)
        if not self._signatures:
            return result
        sig = np.concatenate(self._signatures)
        self._signatures = [sig]
        parent = list(range(len(sig)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for band in range(self.bands):
            for members in _buckets(sig[:, band * self.rows : (band + 1) * self.rows]):
                for i, j, estimate in _verified(sig, members, self.threshold):
                    result.pairs.setdefault((i, j), estimate)
                    ri, rj = root(i), root(j)
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
        groups: dict[int, list[int]] = {}
        for i, j in result.pairs:
            for k in (i, j):
                groups.setdefault(root(k), []).append(k)
        result.clusters = sorted(sorted(set(g)) for g in groups.values())
        return result


def _buckets(band: np.ndarray) -> list[np.ndarray]:
    """Groups of two or more rows with the same band values, each in row order."""
    key = np.zeros(len(band), dtype=np.uint64)
    for column in band.T:
        key = key * _BAND_MIX + column.astype(np.uint64)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(ordered))
    return [order[s:e] for s, e in zip(starts, ends, strict=True) if e - s > 1]


def _verified(sig: np.ndarray, members: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Pairs of a bucket whose estimated similarity reaches the threshold: each member is compared with
    the bucket's representatives (members that matched none before it)."""
    reps = [int(members[0])]
    out = []
    for m in members[1:]:
        m = int(m)
        estimates = (sig[reps] == sig[m]).mean(axis=1)
        best = int(np.argmax(estimates))
        if estimates[best] >= threshold:
            out.append((reps[best], m, round(float(estimates[best]), 4)))
        else:
            reps.append(m)
    return out
