"""Figures about a corpus, computed in SQL over the store, printed as tables or JSON."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from tutorforge.review.figures import review_figures, review_tables
from tutorforge.storage.store import Store

ROLES = ("teacher", "student", "critic")


def compute_stats(store: Store) -> dict:
    """Counts by status and review status, flags by kind, turns per dialogue, generator labels,
    per-persona figures, end reasons, LLM usage and the review figures (decisions, agreement with the
    verifier, the audit estimate). Every figure is a plain JSON value."""
    q = store.conn.execute

    def grouped(sql: str) -> dict[str, int]:
        return {str(key): n for key, n in q(sql)}

    n_dialogues = q("SELECT count(*) FROM dialogues").fetchone()[0]
    mean, low, high = q(
        "SELECT avg(n_turns), min(n_turns), max(n_turns) FROM dialogues WHERE status = 'complete'"
    ).fetchone()
    calls = q(
        "SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),"
        " coalesce(sum(cached_tokens), 0), coalesce(sum(cost_usd), 0.0) FROM llm_calls"
    ).fetchone()
    return {
        "database": str(store.path),
        "runs": q("SELECT count(*) FROM runs").fetchone()[0],
        "problems": q("SELECT count(*) FROM problems").fetchone()[0],
        "dialogues": {
            "total": n_dialogues,
            "by_status": grouped("SELECT status, count(*) FROM dialogues GROUP BY 1 ORDER BY 1"),
            "by_review_status": grouped(  # a failed dialogue is in no review status: it is redone
                "SELECT CASE WHEN status = 'failed' THEN 'failed' ELSE review_status END, count(*)"
                " FROM dialogues GROUP BY 1 ORDER BY 1"
            ),
            "review_reasons": grouped(
                "SELECT r.value, count(*) FROM dialogues, json_each(dialogues.review_reasons_json) AS r"
                " GROUP BY 1 ORDER BY 2 DESC, 1"
            ),
        },
        "end_reasons": grouped("SELECT end_reason, count(*) FROM dialogues GROUP BY 1 ORDER BY 2 DESC, 1"),
        "turns": {
            "total": q("SELECT count(*) FROM turns").fetchone()[0],
            "per_dialogue": {
                "mean": round(mean, 2) if mean is not None else None,
                "min": low,
                "max": high,
            },
            "by_status": grouped("SELECT status, count(*) FROM turns GROUP BY 1 ORDER BY 1"),
            "revised": q("SELECT count(DISTINCT dialogue_id || ':' || turn_index) FROM drafts").fetchone()[0],
            "drafts": q("SELECT count(*) FROM drafts").fetchone()[0],
        },
        "flags": grouped(
            "SELECT json_extract(f.value, '$.kind'), count(*) FROM turns, json_each(turns.flags_json) AS f"
            " WHERE turns.flags_json != '[]' GROUP BY 1 ORDER BY 2 DESC, 1"
        ),
        "generator_labels": {
            "total": q("SELECT count(*) FROM generator_labels").fetchone()[0],
            "by_kind": grouped("SELECT kind, count(*) FROM generator_labels GROUP BY 1 ORDER BY 2 DESC, 1"),
            "by_misconception": grouped(
                "SELECT misconception, count(*) FROM generator_labels GROUP BY 1 ORDER BY 2 DESC, 1"
            ),
        },
        "personas": {role: _persona_figures(store, role) for role in ROLES},
        "llm": {
            "calls": calls[0],
            "input_tokens": calls[1],
            "output_tokens": calls[2],
            "cached_tokens": calls[3],
            "cost_usd": round(calls[4], 6),
        },
        "review": review_figures(store),
    }


def _persona_figures(store: Store, role: str) -> dict[str, dict]:
    """Per persona of `role`: dialogues, share pending, mean turns (of complete ones), share solved."""
    assert role in ROLES  # the column name is interpolated
    rows = store.conn.execute(
        f"SELECT {role}, count(*), avg(review_status = 'pending' AND status = 'complete'),"
        " avg(CASE WHEN status = 'complete' THEN n_turns END), avg(end_reason = 'solved')"
        " FROM dialogues GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    return {
        name: {
            "dialogues": n,
            "pending_share": round(pending, 4),
            "mean_turns": round(turns, 2) if turns is not None else None,
            "solved_share": round(solved, 4),
        }
        for name, n, pending, turns, solved in rows
    }


def print_stats(stats: dict, *, as_json: bool = False, console: Console | None = None) -> None:
    """Print the figures: JSON, or rich tables."""
    if as_json:
        print(json.dumps(stats, indent=2))
        return
    console = console or Console()
    d = stats["dialogues"]
    per = stats["turns"]["per_dialogue"]
    labels = stats["generator_labels"]
    overview = _table("Corpus", ("figure", "value"))
    for label, value in (
        ("database", stats["database"]),
        ("runs", stats["runs"]),
        ("problems", stats["problems"]),
        ("dialogues", d["total"]),
        ("turns", stats["turns"]["total"]),
        (
            "turns per complete dialogue",
            f"mean {per['mean']}, min {per['min']}, max {per['max']}" if per["mean"] is not None else "-",
        ),  # fmt: skip
        ("teacher turns revised", f"{stats['turns']['revised']} ({stats['turns']['drafts']} drafts)"),
        ("generator labels", f"{labels['total']} ({len(labels['by_misconception'])} misconceptions seen)"),
        ("LLM calls", f"{stats['llm']['calls']} (${stats['llm']['cost_usd']:.4f})"),
    ):
        overview.add_row(label, str(value))
    console.print(overview)
    for title, column, counts in (
        ("Status", "status", d["by_status"]),
        ("Review status", "review status", d["by_review_status"]),
        ("Review reasons", "reason", d["review_reasons"]),
        ("End reasons", "end reason", stats["end_reasons"]),
        ("Turn verdicts", "verdict", stats["turns"]["by_status"]),
        ("Flags by kind", "kind", stats["flags"]),
        ("Generator labels by misconception", "misconception", stats["generator_labels"]["by_misconception"]),
    ):
        if counts:
            table = _table(title, (column, "count"))
            for key, n in counts.items():
                table.add_row(key, str(n))
            console.print(table)
    for role, personas in stats["personas"].items():
        if not personas:
            continue
        table = _table(
            f"{role.capitalize()} personas", (role, "dialogues", "pending", "mean turns", "solved")
        )
        for name, f in personas.items():
            table.add_row(
                name,
                str(f["dialogues"]),
                f"{f['pending_share']:.0%}",
                "-" if f["mean_turns"] is None else f"{f['mean_turns']:.1f}",
                f"{f['solved_share']:.0%}",
            )
        console.print(table)
    for table in review_tables(stats["review"], _table):
        console.print(table)


def _table(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table
