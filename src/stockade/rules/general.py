"""General hygiene rules that apply to every kind."""

from __future__ import annotations

from collections.abc import Iterator

from stockade.inventory.index import Inventory
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

_NOT_DEPLOYED = frozenset({"List", "Namespace"})


@rule(
    id="default-namespace",
    title="Resource in the default namespace",
    severity=Severity.LOW,
    category=Category.GENERAL,
    target=Target.INVENTORY,
    remediation="""Set metadata.namespace to a namespace of the application's own. The default
    namespace mixes unrelated workloads, so RBAC grants, NetworkPolicies and quotas written for
    one apply to all.""",
)
def default_namespace(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A namespaced resource in ``default`` or with no namespace."""
    for res in inv:
        if res.kind in _NOT_DEPLOYED or not inv.is_namespaced(res):
            continue
        if res.namespace is None:
            yield Violation(
                "no namespace set: it lands in the current namespace, usually default",
                ("metadata",),
                resource=res,
            )
        elif res.namespace == "default":
            yield Violation(
                'resource is in the "default" namespace', ("metadata", "namespace"), resource=res
            )
