"""The command line: generate, review, export, verify, personas, stats."""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path
from typing import Literal

import typer

from tutorforge import __version__
from tutorforge.errors import BadInput, RuntimeFailure

app = typer.Typer(
    help="Synthetic math-tutoring dialogues: generate, verify every turn, review what is flagged, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tutorforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Synthetic math-tutoring dialogues: generate, verify every turn, review what is flagged, export."""


ROLES = ("teacher", "student", "critic")
_TRUST_HELP = "Let subject packs name checkers, problem files and persona folders outside their folder."
_PERSONAS_DIR_HELP = (
    "A persona file, a folder of them or a subject pack, after TUTORFORGE_PATH (repeatable; later wins)."
)


@app.command()
def generate(
    n: int = typer.Option(
        None,
        "-n",
        "--count",
        metavar="N",
        help="Dialogues in the run (default 20). Rerun with a larger N to extend.",
    ),
    config: Path = typer.Option(
        None, "--config", help="A run.toml with any of these settings; flags override it."
    ),
    seed: int = typer.Option(
        None, "--seed", help="Random seed; the same seed and settings give the same corpus."
    ),
    subject: str = typer.Option(None, "--subject", help="Subject of personas and problems (default math)."),
    families: list[str] = typer.Option(None, "--family", help="Problem family to draw from (repeatable)."),
    problems: Path = typer.Option(
        None, "--problems", help="Problems from a JSONL/CSV/MathDial file instead."
    ),
    teacher: str = typer.Option(None, "--teacher", help="Teacher persona (default: drawn per dialogue)."),
    student: str = typer.Option(None, "--student", help="Student persona (default: drawn per dialogue)."),
    critic: str = typer.Option(None, "--critic", help="Critic persona."),
    backend: str = typer.Option(None, "--backend", help="scripted (offline, default), openai or anthropic."),
    model: str = typer.Option(None, "--model", help="Model for every role (LLM backends)."),
    teacher_model: str = typer.Option(None, "--teacher-model", help="Model for the teacher."),
    student_model: str = typer.Option(None, "--student-model", help="Model for the student."),
    critic_model: str = typer.Option(None, "--critic-model", help="Model for the critic."),
    base_url: str = typer.Option(
        None, "--base-url", help="OpenAI-compatible server URL (vLLM, Ollama, ...)."
    ),
    max_turns: int = typer.Option(None, "--max-turns", help="Most turns per dialogue (default 20)."),
    max_revisions: int = typer.Option(
        None, "--max-revisions", help="Critic revisions per teacher turn (default 2)."
    ),
    max_cost: float = typer.Option(
        None,
        "--max-cost",
        help="USD the run may spend on LLM calls (a shard spends its share); never overrun.",
    ),
    request_timeout: float = typer.Option(
        None, "--request-timeout", help="Seconds an LLM request may take before it is retried (default 120)."
    ),
    no_cache: bool = typer.Option(
        None, "--no-cache", help="Do not read or write the LLM response cache.", show_default=False
    ),
    mathdial_students: bool = typer.Option(
        None,
        "--mathdial-students",
        help="LLM students play MathDial's student profile, starting from its wrong solution.",
        show_default=False,
    ),
    audit_rate: float = typer.Option(
        None, "--audit-rate", help="Share of clean dialogues queued for review as an audit (default 0.05)."
    ),
    review_unverifiable: bool = typer.Option(
        None,
        "--review-unverifiable/--no-review-unverifiable",
        help="A teacher turn the verifier could not check sends its dialogue to review (default on).",
        show_default=False,
    ),
    concurrency: int = typer.Option(
        None, "--concurrency", help="Dialogues in flight for LLM backends (default 8)."
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        help="Processes (default: one per core). LLM runs add helper processes at 32 or more dialogues"
        " in flight per process, each with its share of the concurrency, rate limits and budget.",
    ),
    shard: str = typer.Option(
        None,
        "--shard",
        help="I/N: generate only indices i with i % N == I-1; merge the shards later. auto: the shard of"
        " this Slurm array task or Kubernetes indexed job.",
    ),
    shard_count: int = typer.Option(
        None, "--shard-count", help="With --shard auto: the number of tasks of a Kubernetes indexed job."
    ),
    limits_per_shard: bool = typer.Option(
        None,
        "--limits-per-shard",
        help="Each shard applies the whole rate limits and --max-cost (default: its share of them).",
        show_default=False,
    ),
    db: Path = typer.Option(
        None, "--db", help="The corpus database (created if absent; default tutorforge.db)."
    ),
    out: Path = typer.Option(None, "--out", help="Export the approved dialogues here when the run ends."),
    out_format: str = typer.Option(
        None, "--format", help="Format for --out: openai (default), sharegpt, trl, raw."
    ),
    personas_dirs: list[Path] = typer.Option(None, "--personas-dir", help=_PERSONAS_DIR_HELP),
    trust_pack_paths: bool = typer.Option(False, "--trust-pack-paths", help=_TRUST_HELP),
) -> None:
    """Generate tutoring dialogues, verify every turn, and store them; rerunning resumes."""
    from tutorforge.dialogues.config import GenerateConfig
    from tutorforge.dialogues.processes import start_early
    from tutorforge.dialogues.run_config import MIX_OR_SETTING, load_run_config
    from tutorforge.dialogues.shard import out_path as shard_out_path
    from tutorforge.dialogues.shard import resolve as resolve_shard
    from tutorforge.dialogues.shard import shard_of

    _trust_pack_paths(trust_pack_paths)
    run_file = load_run_config(config) if config else None
    settings = dict(run_file.settings) if run_file else {}
    output = run_file.output if run_file else {}
    flags = {
        "n": n,
        "seed": seed,
        "subject": subject,
        "families": families or None,
        "problems_file": str(problems) if problems else None,
        "personas_dirs": [str(p) for p in personas_dirs] if personas_dirs else None,
        "teacher": teacher,
        "student": student,
        "critic": critic,
        "backend": backend,
        "base_url": base_url,
        "max_turns": max_turns,
        "max_revisions": max_revisions,
        "max_cost": max_cost,
        "request_timeout": request_timeout,
        "no_cache": no_cache,
        "mathdial_students": mathdial_students,
        "audit_rate": audit_rate,
        "review_unverifiable": review_unverifiable,
        "concurrency": concurrency,
        "workers": workers,
        "shard": shard,
        "limits_per_shard": limits_per_shard,
    }
    flags = {k: v for k, v in flags.items() if v is not None}
    settings.update(flags)
    settings["shard"] = resolve_shard(settings.get("shard"), shard_count, os.environ)
    mix = {table: w for table, w in settings.get("mix", {}).items() if MIX_OR_SETTING[table] not in flags}
    settings["mix"] = mix  # a flag naming one persona, family or subject overrides that mixture
    models = dict(settings.get("models", {}))
    for role, value in zip(ROLES, (teacher_model, student_model, critic_model), strict=True):
        models[role] = value or model or models.get(role, "")
    settings["models"] = models
    cfg = build_config(GenerateConfig, settings, source="command line")
    if run_file is not None:
        run_file.check_mixture(cfg)
    db = db or Path(output.get("db", "tutorforge.db"))
    out = out or (Path(output["out"]) if "out" in output else None)
    if out is not None:
        out = shard_out_path(out, shard_of(cfg.shard))
    out_format = out_format or output.get("format", "openai")
    if out is not None:  # before any work: a bad --out fails now, not after the run
        from tutorforge.outputs import check_output

        check_export_format(out_format)
        sources = [Path(p) for p in (config, cfg.problems_file) if p]
        check_output(out, inputs=sources, database=db)
    unpriced = _check_prices(cfg)
    share = cfg.shard_share()  # this shard's part of the rate limits and budget
    start_early(cfg)  # its imports overlap the ones below
    from tutorforge.dialogues.batch import plan_batch, run_batch
    from tutorforge.dialogues.outcome import Outcome
    from tutorforge.dialogues.progress import BatchProgress
    from tutorforge.storage.store import Store, created_for, database_errors

    with database_errors(db), created_for(db), Store.open(db) as store:
        plan = plan_batch(cfg, store)
        if plan.already_done:
            typer.echo(
                f"resuming run {plan.run_id}: {plan.already_done} of {plan.total} already done", err=True
            )
        if cfg.backend != "scripted":
            from tutorforge.dialogues.processes import process_count

            if (parts := process_count(share, len(plan.todo))) > 1:
                typer.echo(f"{cfg.concurrency} dialogues in flight over {parts} processes", err=True)
        outcome = Outcome()
        started = time.time()
        with BatchProgress(plan.total, plan.already_done) as progress:

            def saved(records) -> None:
                progress.update(records)
                outcome.add(records)

            try:
                not_started = run_batch(share, store, plan, saved)
            except KeyboardInterrupt:
                progress.__exit__(None, None, None)
                typer.echo(
                    f"interrupted: {progress.done} of {plan.total} dialogues are stored in {db}; "
                    "rerun the same command to resume",
                    err=True,
                )
                raise typer.Exit(130) from None
        if progress.new:
            store.record_part(plan.run_id, cfg.shard or "", started, progress.new)  # for the dataset card
        part = f" (shard {cfg.shard})" if cfg.shard else ""
        typer.echo(
            f"{plan.total} dialogues in run {plan.run_id}{part} ({progress.new} new, {progress.flagged} "
            f"flagged for review, {progress.failed} failed) -> {db}",
            err=True,
        )
        if not_started or outcome.budget_stopped:
            typer.echo(outcome.stopped_early(not_started, share.max_cost), err=True)
        if unpriced:
            from tutorforge.llm.pricing import unpriced_warning

            typer.echo(unpriced_warning(unpriced), err=True)
        if out is not None:
            from tutorforge.export.writer import export

            written = export(store, out_format, out, include="approved", run_id=plan.run_id)
            typer.echo(f"exported {written} approved dialogues to {out} ({out_format})", err=True)
    if outcome.failed:
        typer.echo("\n".join(outcome.causes()), err=True)
        raise RuntimeFailure(outcome.failed_line(_this_command()))


def _this_command() -> str:
    """The command line as typed, to rerun."""
    import shlex

    return shlex.join(["tutorforge", *sys.argv[1:]])


def _check_prices(cfg) -> list[str]:
    """The run's models without a price (bad input when a cost budget depends on them)."""
    if cfg.backend == "scripted":
        return []
    from tutorforge.llm.pricing import check_prices

    return check_prices(cfg.models.values(), cfg.pricing, cfg.max_cost)


def build_config(model_cls, settings: dict, *, source: str):
    """Validate settings into a config model; a bad value is bad input naming the field."""
    from pydantic import ValidationError

    try:
        return model_cls.model_validate(settings)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if source == "command line":
            flag = _FLAG_OF.get(field, "--" + field.replace("_", "-"))
            raise BadInput(f"{flag}: {message}") from None
        raise BadInput(f"{source}: {field}: {message}") from None


_FLAG_OF = {
    "n": "-n/--count",
    "problems_file": "--problems",
    "families": "--family",
    "personas_dirs": "--personas-dir",
}


def check_export_format(fmt: str) -> None:
    """Fail early on an unknown export format."""
    from tutorforge.export.writer import FORMATS

    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")


_DEDUP_THRESHOLD_HELP = "Estimated word 3-gram Jaccard at which two dialogues are near-duplicates."


@app.command()
def export(
    fmt: str = typer.Option(
        ..., "--format", help="openai, sharegpt, trl, raw, dpo (revision pairs) or parquet (openai records)."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="The JSONL (or Parquet) file to write (replaced atomically; missing folders are created).",
    ),
    db: Path = typer.Option(Path("tutorforge.db"), "--db", help="The corpus database."),
    include: str = typer.Option("approved", "--include", help="approved (default) or all."),
    dedup: bool = typer.Option(
        False, "--dedup", help="Leave out near-duplicates, keeping the first dialogue of each cluster."
    ),
    dedup_threshold: float = typer.Option(0.9, "--dedup-threshold", help=_DEDUP_THRESHOLD_HELP),
    card: bool = typer.Option(
        True, "--card/--no-card", help="Write a dataset card (README.md) beside the file."
    ),
) -> None:
    """Export dialogues as JSON Lines for training, each record with its provenance."""
    from tutorforge.export.publish import publish
    from tutorforge.outputs import check_output, make_parents
    from tutorforge.storage.store import Store, database_errors

    check_export_format(fmt)
    check_threshold(dedup_threshold)
    check_output(out, database=db, parents=True)
    with database_errors(db), Store.open(db, create=False) as store:
        make_parents(out)
        done = publish(store, fmt, out, include, dedup=dedup, threshold=dedup_threshold, card=card)
    typer.echo(f"wrote {done.written} records to {out} ({fmt}, {include})", err=True)
    if dedup:
        typer.echo(f"left out {done.dropped} near-duplicate dialogues", err=True)
    if done.card is not None:
        typer.echo(f"wrote the dataset card {done.card}", err=True)


@app.command()
def publish(
    repo: str = typer.Option(None, "--repo", help="The Hub dataset repository, OWNER/NAME."),
    db: Path = typer.Option(Path("tutorforge.db"), "--db", help="The corpus database."),
    fmt: str = typer.Option(
        "openai", "--format", help="openai (default), sharegpt, trl, raw, dpo or parquet."
    ),
    include: str = typer.Option("approved", "--include", help="approved (default) or all."),
    dedup: bool = typer.Option(False, "--dedup", help="Leave out near-duplicates."),
    private: bool = typer.Option(False, "--private", help="Create the repository as private."),
    to: Path = typer.Option(None, "--to", help="Write the folder (data file and card) here; no upload."),
) -> None:
    """Publish to the Hugging Face Hub: export, write the dataset card, upload (token from HF_TOKEN)."""
    import tempfile

    from tutorforge.export.publish import check_repo_id, hub_token, upload_folder, write_folder
    from tutorforge.storage.store import Store, database_errors

    check_export_format(fmt)
    if to is None and repo is None:
        raise BadInput("publish: give --repo OWNER/NAME to upload, or --to DIR to write the folder")
    repo = check_repo_id(repo) if repo is not None else None
    token = hub_token(os.environ) if to is None else ""  # before anything is exported
    with tempfile.TemporaryDirectory(prefix="tutorforge-publish-") as tmp:
        with database_errors(db), Store.open(db, create=False) as store:
            done = write_folder(store, to or Path(tmp), fmt, include, dedup=dedup)
        typer.echo(f"wrote {done.written} records ({fmt}, {include}) and the dataset card", err=True)
        if to is not None:
            typer.echo(f"wrote the dataset folder {to}", err=True)
            return
        url = upload_folder(Path(tmp), repo, token, private=private)
    typer.echo(f"published {done.written} records to {url}", err=True)


def check_threshold(value: float) -> None:
    """A similarity threshold is in (0, 1]."""
    if not 0.0 < value <= 1.0:
        raise BadInput(f"--dedup-threshold {value}: must be above 0 and at most 1")


@app.command()
def report(
    out: Path = typer.Option(..., "--out", help="The report to write: .html, .md or .json (atomically)."),
    db: Path = typer.Option(Path("tutorforge.db"), "--db", help="The corpus database."),
    fmt: str = typer.Option(None, "--format", help="html, md or json (default: from --out's suffix)."),
    include: str = typer.Option("all", "--include", help="Dialogues the text metrics read: all or approved."),
    dedup_threshold: float = typer.Option(0.9, "--dedup-threshold", help=_DEDUP_THRESHOLD_HELP),
) -> None:
    """A quality report: counts, flags, review, pedagogy, diversity, coverage, near-duplicates, cost."""
    from tutorforge.outputs import check_output
    from tutorforge.quality.metrics import quality_figures
    from tutorforge.quality.report import render, report_format, write_atomic
    from tutorforge.storage.store import INCLUDE, Store, database_errors

    kind = report_format(out, fmt)
    check_output(out, database=db)
    check_threshold(dedup_threshold)
    if include not in INCLUDE:
        raise BadInput(f"--include: {include!r} is not one of {', '.join(INCLUDE)}")
    with database_errors(db), Store.open(db, create=False) as store:
        figures = quality_figures(store, include, threshold=dedup_threshold)
    write_atomic(out, render(figures, kind))
    analysed = figures["corpus"]["analysed"]
    typer.echo(f"wrote the quality report {out} ({kind}, {analysed} dialogues)", err=True)


@app.command()
def merge(
    inputs: list[Path] = typer.Argument(
        ..., metavar="A.db B.db ...", help="Databases to merge: the shards of a run, or any corpora."
    ),
    db: Path = typer.Option(..., "--db", help="The database to merge into (created if absent)."),
) -> None:
    """Merge corpus databases into one: every row once, shards of a run back into the whole run."""
    from tutorforge.storage.merge import merge as merge_databases
    from tutorforge.storage.store import Store

    for done in merge_databases(inputs, db):
        line = f"merged {done.source}: {done.dialogues} dialogues added"
        if done.runs:
            line += f", {done.runs} new run{'s' if done.runs > 1 else ''}"
        if done.duplicates:
            shown = ", ".join(done.duplicates[:3]) + (" ..." if len(done.duplicates) > 3 else "")
            line += (
                f"; {len(done.duplicates)} already present ({shown}): {done.replaced} replaced by this "
                f"complete or reviewed copy, {done.kept_existing} kept"
            )
        typer.echo(line, err=True)
        for note in done.notes:
            typer.echo(f"note: {note}", err=True)
    with Store.open(db, create=False) as store:
        counts = store.counts()
    typer.echo(f"{db}: {counts['dialogues']} dialogues in {counts['runs']} run(s)", err=True)


@app.command()
def review(
    db: Path = typer.Option(Path("tutorforge.db"), "--db", help="The corpus database."),
    reviewer: str = typer.Option(None, "--reviewer", help="Your name in the review trail (default: login)."),
    list_queue: bool = typer.Option(False, "--list", help="Print the pending dialogues and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --list: print JSON."),
    approve: list[str] = typer.Option(None, "--approve", help="Approve this dialogue (repeatable)."),
    reject: list[str] = typer.Option(None, "--reject", help="Reject this dialogue (repeatable)."),
    reason: str = typer.Option(None, "--reason", help="Why, for --reject."),
    note: str = typer.Option(None, "--note", help="A note kept with --approve or --reject."),
) -> None:
    """Review flagged dialogues: the full-screen app, or --list/--approve/--reject for scripts."""
    from tutorforge.review.command import review_command
    from tutorforge.storage.store import database_errors

    with database_errors(db):
        review_command(
            db,
            reviewer,
            list_queue=list_queue,
            as_json=as_json,
            approve=approve or (),
            reject=reject or (),
            reason=reason,
            note=note,
        )


@app.command()
def stats(
    db: Path = typer.Option(Path("tutorforge.db"), "--db", help="The corpus database."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Figures about a corpus: statuses, review queue, flags, turns, misconceptions, personas."""
    from tutorforge.quality.stats import compute_stats, print_stats
    from tutorforge.storage.store import Store, database_errors

    with database_errors(db), Store.open(db, create=False) as store:
        figures = compute_stats(store)
    print_stats(figures, as_json=as_json)


@app.command()
def verify(
    path: Path = typer.Argument(..., metavar="IN.jsonl", help="Dialogues, one JSON object per line."),
    out: Path | None = typer.Option(None, "--out", help="Write verdicts here (default: stdout)."),
    timeout: float = typer.Option(2.0, "--timeout", help="Seconds per symbolic claim."),
) -> None:
    """Verify every turn of a dialogue file: one verdict line per dialogue; bad lines are reported."""
    from tutorforge.verifiers.verify_file import run

    if not 0 < timeout <= 3600:  # also refuses nan
        raise BadInput(f"--timeout {timeout}: must be above 0 and at most 3600 seconds")
    run(path, out, timeout)


personas_app = typer.Typer(help="List, show and validate personas.", no_args_is_help=True)
app.add_typer(personas_app, name="personas")


@personas_app.command("list")
def personas_list(
    role: Literal["teacher", "student", "critic"] | None = typer.Option(
        None, "--role", help="Only this role."
    ),
    personas_dirs: list[Path] = typer.Option(None, "--personas-dir", help=_PERSONAS_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list, for scripts."),
) -> None:
    """List the personas: name, role, subjects, version, description, and misconceptions for students."""
    import json

    from rich.console import Console

    from tutorforge.personas.loader import load_registry
    from tutorforge.personas.table import persona_records, persona_table

    registry = load_registry(personas_dirs or ())
    personas = [p for r in ((role,) if role else ROLES) for p in registry.by_role(r)]
    if as_json:
        typer.echo(json.dumps(persona_records(personas), indent=2, ensure_ascii=False))
    else:
        Console().print(persona_table(personas))


@personas_app.command("show")
def personas_show(
    name: str = typer.Argument(..., help="The persona's name."),
    personas_dirs: list[Path] = typer.Option(None, "--personas-dir", help=_PERSONAS_DIR_HELP),
) -> None:
    """Print a persona as TOML, a file `personas validate` accepts."""
    from tutorforge.personas.loader import dump_toml, load_registry

    typer.echo(dump_toml(load_registry(personas_dirs or ()).get(name)), nl=False)


@personas_app.command("validate")
def personas_validate(
    path: Path = typer.Argument(..., help="A persona .toml file, a folder of them, or a subject pack."),
    run_code: bool = typer.Option(
        False, "--import", help="Import the packs' Python code to check what it names (it runs)."
    ),
    trust_pack_paths: bool = typer.Option(False, "--trust-pack-paths", help=_TRUST_HELP),
) -> None:
    """Check persona files and subject packs: prints each problem as file:line: field: message, exits 2
    on any. A pack's Python code is not run unless --import is given."""
    from tutorforge.subjects.validate import validate_path

    _trust_pack_paths(trust_pack_paths)
    summary, problems = validate_path(path, run_code=run_code)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        raise BadInput(f"{len(problems)} problem(s) in {path}")
    typer.echo(f"ok: {summary}")


def _trust_pack_paths(trust: bool) -> None:
    """With --trust-pack-paths, packs may name files outside their folder (also in worker processes)."""
    if trust:
        from tutorforge.subjects.pack import TRUST_ENV

        os.environ[TRUST_ENV] = "1"


def _plain_override_notes() -> None:
    """Print plug-in name clashes (persona, subject or misconception replaced) as one 'note:' line each."""
    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__name__.endswith("OverrideWarning"):
            typer.echo(f"note: {message}", err=True)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def main() -> None:
    """Console entry point: bad input exits 2, runtime failures exit 1, both with one clear line."""
    from typer._click.exceptions import ClickException, UsageError

    _plain_override_notes()
    try:
        rv = app(standalone_mode=False)
    except BadInput as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except RuntimeFailure as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, UsageError) else 1)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
