"""``stockade net``: reachability matrix, single-connection queries, exposure."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from stockade.cli.errors import command
from stockade.cli.exit_codes import ExitCode
from stockade.cli.output import write_output
from stockade.errors import UsageError
from stockade.inventory import Inventory
from stockade.network import NetworkModel, exposure, reach
from stockade.network.render import (
    exposure_document,
    exposure_table,
    matrix_csv,
    matrix_document,
    matrix_dot,
    matrix_table,
    to_json,
)
from stockade.sources.files import LoadOptions, load_paths

app = typer.Typer(
    help="Network reachability from NetworkPolicies: matrix, reach, exposure.",
    no_args_is_help=True,
)


class MatrixFormat(StrEnum):
    """Formats of ``stockade net matrix``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    DOT = "dot"


class TextFormat(StrEnum):
    """Formats of ``reach`` and ``exposure``."""

    TABLE = "table"
    JSON = "json"


def _load(paths: list[str] | None, no_render: bool) -> tuple[NetworkModel, bool]:
    """The model of the manifests; errors go to stderr and make the exit code 2."""
    if not paths:
        raise UsageError(
            "nothing to analyse", "Give files or directories, e.g. `stockade net matrix k8s/`."
        )
    loaded = load_paths(paths, LoadOptions(render=not no_render))
    for e in loaded.errors:
        where = f"{e.file}:{e.line}" if e.line else e.file
        hint = f" ({e.hint})" if e.hint else ""
        typer.echo(f"stockade: {where}: {e.message}{hint}", err=True)
    model = NetworkModel(Inventory(loaded.resources))
    for p in model.policies:
        for issue in p.issues:
            typer.echo(f"stockade: warning: NetworkPolicy {p.ref}: {issue.message}", err=True)
    return model, bool(loaded.errors)


_PATHS = typer.Argument(None, help="Files, directories, globs, or - for stdin.")
_NO_RENDER = typer.Option(
    False, "--no-render", help="Do not run kubectl kustomize / helm template."
)
_OUTPUT = typer.Option(None, "--output", "-o", help="Write to a file instead of stdout.")


@app.command("matrix")
@command
def matrix(
    paths: list[str] = _PATHS,
    fmt: MatrixFormat = typer.Option(MatrixFormat.TABLE, "--format", "-f", help="Output format."),
    group: bool = typer.Option(
        False, "--group", help="Group workloads with identical connectivity."
    ),
    output: Path | None = _OUTPUT,
    no_render: bool = _NO_RENDER,
) -> int:
    """Which workload can open connections to which, on which ports."""
    model, had_errors = _load(paths, no_render)
    doc = matrix_document(model, grouped=group)
    render = {
        MatrixFormat.TABLE: matrix_table,
        MatrixFormat.JSON: to_json,
        MatrixFormat.CSV: matrix_csv,
        MatrixFormat.DOT: matrix_dot,
    }[fmt]
    write_output(render(doc), output)
    return ExitCode.ERRORS if had_errors else ExitCode.OK


def _split_target(text: str) -> tuple[str, str]:
    if text.startswith("["):  # [2001:db8::1]:443
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
    if not sep or not host or not port:
        raise UsageError(
            f"destination {text!r} has no port",
            "Write it as NAMESPACE/WORKLOAD:PORT, e.g. shop/payments:8443 or shop/dns:UDP/53.",
        )
    return host, port


@app.command("reach")
@command
def reach_cmd(
    src: str = typer.Argument(..., help="Source: NAMESPACE/WORKLOAD or an IP address."),
    target: str = typer.Argument(..., help="Destination and port: NAMESPACE/WORKLOAD:PORT."),
    paths: list[str] = _PATHS,
    fmt: TextFormat = typer.Option(TextFormat.TABLE, "--format", "-f", help="Output format."),
    no_render: bool = _NO_RENDER,
) -> int:
    """Can SRC connect to DST on PORT? Exit 0 for yes, 1 for no; prints the deciding policies."""
    dst, port = _split_target(target)
    model, had_errors = _load(paths, no_render)
    answer = reach(model, src, dst, port)
    if fmt is TextFormat.JSON:
        typer.echo(to_json(answer.to_json()), nl=False)
    else:
        verdict = "yes" if answer.allowed else "no"
        typer.echo(f"{verdict}: {answer.src} -> {answer.dst} {answer.protocol}/{answer.port}")
        for d in answer.decisions:
            typer.echo(f"  {d.explain()}")
    if had_errors:
        return ExitCode.ERRORS
    return ExitCode.OK if answer.allowed else ExitCode.FINDINGS


@app.command("exposure")
@command
def exposure_cmd(
    paths: list[str] = _PATHS,
    fmt: TextFormat = typer.Option(TextFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = _OUTPUT,
    no_render: bool = _NO_RENDER,
) -> int:
    """What outside the cluster can reach each workload, and what each can reach outside."""
    model, had_errors = _load(paths, no_render)
    items = exposure(model)
    text = to_json(exposure_document(items)) if fmt is TextFormat.JSON else exposure_table(items)
    write_output(text, output)
    return ExitCode.ERRORS if had_errors else ExitCode.OK
