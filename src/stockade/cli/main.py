"""The ``stockade`` command: one typer app; each command group lives in its own module.

Command modules import their engines (pydantic, CEL, the network model, the HTTP server) at
import time, so `main` registers only the module of the command being run: a scan does not pay
for the webhook or the audit detector. Help and tests get every command (`build_app`, `app`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

import typer

from stockade import __version__
from stockade.cli.errors import command

# name -> (module, attribute, whether the attribute is a typer group); in help order.
_COMMANDS: dict[str, tuple[str, str, bool]] = {
    "scan": ("stockade.cli.scan", "scan", False),
    "rules": ("stockade.cli.rules", "app", True),
    "webhook": ("stockade.cli.webhook", "app", True),
    "pss": ("stockade.cli.pss", "pss", False),
    "detect": ("stockade.cli.detect", "app", True),
    "net": ("stockade.cli.net", "app", True),
    "rbac": ("stockade.cli.rbac", "app", True),
    "snapshot": ("stockade.cli.snapshot", "snapshot", False),
    "inventory": ("stockade.cli.inventory", "inventory", False),
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stockade {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Kubernetes security scanner."""


def build_app(names: Iterable[str] = _COMMANDS) -> typer.Typer:
    """The app with the given commands registered (all of them by default)."""
    app = typer.Typer(
        name="stockade",
        help="Kubernetes security: workloads, images, secrets, RBAC, network, admission, audit logs.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in names:
        module, attribute, group = _COMMANDS[name]
        target = getattr(importlib.import_module(module), attribute)
        if group:
            app.add_typer(target, name=name)
        else:
            app.command(name)(command(target))
    return app


def _wanted(args: list[str]) -> list[str]:
    """The one command named on the command line, or all (for help and errors)."""
    first = next((a for a in args if not a.startswith("-")), None)
    if first in _COMMANDS and not {"-h", "--help", "--version"} & set(args[: args.index(first)]):
        return [first]
    return list(_COMMANDS)


def main(argv: list[str] | None = None) -> None:
    """Entry point. Ctrl-C and a closed pipe (``| head``) end quietly, as pip does."""
    args = sys.argv[1:] if argv is None else argv
    try:
        build_app(_wanted(args))(args=args)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


def __getattr__(name: str) -> Any:
    # `app` (every command) is built on first use only: `main` does not need it.
    if name == "app":
        built = build_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)
