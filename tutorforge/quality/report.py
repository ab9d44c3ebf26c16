"""The quality report: figures laid out as sections once, rendered as self-contained HTML or Markdown."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from tutorforge import __version__
from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.outputs import check_output, check_replaceable
from tutorforge.quality.diversity import NS
from tutorforge.quality.moves import MATHDIAL_MOVES, MOVES
from tutorforge.quality.pedagogy import KS
from tutorforge.quality.svg import bar_chart, histogram

FORMATS = ("html", "md", "json")


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)


@dataclass
class Chart:
    svg: str  # HTML only; a table beside it carries the same figures


@dataclass
class Section:
    title: str
    blocks: list[str | Table | Chart] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.title.lower().replace(" ", "-")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _counts(column: str, counts: dict) -> Table:
    total = sum(counts.values()) or 1
    return Table((column, "count", "share"), [(k, _num(n), _pct(n / total)) for k, n in counts.items()])


def _charted(title: str, column: str, counts: dict) -> list[str | Table | Chart]:
    """A bar chart of the counts and the table of the same figures."""
    return [Chart(bar_chart(counts, title=title)), _counts(column, counts)]


def sections(figures: dict) -> list[Section]:
    """The report's sections, in order, from `quality_figures` output."""
    stats = figures["store"]["stats"]
    corpus = figures["corpus"]
    return [
        _overview(figures, stats, corpus),
        _flags(stats),
        _review(figures["store"], stats),
        _pedagogy(corpus["pedagogy"]),
        _moves(corpus["moves"]),
        _diversity(corpus["diversity"]),
        _coverage(corpus["coverage"]),
        _turns(corpus, stats),
        _near_duplicates(corpus.get("near_duplicates")),
        _cost(figures["store"], stats),
    ]


def _overview(figures: dict, stats: dict, corpus: dict) -> Section:
    d = stats["dialogues"]
    which = "every complete dialogue" if figures["include"] == "all" else "complete approved dialogues"
    return Section(
        "Overview",
        [
            f"Database {figures['database']}: {d['total']:,} dialogues in {stats['runs']} run(s) over "
            f"{stats['problems']:,} problems, {stats['turns']['total']:,} turns. Text metrics read {which} "
            f"({corpus['analysed']:,}); figures computed in {figures['elapsed_s']} s.",
            _counts("status", d["by_status"]),
            _counts("end reason", stats["end_reasons"]),
        ],
    )


def _flags(stats: dict) -> Section:
    blocks: list[str | Table | Chart] = []
    if stats["flags"]:
        blocks += _charted("Flags by kind", "flag kind", stats["flags"])
    else:
        blocks.append("No turn carries a flag.")
    blocks.append(_counts("turn verdict", stats["turns"]["by_status"]))
    labels = stats["generator_labels"]["by_misconception"]
    if labels:
        blocks += ["Errors the generator injected on purpose (generator labels):", _counts("label", labels)]
    return Section("Flags", blocks)


def _review(store: dict, stats: dict) -> Section:
    d = stats["dialogues"]
    decisions = store["review_decisions"]
    blocks: list[str | Table | Chart] = [
        _counts("review status", d["by_review_status"]),
        f"Decisions by reviewers: {decisions['approved']:,} approved, {decisions['rejected']:,} rejected "
        f"({store['reviewers']} reviewer(s)).",
    ]
    if d["review_reasons"]:
        blocks += ["Why dialogues were queued for review:", _counts("reason", d["review_reasons"])]
    return Section("Review", blocks)


