"""The dataset card: a README.md beside an export, a `huggingface_hub.DatasetCard`.

Its metadata (`DatasetCardData`: licence, task, language, size, name, tags, the data file) is the YAML
front matter; then summary, fields, how the data was generated (and how the run was spread), review and
quality figures, known limitations, licence and citation. A card tutorforge wrote carries MARKER, so a
README.md written by someone else is never replaced.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from tutorforge import __version__
from tutorforge.errors import BadInput
from tutorforge.quality.metrics import CorpusMetrics
from tutorforge.quality.pedagogy import KS
from tutorforge.quality.report import markdown_table, md_code, md_inline
from tutorforge.storage.record import DialogueRecord

if TYPE_CHECKING:
    from huggingface_hub import DatasetCard, DatasetCardData

MARKER = "<!-- tutorforge:dataset-card -->"
_LOADER = {".parquet": "parquet"}  # the datasets loader of a data file, by suffix (default json)
PRETTY_NAME = "tutorforge synthetic math-tutoring dialogues"
MATHDIAL_LICENSE = "cc-by-sa-4.0"
DEFAULT_LICENSE = "cc-by-4.0"
MATHDIAL_BIBTEX = """@inproceedings{macina-etal-2023-mathdial,
    title = "{M}ath{D}ial: A Dialogue Tutoring Dataset with Rich Pedagogical Properties
             Grounded in Math Reasoning Problems",
    author = "Macina, Jakub and Daheim, Nico and Chowdhury, Sankalan and Sinha, Tanmay
              and Kapur, Manu and Gurevych, Iryna and Sachan, Mrinmaya",
    booktitle = "Findings of the Association for Computational Linguistics: EMNLP 2023",
    year = "2023",
    pages = "5602--5621"
}"""
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
_SIZES_ABOVE = ((10**7, "1M<n<10M"), (10**8, "10M<n<100M"), (10**9, "100M<n<1B"))
FIELDS = {
    "messages": "the conversation: a system message (tutor persona, problem), then the teacher as "
    "`assistant` and the student as `user`",
    "conversations": "the conversation in ShareGPT form: `from` is system, human (student) or gpt (teacher)",
    "prompt": "the conversation before a revised teacher turn",
    "chosen": "the teacher turn as finally spoken",
    "rejected": "a teacher draft the critic sent back",
    "dialogue_id": "stable id: `<run_id>-<index>`",
    "problem": "the problem: statement, reference answer, solution steps, family, difficulty, source",
    "turns": "every turn: role, text, act, the verifier's verdict and flags, drafts, critic note",
    "llm_calls": "one entry per LLM call: model, tokens, latency, cost (never a key)",
    "started_at": "generation start (Unix time)",
    "finished_at": "generation end (Unix time)",
    "error": "why generation failed (failed dialogues only)",
    "review": "the latest review decision: reviewer, time, decision, reason, note",
    "metadata": "provenance: ids, problem source and family, personas and versions, backend, models, "
    "seed, verifier version and verdict summary, review status, generator labels",
}


def size_category(n: int) -> str:
    """The Hugging Face size category of n rows."""
    for bound, name in (*_SIZES, *_SIZES_ABOVE):
        if n < bound:
            return name
    return "n>1B"


def card_path(out: Path) -> Path:
    """README.md beside `out`, unless a README.md not written by tutorforge is there: then
    `<stem>.README.md`. Bad input when that one too was written by someone else."""
    folder = Path(out).parent
    for candidate in (folder / "README.md", folder / f"{Path(out).stem}.README.md"):
        if not os.path.lexists(candidate) or _ours(candidate):
            return candidate
    raise BadInput(f"{folder}: README.md and {Path(out).stem}.README.md were not written by tutorforge")


def _ours(path: Path) -> bool:
    """Whether `path` is a plain file carrying MARKER (a link, FIFO or device is never ours)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with path.open(encoding="utf-8", errors="replace") as fh:
            return MARKER in fh.read(1 << 16)
    except OSError:
        return False


