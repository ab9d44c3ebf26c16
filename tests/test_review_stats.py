"""Review figures: decisions by reviewer, agreement with the verifier, the audit estimate (Wilson)."""

from __future__ import annotations

from pathlib import Path

import pytest
import review_corpus
from factories import run_cli

from tutorforge.quality.stats import compute_stats
from tutorforge.review.figures import Z95, wilson_interval
from tutorforge.review.queue import ReviewSession
from tutorforge.storage.store import Store


@pytest.mark.parametrize(("k", "n"), [(1, 4), (3, 10), (17, 40), (250, 1000)])
def test_wilson_endpoints_solve_the_score_equation(k: int, n: int) -> None:
    low, high = wilson_interval(k, n)
    p = k / n
    assert low < p < high
    for end in (low, high):  # the score test is exactly at z on both ends
        assert (p - end) ** 2 == pytest.approx(Z95**2 * end * (1 - end) / n, rel=1e-9)
    wider = wilson_interval(k, n // 2) if k % 2 == 0 and n % 2 == 0 else None
    if wider:
        assert wider[1] - wider[0] > high - low


def test_wilson_at_the_edges() -> None:
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 10)[1] == pytest.approx(Z95**2 / (10 + Z95**2))
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(10, 10)[0] == pytest.approx(10 / (10 + Z95**2))


def test_figures_from_decisions(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    ids = review_corpus.build(path)
    with Store.open(path) as store:
        ana, bo = ReviewSession(store, "ana"), ReviewSession(store, "[/bo]")
        t1, t2, t3 = ids["teacher_error"]
        ana.reject(t1, "teacher error")  # flagged, and the reviewer agrees
        bo.approve(t2)  # flagged, the reviewer overrules the verifier
        ana.edit(ids["wrong_final_answer"][0], 7, "The answer is 13.")
        ana.approve(ids["wrong_final_answer"][0])  # flagged, fixed by an edit: a problem found
        bo.edit(ids["audit"][0], 2, "A better hint.")
        bo.approve(ids["audit"][0])  # clean to the verifier, but the reviewer fixed something
        ana.undo(ana.approve(t3))  # undone: not a decision
        ana.note(t3, "come back to this")
        stats = compute_stats(store)
    review = stats["review"]
    assert review["decisions_by_reviewer"] == {
        "ana": {"approved": 2, "rejected": 1, "edited": 1, "note": 1, "undone": 1},
        "[/bo]": {"approved": 2, "rejected": 0, "edited": 1, "note": 0, "undone": 0},
    }
    agreement = review["agreement"]
    assert (agreement["decided"], agreement["both_found_a_problem"], agreement["verifier_only"]) == (4, 2, 1)
    assert (agreement["reviewer_only"], agreement["neither"], agreement["share"]) == (1, 0, 0.5)
    assert agreement["by_reviewer"] == {
        "ana": {"decided": 2, "agreed": 2, "share": 1.0},
        "[/bo]": {"decided": 2, "agreed": 0, "share": 0.0},
    }
    assert agreement["by_reason"]["teacher_error"] == {"decided": 2, "problem_found": 1, "share": 0.5}
    audit = review["audit"]
    assert (audit["sampled"], audit["decided"], audit["problems_found"], audit["error_rate"]) == (
        1,
        1,
        1,
        1.0,
    )
    assert audit["interval_95"] == [round(x, 4) for x in wilson_interval(1, 1)]
    assert audit["auto_approved"] == 1  # the clean one; the failed one is not counted
    assert audit["estimated_errors_in_auto_approved"] == [round(x) for x in audit["interval_95"]]
    code, out, _ = run_cli("stats", "--db", str(path))
    assert code == 0
    for heading in (
        "Review decisions by reviewer",
        "[/bo]",
        "Reviewers and the verifier",
        "Audit of auto-approved",
    ):
        assert heading in out


def test_an_unreviewed_corpus_has_empty_figures(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    review_corpus.build(path)
    with Store.open(path) as store:
        review = compute_stats(store)["review"]
    assert review["decisions_by_reviewer"] == {} and review["agreement"]["decided"] == 0
    assert review["agreement"]["share"] is None and review["agreement"]["kappa"] is None
    assert review["audit"]["interval_95"] is None and review["audit"]["sampled"] == 1
