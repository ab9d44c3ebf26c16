"""The verifier: eval-free, time-bounded checks of every math claim in a turn.

`verify_turn(text, role, ctx)` returns a `TurnVerdict` whose flags point at the exact span of the
turn they are about. Numeric claims are checked in-process with exact rationals; symbolic work
(LaTeX outside the common subset, simplification, math-verify) runs in a lazy pool of killable
worker processes, which `close()` shuts down.
"""

from __future__ import annotations

from tutorforge.verifiers.pool import close_pool
from tutorforge.verifiers.types import Flag, PriorTurn, TurnVerdict, VerifyContext
from tutorforge.verifiers.verify import verify_turn

__all__ = ["Flag", "PriorTurn", "TurnVerdict", "VerifyContext", "VERIFIER_VERSION", "verify_turn", "close"]

VERIFIER_VERSION = "0.3.1"


def close() -> None:
    """Shut down the worker pool if one was started (safe to call twice)."""
    close_pool()