class CardFacts:
    """What the card says about the exported dialogues, gathered while they are written."""

    def __init__(self, *, near_duplicates: bool = True) -> None:
        self.metrics = CorpusMetrics(near_duplicates=near_duplicates)
        self.flags: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.backends: Counter[str] = Counter()
        self.models: Counter[str] = Counter()
        self.verdicts: Counter[str] = Counter()
        self.run_ids: set[str] = set()

    def add(self, record: DialogueRecord) -> None:
        self.metrics.add_record(record)
        self.sources[record.problem.source] += 1
        self.backends[record.backend] += 1
        self.models.update(m for m in record.models.values() if m)
        self.run_ids.add(record.run_id)
        for turn in record.turns:
            self.verdicts[turn.verdict.status] += 1
            self.flags.update(f.kind for f in turn.verdict.flags)

    @property
    def uses_mathdial(self) -> bool:
        return self.sources["mathdial"] > 0


def render_card(
    *,
    data_file: Path,
    fmt: str,
    include: str,
    records: int,
    facts: CardFacts,
    store: dict,
    dropped: dict | None,
    license: str | None = None,
    spread: dict[str, list[dict]] | None = None,
) -> DatasetCard:
    """The card. `store`: `store_figures` output; `dropped`: the dedup figures when the export was
    deduplicated; `spread`: `Store.run_parts`, how each run was spread over commands and shards."""
    from huggingface_hub import DatasetCard

    corpus = facts.metrics.figures()
    license = license or (MATHDIAL_LICENSE if facts.uses_mathdial else DEFAULT_LICENSE)
    first = _first_record(data_file)
    parts = [
        f"---\n{card_data(data_file.name, records, license, facts).to_yaml()}\n---",
        MARKER,
        f"\n# {PRETTY_NAME}\n",
        _summary(data_file, fmt, include, records, corpus, dropped),
        _fields(first),
        _generation(store, facts, corpus, spread or {}),
        _review(store),
        _quality(corpus, facts, dropped),
        _limitations(facts),
        _licence(license, facts),
    ]
    return DatasetCard("\n".join(parts))


def card_data(data_name: str, records: int, license: str, facts: CardFacts) -> DatasetCardData:
    """The card's metadata (its YAML front matter)."""
    from huggingface_hub import DatasetCardData

    tags = ["synthetic", "math", "tutoring", "education", "dialogue"] + (
        ["mathdial"] if facts.uses_mathdial else []
    )
    return DatasetCardData(
        license=license,
        task_categories=["text-generation"],
        task_ids=["dialogue-modeling"],
        language=["en"],
        size_categories=[size_category(records)],
        pretty_name=PRETTY_NAME,
        tags=tags,
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": data_name}]}],
    )


def _summary(
    data_file: Path, fmt: str, include: str, records: int, corpus: dict, dropped: dict | None
) -> str:
    which = "approved dialogues (auto-approved clean ones and those a reviewer approved)"
    if include == "all":
        which = "every stored dialogue, whatever its review status"
    loader = _LOADER.get(data_file.suffix, "json")
    load = md_code(f'datasets.load_dataset("{loader}", data_files={json.dumps(data_file.name)})')
    dedup = ""
    if dropped is not None:
        dedup = f" Near-duplicates were removed: {dropped['dropped_by_dedup']:,} dialogues left out."
    return (
        "## Dataset summary\n\n"
        f"Synthetic one-to-one math-tutoring dialogues between a teacher and a student, generated by "
        f"tutorforge {__version__}: role-playing agents talk through a problem and a symbolic verifier "
        f"checks every turn. {md_code(data_file.name)} holds {records:,} records in the `{fmt}` format "
        "from "
        f"{corpus['dialogues']:,} dialogues: {which}.{dedup} Written on {time.strftime('%Y-%m-%d')}.\n\n"
        f"Load it with {load}.\n"
    )


def _first_record(path: Path) -> dict:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(path).iter_batches(batch_size=1)
        return next((batch.to_pylist()[0] for batch in rows if batch.num_rows), {})
    try:
        with path.open(encoding="utf-8") as fh:
            line = fh.readline()
    except OSError:
        return {}
    return json.loads(line) if line.strip() else {}


def _type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "struct"


def _fields(first: dict) -> str:
    if not first:
        return "## Data fields\n\nThe file is empty.\n"
    rows = [(md_code(k), _type(v), FIELDS.get(k, "")) for k, v in first.items()]
    text = "## Data fields\n\n" + markdown_table(("field", "type", "description"), rows)
    meta = first.get("metadata")
    if isinstance(meta, dict):
        text += "\n`metadata` holds: " + ", ".join(md_code(k) for k in meta) + ".\n"
    return text


