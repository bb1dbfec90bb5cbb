"""``stockade net``: reachability matrix, single-connection queries, exposure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from stockade.cli.errors import command
from stockade.cli.exit_codes import ExitCode
from stockade.cli.output import write_output
from stockade.cli.source import (
    CLUSTER,
    CONTEXT,
    KUBECONFIG,
    NAMESPACE,
    Gaps,
    cluster_options,
    gaps,
    read_source,
)
from stockade.errors import UsageError
from stockade.inventory.podspec import POD_BEARING_KINDS
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
from stockade.sources.cluster_auth import ClusterOptions
from stockade.sources.files import LoadOptions

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


REACH_KINDS = frozenset({"NetworkPolicy", "Namespace"})
"""What one connection's answer depends on: the policies and the namespace labels they select."""
MODEL_KINDS = REACH_KINDS | POD_BEARING_KINDS
"""What the matrix depends on: also every workload, with its pod labels."""
EXPOSURE_KINDS = MODEL_KINDS | {"Service", "Ingress"}


@dataclass(frozen=True, slots=True)
class _Loaded:
    model: NetworkModel
    had_errors: bool
    gaps: Gaps


def _load(
    paths: list[str] | None,
    no_render: bool,
    live: ClusterOptions | None,
    kinds: frozenset[str] = MODEL_KINDS,
) -> _Loaded:
    """The model of the manifests or cluster; errors go to stderr and make the exit code 2."""
    if not paths and live is None:
        raise UsageError(
            "nothing to analyse",
            "Give files or directories, e.g. `stockade net matrix k8s/`, or --cluster.",
        )
    source = read_source(paths, live, LoadOptions(render=not no_render))
    for e in source.loaded.errors:
        where = f"{e.file}:{e.line}" if e.line else e.file
        hint = f" ({e.hint})" if e.hint else ""
        typer.echo(f"stockade: {where}: {e.message}{hint}", err=True)
    model = NetworkModel(source.inventory)
    for p in model.policies:
        for issue in p.issues:
            typer.echo(f"stockade: warning: NetworkPolicy {p.ref}: {issue.message}", err=True)
    return _Loaded(model, bool(source.loaded.errors), gaps(source, kinds))


_PATHS = typer.Argument(None, help="Files, directories, globs, snapshots, or - for stdin.")
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
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
) -> int:
    """Which workload can open connections to which, on which ports."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    loaded = _load(paths, no_render, live)
    doc = matrix_document(loaded.model, grouped=group)
    render: dict[MatrixFormat, Callable[[dict[str, Any]], str]] = {
        MatrixFormat.TABLE: lambda d: loaded.gaps.text(matrix_table(d)),
        MatrixFormat.JSON: lambda d: to_json(loaded.gaps.document(d)),
        MatrixFormat.CSV: matrix_csv,
        MatrixFormat.DOT: matrix_dot,
    }
    if fmt in (MatrixFormat.CSV, MatrixFormat.DOT):  # no place in them to say it
        loaded.gaps.warn()
    write_output(render[fmt](doc), output)
    return ExitCode.ERRORS if loaded.had_errors else ExitCode.OK


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
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
) -> int:
    """Can SRC connect to DST on PORT? Exit 0 for yes, 1 for no; prints the deciding policies."""
    dst, port = _split_target(target)
    live = cluster_options(cluster, context, namespace, kubeconfig)
    loaded = _load(paths, no_render, live, REACH_KINDS)
    answer = reach(loaded.model, src, dst, port)
    if fmt is TextFormat.JSON:
        typer.echo(to_json(loaded.gaps.document(answer.to_json())), nl=False)
    else:
        verdict = "yes" if answer.allowed else "no"
        lines = [f"{verdict}: {answer.src} -> {answer.dst} {answer.protocol}/{answer.port}"]
        lines += [f"  {d.explain()}" for d in answer.decisions]
        typer.echo(loaded.gaps.text("\n".join(lines) + "\n"), nl=False)
    if loaded.had_errors:
        return ExitCode.ERRORS
    return ExitCode.OK if answer.allowed else ExitCode.FINDINGS


@app.command("exposure")
@command
def exposure_cmd(
    paths: list[str] = _PATHS,
    fmt: TextFormat = typer.Option(TextFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = _OUTPUT,
    no_render: bool = _NO_RENDER,
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
) -> int:
    """What outside the cluster can reach each workload, and what each can reach outside."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    loaded = _load(paths, no_render, live, EXPOSURE_KINDS)
    items = exposure(loaded.model)
    if fmt is TextFormat.JSON:
        text = to_json(loaded.gaps.document(exposure_document(items)))
    else:
        text = loaded.gaps.text(exposure_table(items))
    write_output(text, output)
    return ExitCode.ERRORS if loaded.had_errors else ExitCode.OK
