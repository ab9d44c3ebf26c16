"""The hand-labelled suite: every must-flag turn raises its flags, every must-not-flag turn raises none."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tutorforge.verifiers import PriorTurn, VerifyContext, close, verify_turn

_spec = importlib.util.spec_from_file_location(
    "verifier_cases", Path(__file__).parent / "data" / "verifier_cases.py"
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def _verdict(context: str, role: str, text: str, prior: str):
    problem, answer, unknowns = cases.CONTEXTS[context]
    history = [PriorTurn("student", prior)] if prior else []
    return verify_turn(text, role, VerifyContext(problem, answer, list(unknowns), history))


def test_suite_size_and_balance():
    flagged = [c for c in cases.CASES if c[4] not in ("", "unverifiable")]
    assert len(cases.CASES) >= 300
    assert len({c[0] for c in cases.CASES}) == len(cases.CASES)
    assert 100 <= len(flagged) <= len(cases.CASES) - 100


@pytest.mark.parametrize("case", cases.CASES, ids=[c[0] for c in cases.CASES])
def test_case(case):
    _, context, role, text, expect, prior = case
    verdict = _verdict(context, role, text, prior)
    errors = {f.kind for f in verdict.flags if f.severity == "error"}
    kinds = {f.kind for f in verdict.flags}
    if expect == "":
        assert not errors, [f.to_dict() for f in verdict.flags]
        assert "reveals_answer" not in kinds
        assert verdict.status in ("ok", "no_claims")
    elif expect == "unverifiable":
        assert not errors and verdict.status == "unverifiable"
    else:
        wanted = set(expect.split("+"))
        assert wanted <= kinds, [f.to_dict() for f in verdict.flags]
        if wanted == {"reveals_answer"}:
            assert not errors
        else:
            assert verdict.status == "error"
    for f in verdict.flags:  # every flag points at the text it is about
        a, b = f.span
        assert 0 <= a <= b <= len(text)
        assert text[a:b] == f.claim[: b - a] or f.claim == ""