_SETTINGS_SHOWN = (
    "subject",
    "families",
    "teacher",
    "student",
    "critic",
    "backend",
    "models",
    "max_turns",
    "max_revisions",
    "mathdial_students",
)


def _generation(store: dict, facts: CardFacts, corpus: dict, spread: dict[str, list[dict]]) -> str:
    rows = []
    for run in store["runs"]:
        if run["run_id"] not in facts.run_ids:
            continue
        config = run["config"]
        shown = {k: config[k] for k in _SETTINGS_SHOWN if config.get(k) not in (None, [], {}, "")}
        if isinstance(shown.get("models"), dict):
            shown["models"] = {r: m for r, m in shown["models"].items() if m} or None
        if config.get("problems_file"):
            shown["problems_file"] = Path(str(config["problems_file"])).name
        settings = "; ".join(f"{k}={v}" for k, v in shown.items() if v is not None)
        versions = ", ".join(f"{k} {v}" for k, v in run["versions"].items())
        rows.append(
            (
                run["run_id"],
                time.strftime("%Y-%m-%d", time.gmtime(run["created_at"])),
                run["seed"],
                settings,
                versions,
            )
        )
    personas = corpus["coverage"]["personas"]
    lines = [
        "## How it was generated\n",
        "Each dialogue draws a problem and a teacher, student and critic persona. The teacher and student "
        "take turns; a symbolic verifier (exact arithmetic and an eval-free expression parser) checks every "
        "turn as it is spoken; a critic may send a teacher draft back for revision; dialogues with errors "
        "are queued for human review. Student personas make errors drawn from misconception profiles and "
        "some teacher personas make errors on purpose; each injected error is recorded in "
        "`metadata.generator_labels`. Each teacher turn's move (MathDial's focus, probing, telling, "
        "generic) and the error it addresses are in `metadata.moves`.\n",
        markdown_table(("run", "created", "seed", "settings", "versions"), rows),
        "Backends: "
        + _listing(facts.backends)
        + ". Models: "
        + (_listing(facts.models) or "none (scripted)")
        + ".",
        "Problem sources: "
        + _listing(facts.sources)
        + "; families: "
        + _listing(Counter(corpus["coverage"]["families"]))
        + ".",
    ]
    for role in ("teacher", "student", "critic"):
        if personas.get(role):
            lines.append(f"{role.capitalize()} personas: " + _listing(Counter(personas[role])) + ".")
    lines += [_spread(run_id, spread[run_id]) for run_id in sorted(facts.run_ids) if run_id in spread]
    return "\n\n".join(lines) + "\n"


def _spread(run_id: str, parts: list[dict]) -> str:
    """How a run was spread: in one command or several (resumed), or as shards of a job array."""
    saved = sum(p["saved"] for p in parts)
    shards = {p["shard"] for p in parts if p["shard"]}
    commands = f"{len(parts):,} `generate` command{'s' if len(parts) != 1 else ''}"
    if not shards:
        how = "on one machine, unsharded" + (" (resumed)" if len(parts) > 1 else "")
        return f"Run {run_id} was generated {how}: {commands} saved {saved:,} dialogues."
    count = max(int(s.split("/")[1]) for s in shards)
    return (
        f"Run {run_id} was spread over {count:,} shards (`--shard I/{count}`, e.g. the tasks of a job array, "
        f"each on its own database, then merged): {len(shards):,} of the {count:,} shards are here, from "
        f"{commands} that saved {saved:,} dialogues. Each shard had its share of the rate limits and budget."
    )


def _listing(counts: Counter) -> str:
    return ", ".join(f"{md_inline(k)} ({n:,})" for k, n in counts.most_common())


def _review(store: dict) -> str:
    d = store["stats"]["dialogues"]
    status = d["by_review_status"]
    decisions = store["review_decisions"]
    reasons = ", ".join(f"{md_inline(k)} ({n:,})" for k, n in d["review_reasons"].items()) or "none"
    return (
        "## Review\n\n"
        f"Of the {d['total']:,} dialogues in the source database: {status.get('approved', 0):,} approved, "
        f"{status.get('pending', 0):,} waiting for review, {status.get('rejected', 0):,} rejected, "
        f"{status.get('failed', 0):,} failed (not exported; a rerun redoes them). Clean "
        f"dialogues are approved automatically (a share is sampled for an audit review); reviewers decided "
        f"{decisions['approved']:,} approvals and {decisions['rejected']:,} rejections. Reasons dialogues "
        f"were queued: {reasons}.\n"
    )


