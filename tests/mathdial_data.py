"""MathDial's test split (../shared/data/mathdial, CC BY-SA 4.0), by qid, for tests on real dialogues."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

MATHDIAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "mathdial" / "test.jsonl"
needs_mathdial = pytest.mark.skipif(not MATHDIAL.exists(), reason="../shared/data/mathdial is absent")


@cache
def mathdial_rows() -> dict[int, dict]:
    """Every row by qid; empty when ../shared is absent."""
    if not MATHDIAL.exists():
        return {}
    return {r["qid"]: r for r in map(json.loads, MATHDIAL.open(encoding="utf-8"))}
