"""The built-in catalogue: importing this module registers every rule once."""

from __future__ import annotations

from functools import cache

from stockade.rules.registry import REGISTRY, Registry


@cache
def load_catalogue() -> Registry:
    """The registry with every built-in rule module imported."""
    # Imports register rules as a side effect; one line per rule module.
    import stockade.rules.apiserver
    import stockade.rules.apiserverconfig
    import stockade.rules.controlplane
    import stockade.rules.kubelet
    import stockade.rules.network  # noqa: F401
    from stockade.rules import (  # noqa: F401
        general,
        images,
        rbac,
        rotation,
        secrets,
        services,
        workload,
    )

    return REGISTRY
