"""Client-side rate limits: no window holds more starts (or tokens) than the limit allows, against the
real fake server over HTTP as well as on the bucket's own schedule."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import time
from bisect import bisect_right

import pytest

from tutorforge.llm.base import Message, Usage
from tutorforge.llm.fake_server import FakeConfig, start_fake_server
from tutorforge.llm.ratelimit import Bucket, RateLimit, RateLimiter, estimate_tokens

# The limiter counts a request when it leaves the limiter; what the server sees is when it arrives. The
# gap is a few ms in steady state but not for the run's first burst, which leaves at once while the event
# loop is starting every dialogue and opens a connection per request: it reaches the server late (24 ms
# on a quiet machine, up to 0.3 s beside other test processes), so its arrivals bunch with the requests
# that left after it and the run's span as the server sees it is shorter than the limiter's. Allowed: the
# requests of half a second more. A limiter with twice the rate, or twice the burst, still fails.
SEND_JITTER = 0.5


def most_in_window(starts: list[tuple[float, float]], width: float) -> float:
    """The largest total amount started within any closed window [t, t + width]."""
    times = [t for t, _ in starts]
    prefix = [0.0]
    for _, amount in starts:
        prefix.append(prefix[-1] + amount)
    return max(prefix[bisect_right(times, t + width)] - prefix[i] for i, t in enumerate(times))


@pytest.mark.parametrize(
    ("limit", "burst_seconds"), [(1, 1.0), (2, 1.0), (60, 1.0), (500, 1.0), (90_000, 6.0)]
)
def test_no_minute_holds_more_than_the_limit(limit, burst_seconds):
    """The bucket's schedule under a greedy load of random sizes and random gaps, on a virtual clock."""
    rng = random.Random(limit)
    bucket = Bucket(limit, burst_seconds)
    now, starts = 0.0, []
    for _ in range(3000):
        now += rng.choice([0.0, 0.0, rng.uniform(0, 120 / limit), rng.uniform(0, 5)])
        amount = 1 if burst_seconds == 1.0 else rng.randint(1, int(bucket.burst))
        start = bucket.ready_at(now, amount)
        assert start >= now
        bucket.take(start, amount)
        starts.append((start, amount))
        if burst_seconds > 1 and rng.random() < 0.5:  # the reply used fewer tokens than were reserved
            used = rng.randint(0, amount)
            bucket.give_back(amount - used)
            starts[-1] = (start, used)
    starts.sort()
    assert most_in_window(starts, 60.0) <= limit + 1e-6
    # and the limit is used, not wasted: under a saturating load, a minute holds close to the limit
    greedy = Bucket(limit, burst_seconds)
    amount = 1 if burst_seconds == 1.0 else int(greedy.burst) // 3
    in_first_minute = 0
    for _ in range(int(3 * limit / amount) + 3):
        start = greedy.ready_at(0.0, amount)
        greedy.take(start, amount)
        in_first_minute += amount if start <= 60.0 else 0
    assert in_first_minute <= limit
    assert in_first_minute >= (0.45 if limit < 3 else 0.95) * limit


async def test_waits_are_real_and_in_arrival_order():
    limiter = RateLimiter({"m": RateLimit(requests_per_minute=6000)})  # 100 per second, a burst of 100
    began = time.monotonic()
    starts: list[float] = []

    async def one() -> None:
        ticket = await limiter.wait("m", [Message("user", "hi")], 10)
        starts.append(time.monotonic() - began)
        ticket.settle(Usage(3, 4))

    await asyncio.gather(*(one() for _ in range(160)))
    assert len(starts) == 160
    assert starts == sorted(starts)
    assert max(starts[:100]) < 0.3  # the burst goes at once
    assert starts[-1] >= 0.55  # the next 60 wait for the bucket (about 0.6 s)
    # a model without a limit, and a limiter without limits, never wait
    assert (await limiter.wait("other", [], 10)).waited == 0
    assert (await RateLimiter().wait("m", [], 10)).waited == 0


async def test_token_limit_counts_the_estimate_and_gives_back_the_unused():
    limiter = RateLimiter({"*": RateLimit(tokens_per_minute=60_000)})  # a burst of 6000 tokens
    messages = [Message("system", "x" * 400), Message("user", "y" * 400)]
    estimate = estimate_tokens(messages, 1000)
    assert estimate == 1208
    first = [await limiter.wait("m", messages, 1000) for _ in range(4)]  # 4832 of 6000: no wait
    assert all(t.waited == 0 for t in first)
    for ticket in first:
        ticket.settle(Usage(200, 100))  # the replies were short: most of the reservation comes back
    assert (await limiter.wait("m", messages, 1000)).waited == 0
    blocked = RateLimiter({"m": RateLimit(tokens_per_minute=60_000)})
    for _ in range(4):
        await blocked.wait("m", messages, 1000)  # never settled: the bucket stays full
    started = time.monotonic()
    late = await blocked.wait("m", messages, 1000)
    assert late.waited > 0.03 and time.monotonic() - started >= late.waited * 0.9


@pytest.mark.slow
def test_generate_keeps_under_the_limit_against_the_fake_server(tmp_path):
    """`generate` runs in its own process: the server thread stamps arrivals without waiting for our GIL."""
    rpm = 1200  # 20 per second, a burst of 20
    config = tmp_path / "run.toml"
    config.write_text(
        'n = 24\nseed = 3\nbackend = "openai"\nmax_turns = 8\nconcurrency = 24\n'
        '[models]\nteacher = "limited"\nstudent = "free"\ncritic = "limited"\n'
        f"[rate_limits.limited]\nrequests_per_minute = {rpm}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-ratelimit-0000000000"}
    with start_fake_server(FakeConfig(latency=0.005, teacher_turns=3, seed=1)) as server:
        done = subprocess.run(
            [sys.executable, "-m", "tutorforge.cli", "generate", "--config", str(config)]
            + ["--base-url", server.url + "/v1", "--db", str(tmp_path / "c.db")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        entries = list(server.log.entries)
    limited = sorted(t for t, model, _ in entries if model == "limited")
    free = sorted(t for t, model, _ in entries if model == "free")
    assert len(limited) >= 100 and free
    burst, rate = rpm / 60, (rpm - rpm / 60) / 60
    starts = [(t, 1.0) for t in limited]
    for width in (0.25, 0.5, 1.0, 2.0):
        assert most_in_window(starts, width) <= burst + rate * (width + SEND_JITTER), width
    span = limited[-1] - limited[0]
    assert len(limited) <= burst + rate * (span + SEND_JITTER)
    # while the run is busy the limiter lets the rate through, it does not starve the run
    assert most_in_window(starts, 2.0) >= 0.7 * rate * 2
    with sqlite3.connect(tmp_path / "c.db") as con:
        assert con.execute("SELECT count(*) FROM dialogues WHERE status = 'complete'").fetchone()[0] == 24
