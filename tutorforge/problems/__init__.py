"""Problem sources: seeded sympy-backed generators per family, and file importers (JSONL, CSV, MathDial)."""

from tutorforge.problems.generators import FAMILIES, MISCONCEPTION_FAMILIES, problem_from_seed, sample_problem
from tutorforge.problems.importers import load_problems
from tutorforge.problems.model import Problem, Step, Variant

__all__ = [
    "FAMILIES",
    "MISCONCEPTION_FAMILIES",
    "Problem",
    "Step",
    "Variant",
    "load_problems",
    "problem_from_seed",
    "sample_problem",
]
