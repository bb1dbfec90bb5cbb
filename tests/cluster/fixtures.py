"""The objects the test cluster serves: a small shop with the usual mistakes."""

from __future__ import annotations

from typing import Any

SECRET_VALUE = "s3cr3t-Pa55w0rd-do-not-leak"
"""The password stored in the cluster's Secret; it must never appear in any output."""
SECRET_B64 = "czNjcjN0LVBhNTV3MHJkLWRvLW5vdC1sZWFr"

_FIELDS: dict[str, Any] = {"f:metadata": {"f:labels": {}}, "f:spec": {"f:replicas": {}}}


def _managed(*entries: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {
            "manager": m,
            "operation": op,
            "time": t,
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": _FIELDS,
        }
        for m, op, t in entries
    ]


def _meta(name: str, namespace: str | None, uid: str, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "uid": uid,
        "resourceVersion": "1",
        "creationTimestamp": "2024-01-01T00:00:00Z",
    }
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


_POD_SPEC = {
    "serviceAccountName": "api",
    "containers": [
        {
            "name": "api",
            "image": "ghcr.io/acme/api:latest",
            "securityContext": {"privileged": True},
            "env": [
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                }
            ],
        }
    ],
    "volumes": [{"name": "creds", "secret": {"secretName": "db"}}],
}


def cluster_objects() -> list[dict[str, Any]]:
    """Every object, with kind and apiVersion (the server stores them so)."""
    last_applied = (
        '{"apiVersion":"v1","data":{"password":"' + SECRET_B64 + '"},"kind":"Secret",'
        '"metadata":{"name":"db","namespace":"shop"}}'
    )
    objs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, None, f"ns-{ns}")}
        for ns in ("shop", "tools", "kube-system")
    ]
    objs += [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(
                "api",
                "shop",
                "dep-api",
                managedFields=_managed(
                    ("kubectl-client-side-apply", "Update", "2024-01-01T00:00:00Z"),
                    ("argocd-controller", "Apply", "2024-05-02T10:00:00Z"),
                    ("kube-controller-manager", "Update", "2024-05-02T10:00:05Z"),
                ),
                labels={"app": "api"},
            ),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": _POD_SPEC},
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": _meta(
                "api-5d8f",
                "shop",
                "rs-api",
                ownerReferences=[
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "api",
                        "uid": "dep-api",
                        "controller": True,
                    }
                ],
            ),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": _POD_SPEC},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": _meta(
                "api-5d8f-x1",
                "shop",
                "pod-api",
                labels={"app": "api"},
                ownerReferences=[
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "api-5d8f",
                        "uid": "rs-api",
                        "controller": True,
                    }
                ],
            ),
            "spec": _POD_SPEC,
            "status": {"phase": "Running"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": _meta(
                "debug",
                "tools",
                "pod-debug",
                managedFields=_managed(("kubectl-run", "Update", "2024-06-01T08:00:00Z")),
            ),
            "spec": {"hostNetwork": True, "containers": [{"name": "sh", "image": "busybox"}]},
            "status": {"phase": "Running"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": _meta("coredns-1", "kube-system", "pod-dns"),
            "spec": {
                "containers": [{"name": "coredns", "image": "registry.k8s.io/coredns:v1.11.1"}]
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta("api", "shop", "svc-api"),
            "spec": {
                "type": "LoadBalancer",
                "selector": {"app": "api"},
                "ports": [{"port": 443, "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": _meta("api", "shop", "ing-api"),
            "spec": {
                "rules": [
                    {
                        "host": "shop.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": "api", "port": {"number": 443}}
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(
                "db",
                "shop",
                "sec-db",
                creationTimestamp="2020-03-01T00:00:00Z",
                annotations={"kubectl.kubernetes.io/last-applied-configuration": last_applied},
            ),
            "type": "Opaque",
            "data": {"password": SECRET_B64},
            "stringData": {"plain": SECRET_VALUE},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta("settings", "shop", "cm-settings"),
            "data": {"mode": "prod"},
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta("api", "shop", "sa-api"),
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta("reader", None, "cr-reader"),
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        },
    ]
    return objs
