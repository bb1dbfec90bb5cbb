"""``stockade inventory``: workloads with their managers, images, service accounts and exposure."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stockade.cli.output import write_output
from stockade.cli.source import (
    CLUSTER,
    CONTEXT,
    KUBECONFIG,
    NAMESPACE,
    cluster_options,
    cluster_progress,
)
from stockade.inventory.workloads import summarise_workloads
from stockade.sources.select import load_inventory


class InventoryFormat(StrEnum):
    """Formats of ``stockade inventory``."""

    TABLE = "table"
    JSON = "json"


def inventory(
    paths: list[str] = typer.Argument(None, help="Files, directories, globs or snapshots."),
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
    fmt: InventoryFormat = typer.Option(
        InventoryFormat.TABLE, "--format", "-f", help="Output format."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> int:
    """List workloads: who last changed them, their images, service accounts and exposure."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    with cluster_progress(live is not None) as observer:
        source = load_inventory(paths or [], live, observer=observer)
    workloads = summarise_workloads(source.inventory)
    err = Console(stderr=True, highlight=False)
    for e in source.loaded.errors:
        err.print(f"{escape(e.file)}:{e.line or ''}: {escape(e.message)}")
    for u in source.loaded.unreadable:
        err.print(f"could not read {escape(u.scope())}: {escape(u.reason)}")
    if fmt is InventoryFormat.JSON:
        doc = {
            "workloads": [w.to_json() for w in workloads],
            "unreadable": [u.to_json() for u in source.loaded.unreadable],
        }
        write_output(
            orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n",
            output,
        )
        return 2 if source.loaded.errors else 0
    table = Table(show_lines=False)
    for col in ("Workload", "Managed by (last change)", "Images", "Service account", "Exposure"):
        table.add_column(col, overflow="fold")
    for w in workloads:
        last = w.last_change
        managed = ", ".join(w.managers) or "-"
        if last:
            managed += (
                f"\n({last['manager']} {last.get('operation') or ''} {last.get('time') or ''})"
            )
        table.add_row(
            escape(f"{w.kind}/{w.namespace}/{w.name}"),
            escape(managed),
            escape("\n".join(w.images) or "-"),
            escape(w.service_account),
            escape("\n".join(f"{e.kind}/{e.name} {e.detail}" for e in w.exposure) or "-"),
        )
    if output is not None:
        with output.open("w", encoding="utf-8") as fh:
            _print(Console(file=fh, no_color=True, width=200), table, len(workloads))
    else:
        _print(Console(highlight=False), table, len(workloads))
    return 2 if source.loaded.errors else 0


def _print(console: Console, table: Table, count: int) -> None:
    console.print(table)
    console.print(f"{count} workloads")
