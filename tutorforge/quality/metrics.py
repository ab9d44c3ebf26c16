"""Corpus quality figures: one streaming pass over the dialogues, plus counts computed in SQL.

`quality_figures(store)` is what the report and the dataset card render: a plain JSON value.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

from tutorforge.quality.diversity import SAMPLE_SIZE, Coverage, DialogueSample, DistinctNgrams
from tutorforge.quality.minhash import THRESHOLD, NearDuplicateIndex, NearDuplicates
from tutorforge.quality.moves import PedagogyMix
from tutorforge.quality.pedagogy import PedagogyTally
from tutorforge.quality.stats import compute_stats
from tutorforge.quality.tokens import TokenHasher, TokenPage
from tutorforge.quality.views import DialogueView, view_of_record
from tutorforge.storage.record import DialogueRecord
from tutorforge.storage.store import Store

PAGE = 256  # dialogues tokenised and hashed together


class CorpusMetrics:
    """Pedagogy, teacher moves and misconceptions, diversity, coverage, turns per dialogue and
    near-duplicates, fed one dialogue at a time.

    Text metrics read complete dialogues only; failed ones are counted and skipped. Memory grows with
    the distinct n-grams and the signatures (512 bytes per dialogue), not with the text.
    """

    def __init__(
        self,
        *,
        sample_size: int = SAMPLE_SIZE,
        threshold: float = THRESHOLD,
        near_duplicates: bool = True,
    ) -> None:
        self.hasher = TokenHasher()
        self.pedagogy = PedagogyTally()
        self.mix = PedagogyMix()
        self.distinct = DistinctNgrams()
        self.sample = DialogueSample(sample_size)
        self.coverage = Coverage()
        self.turns: Counter[int] = Counter()
        self.near = NearDuplicateIndex(threshold) if near_duplicates else None
        self.seen = 0
        self._page: list[DialogueView] = []

    def add_record(self, record: DialogueRecord) -> None:
        """Add a stored dialogue."""
        self.add(view_of_record(record))

    def add(self, view: DialogueView) -> None:
        """Add a dialogue view (from the store or another corpus)."""
        self.seen += 1
        if not view.complete:
            return
        self.pedagogy.add(view)
        self.mix.add(view)
        self.coverage.add(view)
        self.sample.add(view)
        self.turns[len(view.turns)] += 1
        self._page.append(view)
        if len(self._page) >= PAGE:
            self._flush()

    def _flush(self) -> None:
        if not self._page:
            return
        page = TokenPage.build(self._page, self.hasher)
        self.distinct.add_page(page)
        if self.near is not None:
            self.near.add_page([v.dialogue_id for v in self._page], page)
        self._page = []

    def figures(self) -> dict:
        """Every figure as a plain JSON value."""
        self._flush()
        out = {
            "dialogues": self.seen,
            "analysed": self.turns.total(),
            "turns_per_dialogue": {str(k): self.turns[k] for k in sorted(self.turns)},
            "pedagogy": self.pedagogy.figures(),
            "moves": self.mix.figures(),
            "diversity": {
                "distinct": self.distinct.figures(),
                "sample": self.sample.figures(self.hasher),
            },
            "coverage": self.coverage.figures(),
        }
        if self.near is not None:
            out["near_duplicates"] = self.near.find().figures()
        return out


def find_near_duplicates(records: Iterable[DialogueRecord], threshold: float = THRESHOLD) -> NearDuplicates:
    """The near-duplicates among these dialogues (every one, complete or not), in their order."""
    hasher = TokenHasher()
    index = NearDuplicateIndex(threshold)
    page: list[DialogueView] = []
    for record in records:
        page.append(view_of_record(record))
        if len(page) >= PAGE:
            index.add_page([v.dialogue_id for v in page], TokenPage.build(page, hasher))
            page = []
    if page:
        index.add_page([v.dialogue_id for v in page], TokenPage.build(page, hasher))
    return index.find()


def store_figures(store: Store) -> dict:
    """Counts over the whole database: `tutorforge stats`' figures, reviewers' current decisions, LLM
    usage per model, and the runs (settings, seed, versions)."""
    q = store.conn.execute
    decisions = dict(
        q(
            "SELECT decision, count(*) FROM (SELECT dialogue_id, decision, max(id) FROM reviews"
            " WHERE decision IN ('approved', 'rejected', 'undone') GROUP BY dialogue_id)"
            " WHERE decision != 'undone' GROUP BY decision"
        ).fetchall()
    )
    by_model = [
        {
            "backend": backend,
            "model": model,
            "calls": calls,
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "cost_usd": round(cost, 6),
        }
        for backend, model, calls, tokens_in, tokens_out, cost in q(
            "SELECT backend, model, count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd)"
            " FROM llm_calls GROUP BY 1, 2 ORDER BY 6 DESC, 3 DESC"
        )
    ]
    return {
        "stats": compute_stats(store),
        "review_decisions": {d: decisions.get(d, 0) for d in ("approved", "rejected")},
        "reviewers": q("SELECT count(DISTINCT reviewer) FROM reviews").fetchone()[0],
        "llm_by_model": by_model,
        "runs": [{"run_id": run_id, **run} for run_id, run in store.runs().items()],
    }


def quality_figures(
    store: Store,
    include: str = "all",
    *,
    run_id: str | None = None,
    sample_size: int = SAMPLE_SIZE,
    threshold: float = THRESHOLD,
) -> dict:
    """The store's counts and the metrics of its dialogues (`include`: all or approved), streamed."""
    started = time.perf_counter()
    metrics = CorpusMetrics(sample_size=sample_size, threshold=threshold)
    for record in store.iter_dialogues(include, run_id):
        metrics.add_record(record)
    return {
        "database": str(store.path),
        "include": include,
        "store": store_figures(store),
        "corpus": metrics.figures(),
        "elapsed_s": round(time.perf_counter() - started, 2),
    }
