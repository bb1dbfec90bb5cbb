"""Shared options of commands that read paths or a live cluster, the progress bar, and the
one loading path of the query commands (``rbac``, ``net``, ``pss``)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stockade.sources import cluster as cluster_source
from stockade.sources.cluster_auth import ClusterOptions
from stockade.sources.coverage import UnreadableKind, unreadable_of
from stockade.sources.files import LoadOptions
from stockade.sources.select import InventorySource, load_inventory

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


def read_source(
    paths: Sequence[str] | None,
    live: ClusterOptions | None,
    load_options: LoadOptions | None = None,
) -> InventorySource:
    """Paths (files, snapshots) or the live cluster, with the progress bar while reading one.

    Both at once is a `UsageError`; an unreachable cluster or unusable kubeconfig a
    `ClusterError` (both become a message and exit code 2 through `cli.errors.command`).
    """
    with cluster_progress(live is not None) as observer:
        return load_inventory(paths or [], live, load_options=load_options, observer=observer)


def unreadable_lines(unreadable: Iterable[UnreadableKind]) -> list[str]:
    """One ``could not read KIND: HTTP 403: reason`` line per kind."""
    out = []
    for u in unreadable:
        status = f"HTTP {u.status}: " if u.status else ""
        out.append(f"could not read {u.scope()}: {status}{u.reason}")
    return out


@dataclass(frozen=True, slots=True)
class Gaps:
    """The kinds a query depends on that could not be read, and how each output shows them.

    JSON documents gain an ``unreadable`` list (only when something is missing, so outputs on
    manifests are unchanged); tables start with one ``incomplete:`` line per kind; formats with
    no place for it (CSV, DOT) get the same lines on stderr.
    """

    unreadable: tuple[UnreadableKind, ...] = ()

    def document(self, doc: dict[str, Any]) -> dict[str, Any]:
        """``doc`` with the ``unreadable`` list added when there is one."""
        if self.unreadable:
            doc["unreadable"] = [u.to_json() for u in self.unreadable]
        return doc

    def text(self, body: str) -> str:
        """A table, preceded by what makes it incomplete."""
        return "".join(f"incomplete: {x}\n" for x in unreadable_lines(self.unreadable)) + body

    def warn(self) -> None:
        """The same lines on stderr."""
        for line in unreadable_lines(self.unreadable):
            typer.echo(f"stockade: warning: incomplete: {line}", err=True)


def gaps(source: InventorySource, kinds: Iterable[str]) -> Gaps:
    """What among ``kinds`` (what a query reads) the source could not read."""
    return Gaps(tuple(unreadable_of(source.loaded.unreadable, kinds)))
