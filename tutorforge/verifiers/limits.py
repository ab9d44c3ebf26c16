"""Size, depth and time limits applied before any parsing or arithmetic."""

from __future__ import annotations

# Problem statements and reference answers have their caps in `tutorforge.problems.limits`: the verifier
# reads the head and tail of a longer problem and does not parse a longer answer.
MAX_TURN_CHARS = 50_000  # longer turns (as written or once normalised) are not scanned: `unverifiable`
MAX_NUMBER_DIGITS = 1_000  # digits in one written number; a longer one leaves its turn `unverifiable`
MAX_CLAIMS = 200  # claims past this count in one turn are not checked
MAX_LINKS = 400  # links (`a = b`) checked in one turn, over all its claims; past it: `unverifiable`
MAX_SIDE_TOKENS = 400  # tokens in one side of an equation
MAX_DEPTH = 40  # nesting of parentheses, fractions and function calls
MAX_LATEX_CHARS = 2_000  # one LaTeX side sent to latex2sympy
MAX_EXPONENT = 10_000  # |n| in a**n with a rational base
MAX_BITS = 20_000  # size of any exact intermediate (numerator or denominator)
MAX_FACTORIAL = 1_000  # n! is computed only for n up to this
MAX_IR_NODES = 2_000  # nodes in a parsed expression
MAX_ALTERNATIVES = 16  # values one side or one answer stands for (each `±` doubles them; `or` adds one)
MAX_SYMBOLIC_CLAIMS = 8  # claims per turn sent to the worker pool
DEFAULT_TIMEOUT = 2.0  # seconds per claim in the worker pool
WORKER_STARTUP_TIMEOUT = 60.0  # seconds for a worker to import sympy and report ready
WORKER_MEMORY_BYTES = 2 * 1024**3  # address-space limit of a worker process

# Why a claim was not checked, from its flag's detail: the first phrase found names the cause.
_CAUSES = (
    ("timed out", "claim timed out"),
    ("number too long", "number too long"),
    ("turn too long", "turn too long"),
    ("NUL character", "NUL character"),
    ("alternatives", "too many alternatives"),
    ("more than", "too many claims"),
    ("nest", "nested too deeply"),
    ("too large", "number too large"),
    ("size", "past a size limit"),
)


def unverifiable_cause(detail: str) -> str:
    """A short cause for an `unparseable` flag's detail: "claim timed out", "number too long", ..."""
    for phrase, cause in _CAUSES:
        if phrase in detail:
            return cause
    return "claim not read"
