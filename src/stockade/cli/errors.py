"""One place where library errors become messages and exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from stockade.cli.exit_codes import ExitCode
from stockade.errors import StockadeError

F = TypeVar("F", bound=Callable[..., Any])


def command(fn: F) -> F:
    """Wrap a command: an int result is the exit code; a StockadeError is a message and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            rc = fn(*args, **kwargs)
        except StockadeError as exc:
            typer.echo(f"stockade: error: {exc.diagnostics()}", err=True)
            raise typer.Exit(ExitCode.ERRORS) from None
        if isinstance(rc, int) and rc:
            raise typer.Exit(rc)
        return rc

    return wrapper  # type: ignore[return-value]
