"""Progress of a batch: a rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tutorforge.storage.record import DialogueRecord


class BatchProgress:
    """Counts done, flagged (pending review) and failed dialogues; shows rate and ETA."""

    def __init__(self, total: int, done: int, *, console: Console | None = None) -> None:
        self.total, self.done, self.new = total, done, 0
        self.flagged = self.failed = 0
        self.console = console or Console(stderr=True)
        self.tty = self.console.is_terminal
        self.started = time.monotonic()
        self._last_line = 0.0
        self._bar: Progress | None = None
        self._task = None

    def __enter__(self) -> BatchProgress:
        if self.tty:
            self._bar = Progress(
                TextColumn("[bold]generate"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("flagged {task.fields[flagged]}  failed {task.fields[failed]}"),
                TextColumn("{task.fields[rate]:.1f}/s"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                "", total=self.total, completed=self.done, flagged=0, failed=0, rate=0.0
            )
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.new:
            self._line()

    @property
    def rate(self) -> float:
        return self.new / max(time.monotonic() - self.started, 1e-9)

    def update(self, records: Sequence[DialogueRecord]) -> None:
        self.new += len(records)
        self.done += len(records)
        self.flagged += sum(r.review_status == "pending" and r.status == "complete" for r in records)
        self.failed += sum(r.status == "failed" for r in records)
        if self._bar is not None:
            self._bar.update(
                self._task, completed=self.done, flagged=self.flagged, failed=self.failed, rate=self.rate
            )
        elif time.monotonic() - self._last_line >= 5.0:
            self._line()

    def _line(self) -> None:
        self._last_line = time.monotonic()
        left = self.total - self.done
        eta = left / self.rate if self.rate else 0.0
        print(
            f"generate: {self.done}/{self.total} done, {self.flagged} flagged, {self.failed} failed, "
            f"{self.rate:.1f}/s, eta {eta:.0f}s",
            file=sys.stderr,
            flush=True,
        )