def _pedagogy(p: dict) -> Section:
    moves = p["teacher_moves"]
    t = p["turns_to_solution"]
    table = Table(("k (teacher turns)", "Success@k", "Telling@k"))
    table.rows = [(k, _pct(p["success_at"][str(k)]), _pct(p["telling_at"][str(k)])) for k in KS]
    table.rows.append(("any", _pct(p["success"]), _pct(p["telling"])))
    return Section(
        "Pedagogy",
        [
            f"Over {p['dialogues']:,} dialogues. Success@k: share where the student states the correct "
            "answer within k teacher turns. Telling@k: share where a teacher turn within the first k tells "
            "(reveals a step or the answer) before the student has the answer. Definitions: docs/quality.md.",
            table,
            Table(
                ("figure", "value"),
                [
                    ("teacher turns that ask rather than tell", _pct(p["ask_share"])),
                    (
                        "teacher moves: ask / tell / other",
                        f"{moves['ask']:,} / {moves['tell']:,} / {moves['other']:,}",
                    ),
                    ("dialogues where the teacher told the final answer first", _pct(p["answer_told"])),
                    ("teacher turns to solution (mean, median)", f"{_num(t['mean'])}, {_num(t['median'])}"),
                ],
            ),
        ],
    )


def _moves(m: dict) -> Section:
    """Teacher move mix per persona against MathDial's, and which students' misconceptions showed."""
    moves, shown = m["moves"], m["misconception"]
    mix = Table(("teacher", "turns", *MOVES))
    mix.rows = [
        (t, _num(row["turns"]), *(_pct(row["share"].get(x)) for x in MOVES))
        for t, row in moves["by_teacher"].items()
    ]
    mix.rows.append(
        ("all", _num(sum(moves["counts"].values())), *(_pct(moves["share"].get(x)) for x in MOVES))
    )
    mix.rows.append(("MathDial (reference)", "3,699", *(_pct(MATHDIAL_MOVES[x]) for x in MOVES)))
    students = Table(("student", "dialogues with a misconception", "misconception shown", "share", "which"))
    students.rows = [
        (
            s,
            _num(row["dialogues"]),
            _num(row["shown"]),
            _pct(row["shown"] / row["dialogues"] if row["dialogues"] else None),
            ", ".join(f"{k} {n}" for k, n in row["misconceptions"].items()) or "-",
        )
        for s, row in shown["by_student"].items()
    ]
    return Section(
        "Moves and misconceptions",
        [
            "Teacher turns by MathDial's moves (focus: points at what to do next; probing: asks for an "
            "explanation or a check; telling: states the rule or the step; generic: acknowledges or asks in "
            "general), per teacher persona and against MathDial's tutors. Turns without a stored move are "
            "left out.",
            mix,
            "Per student persona: dialogues whose student holds a misconception, and those in which it "
            "showed (a student turn carried it).",
            students,
            Table(
                ("figure", "value"),
                [
                    ("misconception show rate", _pct(shown["show_rate"])),
                    ("misconception dialogues opened from the student's attempt", _pct(m["attempt_share"])),
                    ("all dialogues opened from the student's attempt", _pct(m["attempt_share_all"])),
                    (f"most frequent teacher opener ({m['opener']['top']!r})", _pct(m["opener"]["share"])),
                    ("auto-approved dialogues that end unsolved", _num(m["approved_unsolved"])),
                ],
            ),
        ],
    )


def _diversity(div: dict) -> Section:
    sample = div["sample"]
    overlap = sample["overlap"]
    table = Table(
        ("n", "teacher", "student", f"teacher (sample of {sample['dialogues']})", "student (sample)")
    )
    for n in NS:
        k = str(n)
        table.rows.append(
            (
                n,
                _num(div["distinct"]["teacher"][k]["ratio"]),
                _num(div["distinct"]["student"][k]["ratio"]),
                _num(sample["distinct"]["teacher"][k]["ratio"]),
                _num(sample["distinct"]["student"][k]["ratio"]),
            )
        )
    return Section(
        "Diversity",
        [
            "distinct-n: distinct word n-grams / all word n-grams in one role's turns. It falls as a corpus "
            "grows, so compare corpora by the sample columns (a fixed-size sample of dialogues).",
            table,
            f"Overlap between dialogues: Jaccard similarity of word 3-gram sets over {overlap['pairs']:,} "
            "pairs of the sample.",
            Table(
                ("mean", "median", "95th percentile", "max", "pairs above 0.5"),
                [
                    (
                        _num(overlap["mean"]),
                        _num(overlap["median"]),
                        _num(overlap["p95"]),
                        _num(overlap["max"]),
                        _pct(overlap["share_above_0_5"]),
                    )
                ],
            ),
        ],
    )


