"""Review figures for `stats`: decisions by reviewer, agreement between reviewers and the verifier, and
the error rate among auto-approved dialogues estimated from the audit sample (Wilson 95% interval).

A reviewer *found a problem* in a dialogue they rejected, or approved after editing a turn. The verifier
*flagged* a dialogue it queued for any reason but `audit`.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable

from rich.table import Table
from rich.text import Text

from tutorforge.review.policy import AUDIT
from tutorforge.review.trail import current_edits
from tutorforge.storage.store import Store

ROW_KINDS = ("approved", "rejected", "edited", "note", "undone")
Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials (n > 0)."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact at the edges, where rounding would show
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def _share(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def _current_decisions(store: Store) -> dict[str, tuple[str, str]]:
    """dialogue_id -> (decision, reviewer) for every dialogue a person has decided."""
    out: dict[str, tuple[str, str]] = {}
    rows = store.conn.execute(
        "SELECT dialogue_id, decision, reviewer FROM reviews"
        " WHERE decision IN ('approved', 'rejected', 'undone') ORDER BY id"
    )
    for did, decision, reviewer in rows:
        if decision == "undone":
            out.pop(did, None)
        else:
            out[did] = (decision, reviewer)
    return out


def review_figures(store: Store) -> dict:
    """The review section of `stats`; every figure is a plain JSON value."""
    q = store.conn.execute
    by_reviewer: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ROW_KINDS, 0))
    for reviewer, kind, n in q("SELECT reviewer, decision, count(*) FROM reviews GROUP BY 1, 2"):
        by_reviewer[reviewer][kind] = n
    decided = _current_decisions(store)
    ids = list(decided)
    edited = set(current_edits(store.conn, ids))
    reasons: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = q(
            "SELECT dialogue_id, review_reasons_json FROM dialogues"
            f" WHERE dialogue_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        reasons.update((did, json.loads(r)) for did, r in rows)
    cells: Counter[tuple[bool, bool]] = Counter()  # (verifier flagged, reviewer found a problem)
    per_reviewer: dict[str, Counter[str]] = defaultdict(Counter)
    per_reason: dict[str, Counter[str]] = defaultdict(Counter)
    for did, (decision, reviewer) in decided.items():
        flagged = any(r != AUDIT for r in reasons.get(did, []))
        problem = decision == "rejected" or did in edited
        cells[flagged, problem] += 1
        per_reviewer[reviewer].update(decided=1, agreed=int(flagged == problem))
        for reason in reasons.get(did, []):
            per_reason[reason].update(decided=1, problem=int(problem))
    return {
        "decisions_by_reviewer": {name: by_reviewer[name] for name in sorted(by_reviewer)},
        "agreement": _agreement(cells, per_reviewer, per_reason),
        "audit": _audit(store, cells),
    }


def _agreement(
    cells: Counter[tuple[bool, bool]],
    per_reviewer: dict[str, Counter[str]],
    per_reason: dict[str, Counter[str]],
) -> dict:
    n = sum(cells.values())
    agreed = cells[True, True] + cells[False, False]
    kappa = None
    if n:
        p_flag = (cells[True, True] + cells[True, False]) / n
        p_problem = (cells[True, True] + cells[False, True]) / n
        expected = p_flag * p_problem + (1 - p_flag) * (1 - p_problem)
        if expected < 1:
            kappa = round((agreed / n - expected) / (1 - expected), 4)
    return {
        "decided": n,
        "both_found_a_problem": cells[True, True],
        "verifier_only": cells[True, False],
        "reviewer_only": cells[False, True],
        "neither": cells[False, False],
        "share": _share(agreed, n),
        "kappa": kappa,
        "by_reviewer": {
            name: {"decided": c["decided"], "agreed": c["agreed"], "share": _share(c["agreed"], c["decided"])}
            for name, c in sorted(per_reviewer.items())
        },
        "by_reason": {
            reason: {
                "decided": c["decided"],
                "problem_found": c["problem"],
                "share": _share(c["problem"], c["decided"]),
            }
            for reason, c in sorted(per_reason.items())
        },
    }


def _audit(store: Store, cells: Counter[tuple[bool, bool]]) -> dict:
    q = store.conn.execute
    sampled = q(
        "SELECT count(*) FROM dialogues WHERE status = 'complete' AND review_reasons_json = ?",
        (json.dumps([AUDIT]),),
    ).fetchone()[0]
    auto = q(
        "SELECT count(*) FROM dialogues WHERE status = 'complete' AND review_status = 'approved'"
        " AND review_reasons_json = '[]'"
    ).fetchone()[0]
    n = cells[False, True] + cells[False, False]
    k = cells[False, True]
    interval = [round(x, 4) for x in wilson_interval(k, n)] if n else None
    return {
        "sampled": sampled,
        "decided": n,
        "problems_found": k,
        "error_rate": _share(k, n),
        "interval_95": interval,
        "auto_approved": auto,
        "estimated_errors_in_auto_approved": [round(x * auto) for x in interval] if interval else None,
    }


def review_tables(figures: dict, table: Callable[[str, tuple[str, ...]], Table]) -> list[Table]:
    """The review figures as rich tables made by `table(title, columns)`; none for an unreviewed corpus."""
    tables = []
    if figures["decisions_by_reviewer"]:
        t = table("Review decisions by reviewer", ("reviewer", *ROW_KINDS))
        for name, counts in figures["decisions_by_reviewer"].items():
            t.add_row(Text(name), *(str(counts[k]) for k in ROW_KINDS))
        tables.append(t)
    agreement = figures["agreement"]
    if agreement["decided"]:
        t = table("Reviewers and the verifier", ("", "reviewer found a problem", "reviewer approved as is"))
        t.add_row("verifier flagged", str(agreement["both_found_a_problem"]), str(agreement["verifier_only"]))
        t.add_row("verifier clean (audit)", str(agreement["reviewer_only"]), str(agreement["neither"]))
        kappa = "-" if agreement["kappa"] is None else f"{agreement['kappa']:.2f}"
        t.add_row("agreement", f"{agreement['share']:.0%}", f"kappa {kappa}")
        tables.append(t)
        t = table("Agreement by reviewer", ("reviewer", "decided", "agreed with the verifier"))
        for name, f in agreement["by_reviewer"].items():
            t.add_row(Text(name), str(f["decided"]), f"{f['agreed']} ({f['share']:.0%})")
        tables.append(t)
    audit = figures["audit"]
    if audit["sampled"]:
        t = table("Audit of auto-approved dialogues", ("figure", "value"))
        t.add_row("audited (decided of sampled)", f"{audit['decided']} of {audit['sampled']}")
        t.add_row("problems found", str(audit["problems_found"]))
        t.add_row("auto-approved dialogues", str(audit["auto_approved"]))
        if audit["interval_95"]:
            lo, hi = audit["interval_95"]
            low, high = audit["estimated_errors_in_auto_approved"]
            t.add_row("error rate (95% interval)", f"{audit['error_rate']:.1%} ({lo:.1%} to {hi:.1%})")
            t.add_row("auto-approved with an error (95%)", f"{low} to {high}")
        tables.append(t)
    return tables
