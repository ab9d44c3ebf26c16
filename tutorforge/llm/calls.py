"""The one retry layer: every LLM call goes through `Caller.call`.

The SDKs' own retries are off (`max_retries=0`), so the attempts of a call are ours alone. A call:

1. looks the request up in the response cache (a hit is free);
2. refuses to start (BudgetReached) when the calls so far, plus the most the calls in flight and this one
   can cost (every prompt byte a token, every allowed output token used), would pass `budget` USD, so a
   budget is not overrun by the calls in flight (only a retried unusable reply can add to its call);
3. tries up to `RetryPolicy.attempts` times, each attempt first waiting for the model's client-side rate
   limit (`ratelimit.RateLimiter`), then bounded by `RetryPolicy.timeout`; 408, 429, 5xx
   and 529 replies, timeouts, connection errors and malformed responses are retried after an exponential
   backoff with jitter, or after the server's `retry-after-ms` / `retry-after` when it sends one;
4. cleans each reply (see `hygiene`): replies over `hygiene.MAX_REPLY_CHARS` or holding NUL (at once,
   without a backoff), empty replies and refusals are retried, role leaks cut, replies cut off at the token
   limit trimmed and flagged;
5. returns the text with a call record (a JSON-able dict for the `llm_calls` table), or raises
   `CallFailed` carrying the record of the failed call.

Call record fields: backend, model, role, input_tokens, output_tokens, cached_tokens, latency_s, cost_usd,
priced, price_source (override | genai-prices | "" when unpriced or a cache hit), status (ok | retried |
failed), attempts, error, issues (what went wrong on the way, in order), finish_reason, cache_hit,
response_id. Errors are scrubbed of keys.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from tutorforge.llm.base import CALL_LOG, Backend, Message, Reply, Schema, Usage
from tutorforge.llm.cache import ResponseCache, cache_key
from tutorforge.llm.failures import AttemptError, BudgetReached, CallFailed, scrub
from tutorforge.llm.hygiene import UNUSABLE, clean_reply
from tutorforge.llm.pricing import PriceTable
from tutorforge.llm.ratelimit import NO_LIMITS, RateLimiter

# Unusable replies retried without a backoff: the server answered, waiting would not change the reply.
_AT_ONCE = ("too_long", "nul")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff and jitter; `timeout` bounds each attempt (seconds)."""

    attempts: int = 5
    timeout: float = 120.0
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None and retry_after > 0:
            return min(retry_after, self.max_retry_after) * rng.uniform(1.0, 1.1)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(ceiling / 2, ceiling)


@dataclass
class RoleModel:
    """What one role talks to: a backend, a model and its sampling parameters."""

    backend: Backend
    model: str
    temperature: float = 0.7
    max_tokens: int = 512


@dataclass
class _Attempts:
    usage: Usage = field(default_factory=Usage)
    count: int = 0
    issues: list[str] = field(default_factory=list)
    error: str = ""
    finish_reason: str = ""
    response_id: str = ""
    model: str = ""
    hold: float = 0.0  # USD reserved under the budget until the call is recorded

    def add(self, reply: Reply) -> None:
        for name in ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens"):
            setattr(self.usage, name, getattr(self.usage, name) + getattr(reply.usage, name))
        self.finish_reason, self.response_id, self.model = reply.finish_reason, reply.raw_id, reply.model


