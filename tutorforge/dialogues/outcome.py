"""What the dialogues a `generate` command saved say about it: failures grouped by cause, dialogues the
cost budget stopped, whether the server refused the credentials, and what their LLM calls cost."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tutorforge.storage.record import DialogueRecord

AUTH_ERRORS = ("http_401", "http_403")
BUDGET_STOP = "BudgetReached:"  # the error of a dialogue whose next call did not fit the budget
# "teacher call to openai/gpt-4o failed after 3 attempt(s): http_500: ..." (llm.calls.CallFailed)
_CALL_FAILED = re.compile(r"CallFailed: \w+ call to (\S+) failed after \d+ attempt\(s\): ")


def refused_credentials(record: DialogueRecord) -> bool:
    """Whether the dialogue failed because the server refused the key (401) or its permissions (403):
    every other dialogue would fail the same way."""
    return record.status == "failed" and any(
        call.get("status") == "failed" and str(call.get("error", "")).startswith(AUTH_ERRORS)
        for call in record.usage.get("calls", ())
    )


def failure_cause(error: str) -> str:
    """A failed dialogue's error without what differs between dialogues failing the same way (the role,
    the number of attempts), so that they group."""
    found = _CALL_FAILED.match(error)
    cause = f"{error[found.end() :]} ({found[1]})" if found else error
    return cause[:300] or "unknown error"


@dataclass
class Outcome:
    """Fed every batch of saved dialogues (`add`)."""

    failed: int = 0  # failures, not counting the dialogues the budget stopped
    budget_stopped: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    refused: bool = False
    spent: float = 0.0

    def add(self, records: Sequence[DialogueRecord]) -> None:
        for record in records:
            self.spent += sum(call.get("cost_usd", 0.0) for call in record.usage.get("calls", ()))
            if record.status == "failed" and record.error.startswith(BUDGET_STOP):
                self.budget_stopped += 1
            elif record.status == "failed":
                self.failed += 1
                self.failures[failure_cause(record.error)] += 1
                self.refused = self.refused or refused_credentials(record)

    def causes(self, shown: int = 5) -> list[str]:
        """The failures by cause, the most frequent first: `  N dialogue(s): cause` under a heading."""
        common = self.failures.most_common()
        lines = [f"  {n} dialogue{'s' if n > 1 else ''}: {cause}" for cause, n in common[:shown]]
        if len(common) > shown:
            lines.append(f"  {sum(n for _, n in common[shown:])} more, of {len(common) - shown} other causes")
        return ["failed dialogues, by cause:", *lines]

    def failed_line(self, command: str) -> str:
        """How many failed, and the command that resumes the run."""
        return (
            f"{self.failed} dialogue{'s' if self.failed > 1 else ''} failed (stored as failed, not "
            f"exported); once the cause is fixed, resume with: {command}"
        )

    def stopped_early(self, not_started: int, max_cost: float | None) -> str:
        """Why the run started fewer dialogues than planned: refused credentials, or the cost budget (with
        the dialogues in flight it stopped and what this command spent)."""
        if self.refused or not max_cost:
            return (
                f"stopped early: the server refused the credentials (401/403); {not_started} dialogues "
                "not started"
            )
        stopped = ""
        if self.budget_stopped:
            stopped = (
                f", {self.budget_stopped} stopped in flight (their next call would not fit; stored as "
                "failed, redone by a rerun)"
            )
        return (
            f"cost budget of ${max_cost:g} reached: {not_started} dialogues not started{stopped}; "
            f"${self.spent:.4f} spent by this command; rerun to continue"
        )
