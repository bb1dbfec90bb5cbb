"""The ``stockade`` command: one typer app; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from stockade import __version__
from stockade.cli import detect as detect_cli
from stockade.cli import inventory as inventory_cli
from stockade.cli import net as net_cli
from stockade.cli import pss as pss_cli
from stockade.cli import rbac as rbac_cli
from stockade.cli import rules as rules_cli
from stockade.cli import scan as scan_cli
from stockade.cli import snapshot as snapshot_cli
from stockade.cli import webhook as webhook_cli
from stockade.cli.errors import command

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


app.command("scan")(command(scan_cli.scan))
app.add_typer(rules_cli.app, name="rules")
app.add_typer(webhook_cli.app, name="webhook")
app.command("pss")(command(pss_cli.pss))
app.add_typer(detect_cli.app, name="detect")
app.add_typer(net_cli.app, name="net")
app.add_typer(rbac_cli.app, name="rbac")
app.command("snapshot")(command(snapshot_cli.snapshot))
app.command("inventory")(command(inventory_cli.inventory))


def main(argv: list[str] | None = None) -> None:
    """Entry point. Ctrl-C and a closed pipe (``| head``) end quietly, as pip does."""
    try:
        app(args=argv)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