def _quality(corpus: dict, facts: CardFacts, dropped: dict | None) -> str:
    p = corpus["pedagogy"]
    sample = corpus["diversity"]["sample"]
    rows = [
        (f"Success@{k}", _pct(p["success_at"][str(k)]), f"Telling@{k}", _pct(p["telling_at"][str(k)]))
        for k in KS
    ]
    flags = ", ".join(f"{k} ({n:,})" for k, n in facts.flags.most_common()) or "none"
    distinct = sample["distinct"]
    near = dropped if dropped is not None else corpus.get("near_duplicates")
    near_line = ""
    if near is not None:
        verb = "were left out" if dropped is not None else "remain (export with --dedup to leave them out)"
        near_line = (
            f"Near-duplicates (MinHash, word 3-grams, estimated Jaccard >= {near['threshold']}): "
            f"{near['pairs']:,} pairs; {near['dropped_by_dedup']:,} dialogues {verb}.\n"
        )
    return (
        "## Quality figures\n\n"
        "Pedagogy (MathDial's metrics; k counts teacher turns; definitions in tutorforge's "
        "docs/quality.md):\n\n"
        + markdown_table(("metric", "share", "metric", "share"), rows)
        + f"\nTeacher turns that ask rather than tell: {_pct(p['ask_share'])}; dialogues where the teacher "
        f"told the final answer first: {_pct(p['answer_told'])}; teacher turns to solution: mean "
        f"{p['turns_to_solution']['mean']}.\n\n"
        f"Diversity on a sample of {sample['dialogues']:,} dialogues: distinct-1/2/3/4 of teacher turns "
        + "/".join(str(distinct["teacher"][str(n)]["ratio"]) for n in range(1, 5))
        + ", of student turns "
        + "/".join(str(distinct["student"][str(n)]["ratio"]) for n in range(1, 5))
        + f"; mean pairwise Jaccard of word 3-gram sets {sample['overlap']['mean']}.\n\n"
        + near_line
        + f"\nVerifier verdicts on the exported turns: {_listing(facts.verdicts)}; flags: {flags}.\n"
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _limitations(facts: CardFacts) -> str:
    items = [
        "The dialogues are synthetic: the students are simulated and their errors come from misconception "
        "profiles, not from real learners.",
        "The verifier checks arithmetic and algebraic claims it can parse; turns it reports as "
        "`unverifiable` or `no_claims` were not checked, and it does not judge explanations in words, so "
        "a wrong statement without a checkable claim can remain.",
    ]
    if facts.backends["scripted"]:
        items.insert(
            1,
            "Turns from the scripted backend are composed from fixed phrasing templates: wording repeats "
            "across dialogues (see the distinct-n figures) and is less varied than human or LLM tutoring.",
        )
    if set(facts.backends) - {"scripted"}:
        items.append("LLM-written turns may contain errors that neither the verifier nor the critic caught.")
        items.append(
            "Pedagogy figures for LLM turns come from heuristics on the text (questions, telling cues, the "
            "answer's values), not from annotations."
        )
    return "## Known limitations\n\n" + "".join(f"- {item}\n" for item in items)


def _licence(license: str, facts: CardFacts) -> str:
    text = f"## Licence\n\n{md_code(license)}."
    if facts.uses_mathdial:
        text += (
            " Some problems come from MathDial (Macina et al., 2023), released under CC BY-SA 4.0; this "
            "data derives from them and is shared under the same licence. Cite MathDial when you use it:\n\n"
            f"```bibtex\n{MATHDIAL_BIBTEX}\n```\n"
        )
    elif set(facts.backends) - {"scripted"}:
        text += " Check the terms of the models that wrote the turns before publishing.\n"
    else:
        text += "\n"
    return (
        text
        + "\n## Citation\n\nGenerated with tutorforge; cite this dataset by its name and the date above.\n"
    )
