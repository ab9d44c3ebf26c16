"""Client-side rate limits per model: requests and tokens per minute.

Each limited model has a bucket per quantity, run as a generic cell rate algorithm (GCRA): a request is
given the earliest start time at which the bucket's backlog plus its own size fits under the burst, and
the bucket drains at `(limit - burst) / 60` per second. So no closed 60-second window ever holds more
request starts (or reserved tokens) than the limit, while up to `burst` can go at once after a quiet spell
(a second's worth of requests, six seconds' worth of tokens). Waiters pass one FIFO gate per model, so
hundreds of waiting dialogues neither spin nor stampede, and a request is counted at the moment it really
leaves, not at the moment it was scheduled: when a busy event loop wakes sleepers late, they do not go
out in a clump that the server would see as over the limit.

Tokens are not known before a reply, so a request reserves its prompt's estimated tokens plus its
`max_tokens`; the reply's real usage is settled afterwards and the difference given back (all of it for
an attempt that failed without a reply). A single request larger than the token burst waits for an empty
bucket. Limits are per model name; the name `*` gives the limit of every model without its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from tutorforge.llm.base import Message, Usage

ANY_MODEL = "*"
_REQUEST_BURST_SECONDS = 1.0
_TOKEN_BURST_SECONDS = 6.0


class RateLimit(BaseModel):
    """A model's limits (`[rate_limits."MODEL"]` in a run config); either may be left out."""

    model_config = ConfigDict(extra="forbid")

    requests_per_minute: float | None = Field(default=None, gt=0)
    tokens_per_minute: float | None = Field(default=None, gt=0)


class Bucket:
    """One GCRA bucket: `limit` units per minute with a burst of `burst_seconds` worth of them."""

    def __init__(self, limit: float, burst_seconds: float) -> None:
        self.burst = max(1.0, limit * burst_seconds / 60)
        self.rate = max(limit - self.burst, limit / 2) / 60  # units drained per second
        self.tat = 0.0  # the theoretical arrival time: when the backlog would be empty

    def ready_at(self, now: float, amount: float) -> float:
        """The earliest start, from `now`, at which `amount` fits."""
        slack = (self.burst - amount) / self.rate if amount <= self.burst else 0.0
        return max(now, self.tat - slack)

    def take(self, start: float, amount: float) -> None:
        """Reserve `amount` at `start` (a time `ready_at` allowed)."""
        self.tat = max(self.tat, start) + amount / self.rate

    def give_back(self, amount: float) -> None:
        """Return `amount` reserved but not used."""
        self.tat -= amount / self.rate


@dataclass
class Ticket:
    """A reserved start: `settle` gives back the tokens the attempt did not use."""

    tokens: Bucket | None = None
    reserved: float = 0.0
    waited: float = 0.0

    def settle(self, usage: Usage | None) -> None:
        """Settle with the reply's usage, or None for an attempt that got no reply (nothing used)."""
        if self.tokens is None or self.reserved <= 0:
            return
        used = 0 if usage is None else usage.input_tokens + usage.output_tokens
        if used < self.reserved:
            self.tokens.give_back(self.reserved - used)
        self.reserved = 0.0


def estimate_tokens(messages: Sequence[Message], max_tokens: int) -> int:
    """A request's tokens before it is sent: about four characters per prompt token, plus `max_tokens`."""
    return sum(len(m.content) // 4 + 4 for m in messages) + max_tokens


class RateLimiter:
    """Waits before each request of a limited model until its start fits the model's limits.

    For use from one event loop (reservations are made without awaiting, so they need no lock)."""

    def __init__(
        self,
        limits: Mapping[str, RateLimit] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(limits or {})
        self._clock = clock
        self._buckets: dict[str, tuple[Bucket | None, Bucket | None]] = {}
        self._gates: dict[str, asyncio.Lock] = {}

    def _for(self, model: str) -> tuple[Bucket | None, Bucket | None]:
        buckets = self._buckets.get(model)
        if buckets is None:
            self._gates[model] = asyncio.Lock()
            limit = self.limits.get(model) or self.limits.get(ANY_MODEL)
            rpm = limit.requests_per_minute if limit else None
            tpm = limit.tokens_per_minute if limit else None
            buckets = (
                Bucket(rpm, _REQUEST_BURST_SECONDS) if rpm else None,
                Bucket(tpm, _TOKEN_BURST_SECONDS) if tpm else None,
            )
            self._buckets[model] = buckets
        return buckets

    async def wait(self, model: str, messages: Sequence[Message], max_tokens: int) -> Ticket:
        """Wait, in arrival order, until a request to `model` fits its limits; the ticket settles tokens."""
        if not self.limits:
            return Ticket()
        requests, tokens = self._for(model)
        if requests is None and tokens is None:
            return Ticket()
        amount = estimate_tokens(messages, max_tokens) if tokens else 0
        gate = self._gates[model]
        began, queued = self._clock(), gate.locked()
        async with gate:
            while True:
                now = self._clock()
                start = now
                if requests:
                    start = requests.ready_at(start, 1)
                if tokens:
                    start = tokens.ready_at(start, amount)
                if start <= now:
                    break
                queued = True
                await asyncio.sleep(start - now)
            # counted at the real departure (`now`), which a late wake-up only moves later
            if requests:
                requests.take(now, 1)
            if tokens:
                tokens.take(now, amount)
        return Ticket(tokens, amount, now - began if queued else 0.0)


NO_LIMITS = RateLimiter()
