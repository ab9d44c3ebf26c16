"""The command line: generate, review, export, verify, personas, stats."""

from __future__ import annotations

import sys

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
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Synthetic math-tutoring dialogues: generate, verify every turn, review what is flagged, export."""


def main() -> None:
    """Console entry point: bad input exits 2, runtime failures exit 1, both with one clear line."""
    try:
        app(standalone_mode=False)
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
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2 if isinstance(exc, click.UsageError | click.BadParameter) else 1)
        raise
