"""MinHash and LSH: a planted near-duplicate pair is found, a distinct pair is not, estimates are close."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tutorforge.quality.diversity import jaccard, shingles
from tutorforge.quality.minhash import MinHasher, NearDuplicateIndex, lsh_params
from tutorforge.quality.tokens import TokenHasher, TokenPage
from tutorforge.quality.views import DialogueView, TurnView


def words(seed: int, n: int = 200) -> list[str]:
    rng = random.Random(seed)
    return [f"w{rng.randrange(2000)}" for _ in range(n)]


def view(dialogue_id: str, text: list[str]) -> DialogueView:
    half = len(text) // 2
    turns = (TurnView("teacher", " ".join(text[:half])), TurnView("student", " ".join(text[half:])))
    return DialogueView(dialogue_id=dialogue_id, answer="", problem="", turns=turns)


def shingle_sets(views: list[DialogueView]) -> list[set[int]]:
    keys, owner = shingles(TokenPage.build(views, TokenHasher()))
    return [set(keys[owner == d].tolist()) for d in range(len(views))]


def test_planted_near_duplicate_is_found_and_distinct_pairs_are_not() -> None:
    base = words(1)
    edited = base.copy()
    edited[-1] = "changed"  # two 3-grams of about 200 differ
    views = [view("a", base), view("b", words(2)), view("c", edited), view("d", words(3))]
    truth = shingle_sets(views)
    assert jaccard(truth[0], truth[2]) > 0.95 and jaccard(truth[0], truth[1]) < 0.1
    index = NearDuplicateIndex(0.9)
    index.add_page(["a", "b"], TokenPage.build(views[:2], TokenHasher()))  # pages are independent
    index.add_page(["c", "d"], TokenPage.build(views[2:], TokenHasher()))
    found = index.find()
    assert list(found.pairs) == [(0, 2)]
    assert found.clusters == [[0, 2]]
    assert found.dropped() == {"c"}  # the first of the cluster is kept
    f = found.figures()
    assert (f["pairs"], f["clusters"], f["in_clusters"], f["dropped_by_dedup"]) == (1, 1, 2, 1)
    assert f["examples"] == [{"keep": "a", "drop": ["c"], "similarity": found.pairs[0, 2]}]


def test_clusters_join_chains_and_keep_the_earliest() -> None:
    base = words(5)
    copies = [view(f"x{i}", base) for i in range(4)]
    index = NearDuplicateIndex(0.9)
    index.add_page([v.dialogue_id for v in copies], TokenPage.build(copies, TokenHasher()))
    found = index.find()
    assert found.clusters == [[0, 1, 2, 3]]
    assert found.dropped() == {"x1", "x2", "x3"}


def test_signature_agreement_estimates_jaccard() -> None:
    rng = np.random.default_rng(3)
    hasher = MinHasher(256)
    for overlap in (0.2, 0.5, 0.8):
        shared = rng.integers(0, 2**63, int(1000 * overlap), dtype=np.int64).astype(np.uint64)
        a = np.concatenate([shared, rng.integers(0, 2**63, 1000 - len(shared)).astype(np.uint64)])
        b = np.concatenate([shared, rng.integers(0, 2**63, 1000 - len(shared)).astype(np.uint64)])
        truth = len(shared) / (2000 - len(shared))
        sig = hasher.signatures(np.concatenate([a, b]), np.repeat([0, 1], 1000), 3)
        assert abs((sig[0] == sig[1]).mean() - truth) < 0.08
        assert (sig[2] == 0xFFFFFFFF).all()  # a dialogue without shingles


def test_signatures_are_stable_across_hashers_and_orders() -> None:
    keys = np.arange(1, 50, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    owner = np.zeros(len(keys), dtype=np.int64)
    first = MinHasher().signatures(keys, owner, 1)
    again = MinHasher().signatures(keys[::-1].copy(), owner, 1)
    assert (first == again).all()


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.9, 0.95])
def test_lsh_params_catch_pairs_at_the_threshold(threshold: float) -> None:
    bands, rows = lsh_params(threshold, 128)
    assert bands * rows <= 128
    assert 1 - (1 - threshold**rows) ** bands >= 0.99
    more_rows = rows + 1
    assert 1 - (1 - threshold**more_rows) ** (128 // more_rows) < 0.99 or more_rows > 128


def test_threshold_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateIndex(0.0)
