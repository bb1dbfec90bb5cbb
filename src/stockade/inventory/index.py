"""The inventory: every loaded resource, indexed once so rules and engines answer by lookup."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from stockade.inventory.podspec import POD_BEARING_KINDS, PodTemplate, pod_template
from stockade.inventory.resource import CLUSTER_SCOPED_KINDS, CONFIG_GROUPS, Resource
from stockade.inventory.selectors import selector_matches


class Inventory:
    """Resources indexed by kind, namespace and name, with pod templates extracted once."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: list[Resource] = list(resources)
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._by_key: dict[tuple[str, str | None, str], Resource] = {}
        for r in self.resources:
            self._by_kind[r.kind].append(r)
            self._by_key.setdefault((r.kind, r.namespace, r.name), r)
        self._crd_scopes = self._index_crd_scopes()
        self._pod_templates: list[PodTemplate] | None = None

    def _index_crd_scopes(self) -> dict[str, bool]:
        scopes: dict[str, bool] = {}
        for crd in self._by_kind.get("CustomResourceDefinition", ()):
            spec = crd.spec
            names = spec.get("names")
            if isinstance(names, dict) and isinstance(names.get("kind"), str):
                scopes[names["kind"]] = spec.get("scope") != "Cluster"
        return scopes

    def __len__(self) -> int:
        return len(self.resources)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def kinds(self) -> list[str]:
        """Kinds present, sorted."""
        return sorted(self._by_kind)

    def of_kind(self, *kinds: str) -> list[Resource]:
        """Resources of the given kinds, in load order."""
        if len(kinds) == 1:
            return self._by_kind.get(kinds[0], [])
        out: list[Resource] = []
        for kind in kinds:
            out.extend(self._by_kind.get(kind, ()))
        return out

    def has_any(self, kinds: Iterable[str]) -> bool:
        """Whether at least one resource is of one of ``kinds``."""
        # Only __init__ writes to the defaultdict, so every key has resources.
        return not self._by_kind.keys().isdisjoint(kinds)

    def get(self, kind: str, namespace: str | None, name: str) -> Resource | None:
        """The resource with that kind, namespace and name, if loaded.

        A namespaced lookup in ``default`` also finds objects with no namespace given.
        """
        found = self._by_key.get((kind, namespace, name))
        if found is None and namespace == "default":
            found = self._by_key.get((kind, None, name))
        if found is None and namespace is None:
            found = self._by_key.get((kind, "default", name))
        return found

    def is_namespaced(self, resource: Resource) -> bool:
        """Whether the kind is namespaced: built-in knowledge, then CRDs, then naming."""
        if resource.kind in CLUSTER_SCOPED_KINDS or resource.group in CONFIG_GROUPS:
            return False
        scope = self._crd_scopes.get(resource.kind)
        if scope is not None:
            return scope
        # NOTE: an unknown custom kind without a CRD in view; "Cluster*" kinds are
        # conventionally cluster-scoped (ClusterIssuer, ClusterSPIFFEID, …).
        return not resource.kind.startswith("Cluster")

    def namespaces(self) -> list[str]:
        """Every namespace that is declared or that a namespaced object lands in, sorted."""
        names = {r.name for r in self._by_kind.get("Namespace", ())}
        for r in self.resources:
            if r.kind != "Namespace" and self.is_namespaced(r):
                names.add(r.effective_namespace())
        return sorted(names)

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        """Labels of a namespace, with the automatic ``kubernetes.io/metadata.name``."""
        ns = self.get("Namespace", None, namespace)
        labels = dict(ns.labels) if ns is not None else {}
        labels["kubernetes.io/metadata.name"] = namespace
        return labels

    def pod_templates(self) -> list[PodTemplate]:
        """Pod templates of every pod-bearing resource; extracted once."""
        if self._pod_templates is None:
            found: list[PodTemplate] = []
            for kind in POD_BEARING_KINDS:
                for r in self._by_kind.get(kind, ()):
                    pt = pod_template(r)
                    if pt is not None:
                        found.append(pt)
            self._pod_templates = found
        return self._pod_templates

    def select(
        self, kind: str, namespace: str, selector: Mapping[str, Any] | None
    ) -> list[Resource]:
        """Resources of ``kind`` in ``namespace`` whose labels ``selector`` selects."""
        return [
            r
            for r in self._by_kind.get(kind, ())
            if r.effective_namespace() == namespace and selector_matches(selector, r.labels)
        ]
