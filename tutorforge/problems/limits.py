"""Size caps on problems read from files (the verifier reads problems and answers within the same caps)."""

from __future__ import annotations

# a problem statement, and a worked solution (GSM8K's `answer`, MathDial's `ground_truth`)
MAX_PROBLEM_CHARS = 10_000
MAX_ANSWER_CHARS = 2_000  # a final answer
