"""Review queue speed, measured in one run.

Prints ratios: taking and deciding the next dialogue in a long queue against a short one (the queue index
keeps it flat), the next-dialogue query with the index against a full sort, and one app refresh of the
queue pane against its 5 s interval.

    python scripts/bench_review.py [--n 40000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from factories import make_record  # noqa: E402
from review_corpus import queued, with_teacher_error  # noqa: E402

from tutorforge.review.app import REFRESH_SECONDS  # noqa: E402
from tutorforge.review.policy import priority_sql  # noqa: E402
from tutorforge.review.queue import ReviewSession  # noqa: E402
from tutorforge.storage.store import Store  # noqa: E402

DECISIONS = 200


def corpus(path: Path, n: int) -> int:
    """n dialogues, a quarter of them pending (teacher errors, wrong answers, audit); returns the pending."""
    with Store.open(path) as store:
        store.ensure_run("run-a", {}, 0, {})
        for start in range(0, n, 2000):
            batch = []
            for i in range(start, min(n, start + 2000)):
                record = make_record(i)
                if i % 4 == 0:
                    record = with_teacher_error(record)
                batch.append(queued(record, audit=i % 40 == 1))
            store.save_dialogues(batch)
        return store.conn.execute(
            "SELECT count(*) FROM dialogues WHERE review_status = 'pending'"
        ).fetchone()[0]


def per_decision(path: Path) -> float:
    """Seconds to take the next dialogue and approve it, averaged over DECISIONS."""
    with Store.open(path) as store:
        session = ReviewSession(store, "bench")
        start = time.perf_counter()
        for _ in range(DECISIONS):
            dialogue_id = session.claim_next()
            assert dialogue_id is not None
            session.approve(dialogue_id)
        return (time.perf_counter() - start) / DECISIONS


def next_query(path: Path, hint: str) -> float:
    """Seconds for the bare next-dialogue query with `hint` (an INDEXED BY or NOT INDEXED clause)."""
    sql = (
        f"SELECT dialogue_id FROM dialogues {hint} WHERE review_status = 'pending' AND status = 'complete'"
        f" ORDER BY {priority_sql()}, run_id, idx LIMIT 1"
    )
    with Store.open(path) as store:
        start = time.perf_counter()
        for _ in range(20):
            store.conn.execute(sql).fetchone()
        return (time.perf_counter() - start) / 20


def refresh(path: Path) -> float:
    """Seconds for what the app reads on each refresh of the queue pane."""
    with Store.open(path) as store:
        session = ReviewSession(store, "bench")
        start = time.perf_counter()
        session.items(limit=500)
        session.count()
        session.by_priority()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40_000)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.db", Path(tmp) / "small.db"
        pending_big, pending_small = corpus(big, n), corpus(small, 4 * DECISIONS + 40)
        decide_big, decide_small = per_decision(big), per_decision(small)
        indexed, sorted_ = next_query(big, "INDEXED BY dialogues_queue"), next_query(big, "NOT INDEXED")
        pane = refresh(big)
    print(f"{n} dialogues, {pending_big} pending (short queue: {pending_small})")
    print(f"take next + approve: {decide_big * 1000:.2f} ms  ({1 / decide_big:,.0f} decisions/s)")
    print(f"  long queue vs short queue:   {decide_big / decide_small:.2f}x")
    print(f"next-dialogue query, index vs sort: {sorted_ / indexed:,.0f}x faster ({indexed * 1000:.3f} ms)")
    share = pane / REFRESH_SECONDS
    print(f"queue pane refresh: {pane * 1000:.1f} ms  ({share:.2%} of its {REFRESH_SECONDS:g} s interval)")


if __name__ == "__main__":
    main()
