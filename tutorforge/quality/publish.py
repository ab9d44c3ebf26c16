"""Export for publication: optional near-duplicate removal, then the data file and its dataset card."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutorforge.dialogues.export import export
from tutorforge.dialogues.store import Store
from tutorforge.quality.card import CardFacts, card_path, render_card
from tutorforge.quality.metrics import find_near_duplicates, store_figures
from tutorforge.quality.minhash import THRESHOLD
from tutorforge.quality.report import write_atomic


@dataclass(frozen=True)
class Published:
    written: int  # records in the data file
    dropped: int  # dialogues left out as near-duplicates
    card: Path | None


def publish(
    store: Store,
    fmt: str,
    out: Path,
    include: str = "approved",
    *,
    run_id: str | None = None,
    dedup: bool = False,
    threshold: float = THRESHOLD,
    card: bool = True,
    license: str | None = None,
) -> Published:
    """Export like `export`; with `dedup`, leave out all but the first dialogue of each near-duplicate
    cluster; with `card`, write the dataset card beside `out` (its path is settled before anything is
    written, and it is written atomically after the data)."""
    target = card_path(out) if card else None
    near = find_near_duplicates(store.iter_dialogues(include, run_id), threshold) if dedup else None
    exclude = near.dropped() if near is not None else frozenset()
    facts = CardFacts(near_duplicates=near is None) if card else None
    written = export(
        store, fmt, out, include, run_id=run_id, exclude=exclude, on_record=facts.add if facts else None
    )
    if target is not None and facts is not None:
        dataset_card = render_card(
            data_file=Path(out),
            fmt=fmt,
            include=include,
            records=written,
            facts=facts,
            store=store_figures(store),
            dropped=near.figures() if near is not None else None,
            license=license,
        )
        write_atomic(target, str(dataset_card))
    return Published(written, len(exclude), target)
