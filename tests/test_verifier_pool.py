"""The worker pool: lazy, killed and respawned on timeout, safe from threads, forks and daemonic
multiprocessing workers (the batch runner's own pool)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tutorforge.verifiers import VerifyContext, close, pool, verify_turn

ROOT = Path(__file__).resolve().parents[1]
SLOW = {"latex": "\\binom{10000000}{5000000}"}  # sympy computes a 3-million-digit number
NEEDS_SYMPY = "$\\binom{5}{2} = 11$"  # outside the in-process LaTeX subset


@pytest.fixture(scope="module", autouse=True)
def _pool():
    close()
    yield
    close()


def _check_needs_sympy() -> str:
    # a generous timeout: these tests are about where the work runs, not how fast a loaded machine is
    verdict = verify_turn(NEEDS_SYMPY, "student", VerifyContext("Compute.", None), timeout=30.0)
    return ",".join(f.kind for f in verdict.flags)


def test_pool_is_not_started_for_numeric_claims():
    code = (
        "from tutorforge.verifiers import VerifyContext, verify_turn, pool\n"
        "ctx = VerifyContext('Solve 3x + 5 = 20.', 'x = 5', ['x'])\n"
        "turns = ['3x = 15', 'x = 15/3 = 5', '1/3 + 1/4 = 7/12', 'd/dx x^3 = 3x^2']\n"
        "turns.append('$\\\\frac{1}{2} = 0.5$')\n"
        "for t in turns:\n"
        "    verify_turn(t, 'student', ctx)\n"
        "print(pool._pool is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_timeout_kills_the_worker_and_the_next_call_gets_a_new_one():
    p = pool.WorkerPool(1)
    try:
        assert p.call("ping", {}, 30.0) == {"pong": True}
        (worker,) = p._live
        start = time.monotonic()
        assert p.call("latex", SLOW, 0.5) is None
        assert time.monotonic() - start < 3.0
        assert worker.proc.poll() is not None  # killed, not left running
        assert p.timeouts == 1
        assert p.call("ping", {}, 30.0) == {"pong": True}
        assert p.started == 2
    finally:
        p.close()


def test_runaway_claim_is_unverifiable_within_its_timeout():
    verify_turn(NEEDS_SYMPY, "student", VerifyContext("Compute.", None))  # start the worker first
    start = time.monotonic()
    verdict = verify_turn(
        "$\\binom{10000000}{5000000} = 1$", "student", VerifyContext("p", None), timeout=0.5
    )
    assert time.monotonic() - start < 3.0
    assert verdict.status == "unverifiable"
    assert _check_needs_sympy() == "false_arithmetic"  # the pool recovered


def test_threads_share_the_pool():
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(_check_needs_sympy())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == ["false_arithmetic"] * 4


def _child(_: int) -> str:
    return _check_needs_sympy()


@pytest.mark.parametrize("method", ["fork", pytest.param("spawn", marks=pytest.mark.slow)])
def test_works_inside_a_daemonic_multiprocessing_worker(method):
    assert _check_needs_sympy() == "false_arithmetic"  # the parent has a live pool when it forks
    with multiprocessing.get_context(method).Pool(2) as mp:
        assert mp.map(_child, range(4)) == ["false_arithmetic"] * 4


def test_close_is_idempotent_and_the_pool_restarts():
    assert _check_needs_sympy() == "false_arithmetic"
    close()
    close()
    assert pool._pool is None
    assert _check_needs_sympy() == "false_arithmetic"
