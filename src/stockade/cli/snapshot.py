"""``stockade snapshot --cluster -o FILE``: capture a cluster once, scan it offline later."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from stockade.cli.source import CONTEXT, KUBECONFIG, NAMESPACE, cluster_options, cluster_progress
from stockade.errors import UsageError
from stockade.sources.cluster import read_cluster
from stockade.sources.snapshot import write_snapshot


def snapshot(
    output: Path = typer.Option(..., "--output", "-o", help="Snapshot file (.json or .json.gz)."),
    cluster: bool = typer.Option(False, "--cluster", help="Capture the live cluster (required)."),
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
) -> int:
    """Capture the objects Stockade reads from a cluster (Secrets as metadata only)."""
    options = cluster_options(cluster, context, namespace, kubeconfig)
    if options is None:
        raise UsageError(
            "snapshot needs --cluster", "Example: stockade snapshot --cluster -o prod.json.gz"
        )
    with cluster_progress() as observer:
        read = read_cluster(options, observer)
    write_snapshot(read, output)
    err = Console(stderr=True, highlight=False)
    err.print(f"wrote {read.count:,} objects from context {read.context} to {output}")
    for u in read.unreadable:
        status = f"HTTP {u.status}: " if u.status else ""
        err.print(f"[yellow]could not read {u.scope()}[/]: {status}{u.reason}", markup=True)
    return 0
