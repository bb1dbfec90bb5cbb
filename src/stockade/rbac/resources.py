"""What the authorizer needs to know about resource names: their API group and scope.

The API server knows these from discovery; from manifests we know the built-in resources
(below) and the CustomResourceDefinitions in the inventory. A resource we know nothing about is
taken to be in the core group (``""``) and namespaced; write ``RESOURCE.GROUP`` to say otherwise.
"""

from __future__ import annotations

from stockade.inventory import Inventory

# Built-in resources by API group (Kubernetes 1.33).
BUILTIN_GROUPS: dict[str, tuple[str, ...]] = {
    "": (
        "bindings",
        "componentstatuses",
        "configmaps",
        "endpoints",
        "events",
        "limitranges",
        "namespaces",
        "nodes",
        "persistentvolumeclaims",
        "persistentvolumes",
        "pods",
        "podtemplates",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "serviceaccounts",
        "services",
        "users",
        "groups",
    ),
    "apps": ("controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"),
    "batch": ("cronjobs", "jobs"),
    "autoscaling": ("horizontalpodautoscalers",),
    "policy": ("poddisruptionbudgets",),
    "networking.k8s.io": ("ingressclasses", "ingresses", "networkpolicies"),
    "rbac.authorization.k8s.io": ("clusterrolebindings", "clusterroles", "rolebindings", "roles"),
    "storage.k8s.io": (
        "csidrivers",
        "csinodes",
        "csistoragecapacities",
        "storageclasses",
        "volumeattachments",
    ),
    "admissionregistration.k8s.io": (
        "mutatingwebhookconfigurations",
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "validatingwebhookconfigurations",
    ),
    "apiextensions.k8s.io": ("customresourcedefinitions",),
    "apiregistration.k8s.io": ("apiservices",),
    "certificates.k8s.io": ("certificatesigningrequests", "clustertrustbundles", "signers"),
    "coordination.k8s.io": ("leases",),
    "discovery.k8s.io": ("endpointslices",),
    "events.k8s.io": (),
    "flowcontrol.apiserver.k8s.io": ("flowschemas", "prioritylevelconfigurations"),
    "node.k8s.io": ("runtimeclasses",),
    "scheduling.k8s.io": ("priorityclasses",),
    "authentication.k8s.io": ("tokenreviews", "selfsubjectreviews", "userextras", "uids"),
    "authorization.k8s.io": (
        "localsubjectaccessreviews",
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
        "subjectaccessreviews",
    ),
}

RESOURCE_GROUP: dict[str, str] = {r: g for g, rs in BUILTIN_GROUPS.items() for r in rs}

CLUSTER_SCOPED_RESOURCES = frozenset(
    {
        "namespaces",
        "nodes",
        "persistentvolumes",
        "componentstatuses",
        "users",
        "groups",
        "clusterroles",
        "clusterrolebindings",
        "csidrivers",
        "csinodes",
        "storageclasses",
        "volumeattachments",
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "customresourcedefinitions",
        "apiservices",
        "certificatesigningrequests",
        "clustertrustbundles",
        "signers",
        "flowschemas",
        "prioritylevelconfigurations",
        "runtimeclasses",
        "priorityclasses",
        "ingressclasses",
        "tokenreviews",
        "selfsubjectreviews",
        "selfsubjectaccessreviews",
        "selfsubjectrulesreviews",
        "subjectaccessreviews",
        "userextras",
        "uids",
    }
)


class ResourceCatalog:
    """Groups and scopes of resources: built-in ones, plus CRDs from an inventory."""

    def __init__(self, inventory: Inventory | None = None) -> None:
        self.groups = dict(RESOURCE_GROUP)
        self.cluster_scoped = set(CLUSTER_SCOPED_RESOURCES)
        for crd in inventory.of_kind("CustomResourceDefinition") if inventory else ():
            names = crd.spec.get("names")
            group = crd.spec.get("group")
            if (
                isinstance(names, dict)
                and isinstance(names.get("plural"), str)
                and isinstance(group, str)
            ):
                self.groups.setdefault(names["plural"], group)
                if crd.spec.get("scope") == "Cluster":
                    self.cluster_scoped.add(names["plural"])

    def group_of(self, resource: str) -> str:
        """The API group of a resource (core ``""`` when unknown)."""
        return self.groups.get(resource, "")

    def is_cluster_scoped(self, resource: str) -> bool:
        """Whether requests for the resource never carry a namespace."""
        return resource in self.cluster_scoped


def split_resource(text: str, catalog: ResourceCatalog) -> tuple[str, str, str, str]:
    """``pods/exec``, ``secrets/db-password``, ``deployments.apps/web/scale`` ->
    (resource, group, subresource, name).

    After the resource, one more part is a subresource when the resource has it as a known
    subresource, otherwise a name; two more parts are name and subresource, as in the API path
    ``/namespaces/NS/pods/NAME/exec``.
    """
    parts = text.split("/")
    head = parts[0]
    resource, _, group = head.partition(".")
    if not _:
        group = catalog.group_of(resource)
    if len(parts) == 1:
        return resource, group, "", ""
    if len(parts) == 2:
        if parts[1] in KNOWN_SUBRESOURCES.get(resource, ()) or resource == "*":
            return resource, group, parts[1], ""
        return resource, group, "", parts[1]
    return resource, group, "/".join(parts[2:]), parts[1]


KNOWN_SUBRESOURCES: dict[str, tuple[str, ...]] = {
    "pods": (
        "exec",
        "attach",
        "portforward",
        "proxy",
        "log",
        "status",
        "binding",
        "eviction",
        "ephemeralcontainers",
        "resize",
    ),
    "nodes": ("proxy", "status"),
    "services": ("proxy", "status"),
    "serviceaccounts": ("token",),
    "certificatesigningrequests": ("approval", "status"),
    "deployments": ("scale", "status", "rollback"),
    "statefulsets": ("scale", "status"),
    "replicasets": ("scale", "status"),
    "replicationcontrollers": ("scale", "status"),
    "daemonsets": ("status",),
    "jobs": ("status",),
    "cronjobs": ("status",),
    "namespaces": ("status", "finalize"),
    "persistentvolumeclaims": ("status",),
    "persistentvolumes": ("status",),
}
