"""`tutorforge review`: the app in a terminal, or the command-line form for scripts (--list, --approve,
--reject)."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.review.queue import ReviewSession
from tutorforge.storage.store import Store

MAX_NAME = 64


def resolve_reviewer(name: str | None) -> str:
    """The reviewer's name: `--reviewer`, else the login name."""
    if name is None:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            raise BadInput("--reviewer: no login name to default to; pass --reviewer NAME") from None
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise BadInput(f"--reviewer: {name!r} is not a name (1 to {MAX_NAME} printable characters)")
    return name


def review_command(
    db: Path,
    reviewer: str | None,
    *,
    list_queue: bool = False,
    as_json: bool = False,
    approve: Sequence[str] = (),
    reject: Sequence[str] = (),
    reason: str | None = None,
    note: str | None = None,
) -> None:
    """Run the review command: decide, list, or (with none of those) open the app."""
    decide = bool(approve or reject)
    if reject and not reason:
        raise BadInput("--reject: give the reason with --reason TEXT")
    if reason and not reject:
        raise BadInput("--reason: only used with --reject")
    if note and not decide:
        raise BadInput("--note: only used with --approve or --reject")
    if as_json and not list_queue:
        raise BadInput("--json: only used with --list")
    if list_queue and decide:
        raise BadInput("--list: use it on its own, not with --approve or --reject")
    name = resolve_reviewer(reviewer)
    with Store.open(db, create=False) as store:
        session = ReviewSession(store, name)
        if list_queue:
            _print_queue(session, as_json)
        elif decide:
            _decide(session, approve, reject, reason or "", note or "")
        else:
            _run_app(session)


def _print_queue(session: ReviewSession, as_json: bool) -> None:
    items = session.items()
    if as_json:
        print(json.dumps([item.to_dict() for item in items], indent=2))
        return
    table = Table(title=f"{len(items)} pending", title_justify="left")
    table.add_column("priority", justify="right")
    table.add_column("dialogue", no_wrap=True)
    for column in ("reasons", "flags", "held by"):
        table.add_column(column)
    for item in items:
        flags = ", ".join(f"{kind} {n}" for kind, n in sorted(item.flags.items()))
        table.add_row(
            str(item.priority), item.dialogue_id, ", ".join(item.reasons), flags, Text(item.held_by)
        )
    Console().print(table)


def _decide(
    session: ReviewSession, approve: Sequence[str], reject: Sequence[str], reason: str, note: str
) -> None:
    """Each decision in its own transaction. Every id is tried; any bad id exits 2, conflicts exit 1."""
    failures: list[Exception] = []
    work = [("approved", did) for did in approve] + [("rejected", did) for did in reject]
    for decision, did in work:
        try:
            if decision == "approved":
                session.approve(did, note)
            else:
                session.reject(did, reason, note)
        except (BadInput, RuntimeFailure) as exc:
            typer.echo(f"error: {exc}", err=True)
            failures.append(exc)
            continue
        typer.echo(f"{decision} {did}")
    if failures:
        kind = BadInput if any(isinstance(e, BadInput) for e in failures) else RuntimeFailure
        raise kind(f"{len(failures)} of {len(work)} dialogues not decided (see above)")


def _run_app(session: ReviewSession) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput("review: the app needs a terminal; in scripts use --list, --approve or --reject")
    from tutorforge.review.app import ReviewApp

    app = ReviewApp(session)
    try:
        app.run()
    finally:
        session.release()
    if app.return_code:  # the app crashed (textual printed the traceback): decisions made are saved
        raise RuntimeFailure(
            f"the review app stopped on an error (exit {app.return_code}); decisions are saved"
        )