class Caller:
    """Makes calls with retries, hygiene, caching and cost accounting."""

    def __init__(
        self,
        *,
        cache: ResponseCache | None = None,
        prices: PriceTable | None = None,
        policy: RetryPolicy | None = None,
        seed: int | None = None,
        budget: float | None = None,
        limiter: RateLimiter = NO_LIMITS,
    ) -> None:
        self.cache = cache
        self.limiter = limiter
        self.prices = prices or PriceTable()
        self.policy = policy or RetryPolicy()
        self.budget = budget
        self.spent = 0.0
        self.held = 0.0  # the most the calls in flight can still cost
        self.refused = False
        self._rng = random.Random(seed)

    @property
    def over_budget(self) -> bool:
        """True once the calls made so far cost `budget` USD or more, or a call was refused for the budget."""
        return self.budget is not None and (self.refused or self.spent >= self.budget)

    def _hold(self, target: RoleModel, messages: list[Message]) -> float:
        """Reserve the most this call can cost under the budget (BudgetReached when it does not fit)."""
        if self.budget is None:
            return 0.0
        prompt = sum(len(m.content.encode()) + 8 for m in messages)  # a token is at least one byte
        worst = self.prices.cost(target.model, Usage(input_tokens=prompt, output_tokens=target.max_tokens))
        hold = worst[0] if worst else 0.0
        if self.spent + self.held + hold > self.budget:
            self.refused = True
            raise BudgetReached(
                f"the budget of ${self.budget:g} is spent (${self.spent:.4f}, ${self.held:.4f} in flight)"
            )
        self.held += hold
        return hold

    async def call(
        self,
        role: str,
        target: RoleModel,
        messages: list[Message],
        *,
        sample: str = "",
        own: list[str] | None = None,
        others: list[str] | None = None,
        prose: bool = True,
        schema: Schema | None = None,
    ) -> tuple[str, dict]:
        """The cleaned reply text and its call record; raises CallFailed when every attempt failed.
        With a `schema` the backend asks for structured output (see `Backend.reply`)."""
        started = time.monotonic()
        backend = target.backend
        key = ""
        if self.cache is not None and self.cache.enabled:
            request = {
                "backend": backend.name,
                "endpoint": getattr(backend, "endpoint", ""),
                "model": target.model,
                "messages": [[m.role, m.content] for m in messages],
                "max_tokens": target.max_tokens,
                "temperature": target.temperature,
                "sample": sample,
                "prose": prose,
            }
            if schema is not None:  # only when set, so the keys of earlier calls stay the same
                request["schema"] = [schema.name, schema.schema]
            key = cache_key(request)
            hit = self.cache.get(key)
            if hit is not None:
                state = _Attempts(issues=list(hit["issues"]), finish_reason=hit["finish_reason"])
                state.response_id, state.model = hit["response_id"], hit["model"]
                record = self._record(role, target, state, started, "ok", cache_hit=True)
                return hit["text"], record
        hold = self._hold(target, messages)
        state = _Attempts(hold=hold)
        while True:
            state.count += 1
            retry_after: float | None = None
            # waiting for the model's rate limit happens before the attempt's own timeout starts
            ticket = await self.limiter.wait(target.model, messages, target.max_tokens)
            try:
                async with asyncio.timeout(self.policy.timeout):
                    reply = await backend.reply(
                        messages,
                        model=target.model,
                        max_tokens=target.max_tokens,
                        temperature=target.temperature,
                        schema=schema,
                    )
            except AttemptError as exc:
                ticket.settle(None)
                kind, retryable, retry_after, message = exc.kind, exc.retryable, exc.retry_after, str(exc)
                state.issues.append(kind)
            except TimeoutError:
                kind, retryable, message = "timeout", True, f"no reply within {self.policy.timeout:g} s"
                state.issues.append(kind)
            else:
                ticket.settle(reply.usage)
                state.add(reply)
                cleaned = clean_reply(reply.text, reply.finish_reason, own or [], others or [], prose=prose)
                state.issues.extend(cleaned.issues)
                if cleaned.usable:
                    status = "ok" if state.count == 1 else "retried"
                    record = self._record(role, target, state, started, status)
                    if key:
                        entry = {
                            "text": cleaned.text,
                            "issues": cleaned.issues,
                            "finish_reason": state.finish_reason,
                            "response_id": state.response_id,
                            "model": state.model,
                        }
                        self.cache.put(key, backend.name, target.model, entry)
                    return cleaned.text, record
                kind = next(k for k in UNUSABLE if k in cleaned.issues)
                retryable, message = True, f"unusable reply ({kind})"
            state.error = scrub(f"{kind}: {message}")[:500]
            if not retryable or state.count >= self.policy.attempts:
                break
            if kind not in _AT_ONCE:
                await asyncio.sleep(self.policy.delay(state.count, retry_after, self._rng))
        record = self._record(role, target, state, started, "failed")
        raise CallFailed(
            f"{role} call to {backend.name}/{target.model} failed after {state.count} attempt(s): "
            f"{state.error}",
            [record],
        )

    def _record(
        self,
        role: str,
        target: RoleModel,
        state: _Attempts,
        started: float,
        status: str,
        *,
        cache_hit: bool = False,
    ) -> dict:
        priced = None if cache_hit else self._cost(target.model, state)
        cost, source = priced or (0.0, "")
        self.spent += cost
        self.held -= state.hold
        record = {
            "backend": target.backend.name,
            "model": target.model,
            "role": role,
            "input_tokens": state.usage.input_tokens,
            "output_tokens": state.usage.output_tokens,
            "cached_tokens": state.usage.cached_tokens,
            "latency_s": round(time.monotonic() - started, 4),
            "cost_usd": round(cost, 8),
            "priced": cache_hit or priced is not None,
            "price_source": source,
            "status": status,
            "attempts": state.count,
            "error": state.error,
            "issues": state.issues,
            "finish_reason": state.finish_reason,
            "cache_hit": cache_hit,
            "response_id": state.response_id,
        }
        if (log := CALL_LOG.get()) is not None:
            log.append(record)
        return record

    def _cost(self, model: str, state: _Attempts) -> tuple[float, str] | None:
        """(USD, price source) for the attempts, priced as the requested model, else as the model the
        server named."""
        cost = self.prices.cost(model, state.usage)
        if cost is None and state.model and state.model != model:
            cost = self.prices.cost(state.model, state.usage)
        return cost
