"""Shared options of commands that read paths or a live cluster, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stockade.sources import cluster as cluster_source
from stockade.sources.cluster_auth import ClusterOptions

CLUSTER = typer.Option(False, "--cluster", help="Read the live cluster of the kubeconfig context.")
CONTEXT = typer.Option(None, "--context", help="Kubeconfig context (default: the current one).")
NAMESPACE = typer.Option(
    [], "--namespace", "-n", help="With --cluster: read only this namespace (repeatable)."
)
KUBECONFIG = typer.Option(None, "--kubeconfig", help="Kubeconfig file (default: KUBECONFIG).")


def cluster_options(
    cluster: bool, context: str | None, namespaces: list[str], kubeconfig: Path | None
) -> ClusterOptions | None:
    """`ClusterOptions` when ``--cluster`` was given; cluster flags alone are a usage error."""
    if not cluster:
        if context or namespaces or kubeconfig:
            raise typer.BadParameter("--context, --namespace and --kubeconfig need --cluster")
        return None
    return ClusterOptions(
        context=context,
        kubeconfig=str(kubeconfig) if kubeconfig else None,
        namespaces=tuple(dict.fromkeys(namespaces)),
    )


@contextmanager
def cluster_progress(enabled: bool = True) -> Iterator[cluster_source.Observer]:
    """An observer drawing a progress bar on stderr when it is a terminal (no-op otherwise)."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _: None
        return
    columns = (
        TextColumn("reading cluster"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("lists, {task.fields[objects]:,} objects, {task.fields[kind]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("read", total=None, objects=0, kind="")

        def observe(p: cluster_source.Progress) -> None:
            bar.update(task, completed=p.done, total=p.total, objects=p.objects, kind=p.kind)

        yield observe