def _coverage(cov: dict) -> Section:
    blocks: list[str | Table | Chart] = []
    if cov["families"]:
        blocks += _charted("Dialogues per problem family", "family", cov["families"])
    if cov["families_unused"]:
        blocks.append("Families never used: " + ", ".join(cov["families_unused"]) + ".")
    for role, counts in cov["personas"].items():
        blocks.append(_counts(f"{role} persona", counts))
        unused = cov["personas_unused"].get(role)
        if unused:
            blocks.append(f"{role.capitalize()} personas never used: " + ", ".join(unused) + ".")
    return Section("Coverage", blocks or ["No dialogues."])


def _turns(corpus: dict, stats: dict) -> Section:
    counts = {int(k): n for k, n in corpus["turns_per_dialogue"].items()}
    per = stats["turns"]["per_dialogue"]
    blocks: list[str | Table | Chart] = [
        f"Turns per complete dialogue: mean {_num(per['mean'])}, min {_num(per['min'])}, "
        f"max {_num(per['max'])}; {stats['turns']['revised']:,} teacher turns revised after the critic "
        f"({stats['turns']['drafts']:,} drafts)."
    ]
    if counts:
        blocks.append(Chart(histogram(counts, title="Turns per dialogue", x_label="turns per dialogue")))
        blocks.append(Table(("turns", "dialogues"), [(k, _num(counts[k])) for k in sorted(counts)]))
    return Section("Turns", blocks)


def _near_duplicates(nd: dict | None) -> Section:
    if nd is None:
        return Section("Near-duplicates", ["Not computed."])
    blocks: list[str | Table | Chart] = [
        f"MinHash ({nd['num_perm']} hashes, LSH {nd['bands']} bands x {nd['rows']} rows) over word "
        f"3-grams of each whole dialogue; pairs with estimated Jaccard >= {nd['threshold']}: "
        f"{nd['pairs']:,}, in {nd['clusters']:,} clusters holding {nd['in_clusters']:,} dialogues. "
        f"export --dedup would leave out {nd['dropped_by_dedup']:,} (it keeps the first of each cluster)."
    ]
    if nd["examples"]:
        blocks.append(
            Table(
                ("kept", "left out", "lowest similarity"),
                [
                    (
                        e["keep"],
                        ", ".join(e["drop"][:5]) + (" ..." if len(e["drop"]) > 5 else ""),
                        e["similarity"],
                    )
                    for e in nd["examples"]
                ],
            )
        )
    return Section("Near-duplicates", blocks)


