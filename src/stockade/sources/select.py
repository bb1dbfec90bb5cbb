"""One way for every command to get an inventory: from paths (files, snapshots) or a cluster.

```python
from stockade.sources.select import load_inventory
from stockade.sources.cluster_auth import ClusterOptions

src = load_inventory(["k8s/"])                                  # files, dirs, globs, snapshots
src = load_inventory([], ClusterOptions(context="prod", namespaces=("payments",)))
src.inventory      # stockade.inventory.Inventory
src.loaded         # LoadResult: resources, errors, unreadable kinds, capabilities
src.live           # True for a cluster or a snapshot of one
src.not_evaluated(rule_ids)  # NotEvaluated entries for an engine's own queries
```
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stockade.errors import UsageError
from stockade.inventory.index import Inventory
from stockade.model import NotEvaluated
from stockade.rules.catalogue import load_catalogue
from stockade.sources.cluster import ClusterRead, Observer, read_cluster
from stockade.sources.cluster_auth import ClusterOptions, Connection
from stockade.sources.coverage import LIVE_CAPABILITIES, not_evaluated_for
from stockade.sources.files import LoadOptions, LoadResult, load_paths
from stockade.sources.live import live_resources


def _quiet(_: object) -> None:
    """No progress reporting."""


@dataclass(slots=True)
class InventorySource:
    """An inventory and everything known about how it was read."""

    loaded: LoadResult
    inventory: Inventory
    cluster: ClusterRead | None = None
    """The raw read, when the source was a live cluster (what a snapshot writes)."""

    @property
    def live(self) -> bool:
        """Whether the objects come from a cluster (directly or through a snapshot)."""
        return self.loaded.capabilities is not None and "live" in self.loaded.capabilities

    def not_evaluated(self, rule_ids: Iterable[str] | None = None) -> list[NotEvaluated]:
        """Entries for kinds that could not be read, naming the affected catalogue rules.

        Engines with queries of their own (RBAC, network) can report the unreadable kinds
        directly from ``loaded.unreadable``.
        """
        rules = list(load_catalogue())
        if rule_ids is not None:
            wanted = set(rule_ids)
            rules = [r for r in rules if r.id in wanted]
        return not_evaluated_for(rules, self.loaded.unreadable)


def cluster_load_result(read: ClusterRead) -> LoadResult:
    """A cluster read as a `LoadResult`: live resources, unreadable kinds, live capabilities."""
    resources, _ = live_resources(read.objects, read.label, read.deferred)
    return LoadResult(
        resources=resources,
        unreadable=list(read.unreadable),
        capabilities=LIVE_CAPABILITIES,
    )


def load_inventory(
    paths: Sequence[str],
    cluster: ClusterOptions | None = None,
    *,
    load_options: LoadOptions | None = None,
    stdin: bytes | None = None,
    observer: Observer = _quiet,
    connection: Connection | None = None,
) -> InventorySource:
    """Load from ``paths`` or, when ``cluster`` is given, from the live API (never both).

    Raises `UsageError` for both or neither, and `ClusterError` when the cluster cannot be
    reached or its credentials loaded. Per-file and per-kind problems are values in ``loaded``.
    """
    if cluster is not None and paths:
        raise UsageError(
            "give paths or --cluster, not both",
            "Scan the cluster with `--cluster`, or capture it with `stockade snapshot` and "
            "scan the snapshot with your files.",
        )
    if cluster is not None:
        read = read_cluster(cluster, observer, connection)
        loaded = cluster_load_result(read)
        return InventorySource(loaded, Inventory(loaded.resources), read)
    if not paths:
        raise UsageError(
            "nothing to scan",
            "Give files or directories, e.g. `stockade scan k8s/`, - for stdin, or --cluster.",
        )
    loaded = load_paths(paths, load_options, stdin=stdin)
    return InventorySource(loaded, Inventory(loaded.resources))
