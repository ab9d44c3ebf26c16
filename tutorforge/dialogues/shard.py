"""Shards: `--shard I/N` runs the indices i with i % N == I - 1 of a run (I counts from 1).

The shard is an execution setting like `n` or `--workers`: it is not part of the run id, so every shard of
a run writes dialogues with the ids an unsharded run gives them, and `tutorforge merge` puts the shards'
databases back together into that same corpus. Each shard resumes on its own database like any run.

`--shard auto` takes the shard from a job array's environment (`from_environment`): a Slurm array task
(`SLURM_ARRAY_TASK_ID` counted from `SLURM_ARRAY_TASK_MIN`, default 1, in steps of
`SLURM_ARRAY_TASK_STEP`, of `SLURM_ARRAY_TASK_COUNT` or `MAX - MIN + 1` tasks) or a Kubernetes indexed
job (`JOB_COMPLETION_INDEX`, from 0, of the count given by `--shard-count`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tutorforge.errors import BadInput

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
AUTO = "auto"
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


def out_path(out: Path, shard: Shard) -> Path:
    """Where a shard writes the run's `out` file: `corpus.jsonl` -> `corpus.shard-3-of-16.jsonl`, so the
    shards of a run never write one shared path."""
    out = Path(out)
    if shard.count == 1:
        return out
    return out.with_name(f"{out.stem}.shard-{shard.index}-of-{shard.count}{out.suffix}")


_SLURM = "SLURM_ARRAY_TASK_"
_K8S = "JOB_COMPLETION_INDEX"


def from_environment(environ: Mapping[str, str], count: int | None = None) -> Shard:
    """This job-array task's shard (`--shard auto`); `count` (`--shard-count`) is the number of tasks of a
    Kubernetes indexed job, and a check on Slurm's. BadInput naming the variables when they do not give a
    shard in range."""

    def number(name: str) -> int | None:
        value = environ.get(name, "").strip()
        if not value:
            return None
        if not value.isdigit() or len(value) > 9:
            raise BadInput(f"--shard auto: {name}={value[:20]!r} is not a task number")
        return int(value)

    if (task := number(_SLURM + "ID")) is not None:
        low = number(_SLURM + "MIN")
        high = number(_SLURM + "MAX")
        step = number(_SLURM + "STEP") or 1
        total = number(_SLURM + "COUNT")
        if total is None and low is not None and high is not None:
            total = (high - low) // step + 1
        total = total or count
        if total is None:
            raise BadInput(
                f"--shard auto: {_SLURM}ID is set but not {_SLURM}COUNT (or MIN and MAX); "
                "give the number of tasks with --shard-count"
            )
        low = 1 if low is None else low
        index = (task - low) // step + 1
        where = f"{_SLURM}ID={task} (from {low} in steps of {step}, {total} tasks)"
        if task < low or (task - low) % step:
            raise BadInput(f"--shard auto: {where} is not a task of the array")
    elif (task := number(_K8S)) is not None:
        if count is None:
            raise BadInput(
                f"--shard auto: {_K8S} is set; give the number of tasks (the job's completions) "
                "with --shard-count"
            )
        index, total, where = task + 1, count, f"{_K8S}={task} (from 0, {count} tasks)"
    else:
        raise BadInput(
            f"--shard auto: no job array found: run it as a Slurm array task ({_SLURM}ID) or a "
            f"Kubernetes indexed job ({_K8S} with --shard-count), or give the shard as I/N"
        )
    if count is not None and count != total:
        raise BadInput(f"--shard-count {count}: the job array has {total} tasks")
    if not 1 <= total <= MAX_SHARDS:
        raise BadInput(
            f"--shard auto: {total} tasks; the number of shards must be between 1 and {MAX_SHARDS}"
        )
    if index > total:
        raise BadInput(f"--shard auto: {where}: shard {index} is out of range (1 to {total})")
    return Shard(index, total)


def resolve(spec: str | None, count: int | None, environ: Mapping[str, str]) -> str | None:
    """A `shard` setting with `auto` replaced by the job array's shard (`I/N`)."""
    if count is not None and spec != AUTO:
        raise BadInput("--shard-count goes with --shard auto")
    return str(from_environment(environ, count)) if spec == AUTO else spec