def _cost(store: dict, stats: dict) -> Section:
    llm = stats["llm"]
    blocks: list[str | Table | Chart] = [
        f"{llm['calls']:,} LLM calls: {llm['input_tokens']:,} input tokens "
        f"({llm['cached_tokens']:,} cached), {llm['output_tokens']:,} output tokens, ${llm['cost_usd']:.4f}."
    ]
    if store["llm_by_model"]:
        blocks.append(
            Table(
                ("backend", "model", "calls", "input tokens", "output tokens", "cost (USD)"),
                [
                    (
                        m["backend"],
                        m["model"],
                        _num(m["calls"]),
                        _num(m["input_tokens"]),
                        _num(m["output_tokens"]),
                        f"{m['cost_usd']:.4f}",
                    )
                    for m in store["llm_by_model"]
                ],
            )
        )
    return Section("Cost", blocks)


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.75rem 0}th,td{border:1px solid #ddd;padding:.25rem .6rem}
th{background:#f4f4f4;text-align:left}td{text-align:right}td:first-child{text-align:left}
nav a{margin-right:.8rem}svg{display:block;margin:.75rem 0}
"""


def render_html(figures: dict) -> str:
    """A self-contained HTML page: no script, no external asset."""
    secs = sections(figures)
    out = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f"<title>tutorforge quality report: {escape(figures['database'])}</title>\n",
        f"<style>{_CSS}</style>\n</head>\n<body>\n",
        f"<h1>Quality report: {escape(figures['database'])}</h1>\n",
        f"<p>{escape(_stamp())}</p>\n<nav>",
        "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in secs),
        "</nav>\n",
    ]
    for s in secs:
        out.append(f'<section id="{s.anchor}">\n<h2>{escape(s.title)}</h2>\n')
        for block in s.blocks:
            if isinstance(block, Chart):
                out.append(f"<figure>{block.svg}</figure>\n")
            elif isinstance(block, Table):
                out.append(_html_table(block))
            else:
                out.append(f"<p>{escape(block)}</p>\n")
        out.append("</section>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>\n" for row in table.rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def render_markdown(figures: dict) -> str:
    """The same sections as GitHub-flavoured Markdown (tables; the charts' figures are in the tables).
    Every text is escaped, as the HTML report escapes it: a database, model or persona name is shown as
    written, never read as Markdown or HTML."""
    out = [f"# Quality report: {md_text(figures['database'])}\n\n{md_text(_stamp())}\n"]
    for s in sections(figures):
        out.append(f"\n## {md_text(s.title)}\n")
        for block in s.blocks:
            if isinstance(block, Table):
                out.append("\n" + markdown_table(block.columns, block.rows))
            elif isinstance(block, str):
                out.append(f"\n{md_text(block)}\n")
    return "".join(out)


class Markdown(str):
    """Text already written as Markdown: `markdown_table` takes such a cell as it is."""


# Characters that start Markdown or HTML syntax in a line (`_` inside a word does not: `by_status`);
# a backslash makes each one literal.
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~&]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_MD_LINE_START = re.compile(r"^(\s*|\s*\d+)([#+=-]|(?<=\d)[.)])")  # a heading, list item, setext line


def md_inline(value: object) -> str:
    """`value` as literal Markdown text inside a line (a table cell, a list): every character that could
    start Markdown or HTML syntax (`<img ...>`, `[link](...)`, `*`, `|`) is backslash-escaped."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m[0], str(value).replace("\r", " ").replace("\n", " "))


def md_text(value: object) -> str:
    """`value` as a literal Markdown paragraph: `md_inline`, and a leading `#`, `-` or `1.` escaped."""
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}", md_inline(value), count=1)


def md_code(value: object) -> Markdown:
    """`value` as an inline code span, fenced by more backticks than it holds in a row."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def markdown_table(columns: tuple[str, ...], rows: list[tuple]) -> str:
    """A GitHub-flavoured Markdown table; every cell escaped (`md_inline`) unless it is `Markdown`."""

    def cell(value: object) -> str:
        return value.replace("|", "\\|") if isinstance(value, Markdown) else md_inline(value)

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _stamp() -> str:
    return f"Written by tutorforge {__version__} on {time.strftime('%Y-%m-%d %H:%M:%S %Z')}."


def report_format(out: Path, fmt: str | None) -> str:
    """The format to write: `fmt` if given, else from the file's suffix (.md, .json), else html."""
    if fmt is None:
        fmt = {".md": "md", ".markdown": "md", ".json": "json"}.get(out.suffix.lower(), "html")
    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def render(figures: dict, fmt: str) -> str:
    """The report in `fmt` (html, md or json)."""
    if fmt == "json":
        return json.dumps(figures, indent=2) + "\n"
    return render_markdown(figures) if fmt == "md" else render_html(figures)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temp file in the same folder and a rename: all of it or nothing."""
    path = check_output(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise BadInput(f"--out {path}: cannot write there ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        check_replaceable(path)  # nothing special put there while we wrote
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RuntimeFailure(f"--out {path}: writing failed ({exc.strerror or exc})") from exc
        raise
