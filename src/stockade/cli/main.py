"""The ``stockade`` command: one typer app; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from stockade import __version__
from stockade.cli import rules as rules_cli
from stockade.cli import scan as scan_cli
from stockade.cli.exit_codes import ExitCode
from stockade.errors import StockadeError

app = typer.Typer(
    name="stockade",
    help="Kubernetes security: workloads, images, secrets, RBAC, network, admission, audit logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stockade {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Kubernetes security scanner."""


app.command("scan")(scan_cli.scan)
app.add_typer(rules_cli.app, name="rules")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning known errors into messages and exit codes."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except StockadeError as exc:
        typer.echo(f"stockade: error: {exc.diagnostics()}", err=True)
        sys.exit(ExitCode.ERRORS)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, BrokenPipeError):
        # Ctrl-C or `| head`: end quietly, as pip does.
        sys.exit(130 if not isinstance(sys.exc_info()[1], BrokenPipeError) else 0)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(ExitCode.ERRORS)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise
    sys.exit(rc if isinstance(rc, int) else ExitCode.OK)
