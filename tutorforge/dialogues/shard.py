"""Shards: `--shard I/N` runs the indices i with i % N == I - 1 of a run (I counts from 1).

The shard is an execution setting like `n` or `--workers`: it is not part of the run id, so every shard of
a run writes dialogues with the ids an unsharded run gives them, and `tutorforge merge` puts the shards'
databases back together into that same corpus. Each shard resumes on its own database like any run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
MAX_SHARDS = 1_000_000


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, spec: str) -> Shard:
        """`I/N` -> Shard(I, N); ValueError naming what is wrong otherwise."""
        match = _SPEC.fullmatch(spec)
        if not match:
            raise ValueError(f"{spec!r} is not I/N (e.g. 1/4: the first of four shards)")
        index, count = int(match[1]), int(match[2])
        if not 1 <= count <= MAX_SHARDS:
            raise ValueError(f"{spec!r}: N must be between 1 and {MAX_SHARDS}")
        if not 1 <= index <= count:
            raise ValueError(f"{spec!r}: I must be between 1 and N ({count})")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, i: int) -> bool:
        """True when dialogue index `i` belongs to this shard."""
        return i % self.count == self.index - 1

    def indices(self, n: int) -> range:
        """The indices of a run of `n` dialogues that this shard generates."""
        return range(self.index - 1, n, self.count)


def shard_of(spec: str | None) -> Shard:
    """The shard a config's `shard` setting names (the whole run when unset)."""
    return Shard.parse(spec) if spec else Shard()
