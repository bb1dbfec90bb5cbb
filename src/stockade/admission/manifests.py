"""A deployable, hardened manifest set for the webhook, checked by `stockade scan` itself.

Namespace (restricted Pod Security), ServiceAccount without an automounted token (a projected,
expiring token is mounted explicitly for the namespace watch), read-only RBAC on namespaces,
ConfigMap with the config, Deployment (2 or more replicas spread over nodes, non-root, read-only root
filesystem, no capabilities, RuntimeDefault seccomp, requests and limits, probes),
PodDisruptionBudget, Service, NetworkPolicies (default deny; the webhook may receive on its
port and reach DNS and the API server) and the ValidatingWebhookConfiguration.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from stockade.admission.policy import ADMISSION_CAPABILITIES, MODE_LABEL
from stockade.inventory.podspec import POD_BEARING_KINDS
from stockade.rules.catalogue import load_catalogue
from stockade.rules.registry import Registry, Target

NAME = "stockade-webhook"
WEBHOOK_NAME = "validate.stockade.dev"
PORT = 8443
TLS_SECRET = f"{NAME}-tls"
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_CPU = re.compile(r"(\d+)m|(\d+(?:\.\d+)?)")

# kind -> (API group, resource). Kinds the catalogue judges are sent to the webhook; Secrets
# are not (their only rule needs manifest files), so Secret data never leaves the API server.
KIND_RESOURCES: dict[str, tuple[str, str]] = {
    "Pod": ("", "pods"),
    "ReplicationController": ("", "replicationcontrollers"),
    "PodTemplate": ("", "podtemplates"),
    "Service": ("", "services"),
    "ServiceAccount": ("", "serviceaccounts"),
    "ConfigMap": ("", "configmaps"),
    "Deployment": ("apps", "deployments"),
    "StatefulSet": ("apps", "statefulsets"),
    "DaemonSet": ("apps", "daemonsets"),
    "ReplicaSet": ("apps", "replicasets"),
    "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"),
    "Ingress": ("networking.k8s.io", "ingresses"),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
    "Role": ("rbac.authorization.k8s.io", "roles"),
    "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings"),
    "ClusterRole": ("rbac.authorization.k8s.io", "clusterroles"),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "clusterrolebindings"),
}
_INVENTORY_KINDS = frozenset(KIND_RESOURCES) - {"Secret"}


@dataclass(frozen=True, slots=True)
class ManifestOptions:
    """What the manifests are built from."""

    namespace: str = "stockade-system"
    image: str = "ghcr.io/stockade-dev/stockade:0.1.0"
    failure_policy: str = "Fail"
    ca_bundle: bytes | None = None
    exempt_namespaces: tuple[str, ...] = ("kube-system",)
    mode: str = "warn"
    fail_on: str = "high"
    timeout_seconds: int = 5
    cert_manager: bool = False
    config: str = field(default="")
    api_server_cidr: str = "0.0.0.0/0"
    """Where the API server is, for the egress policy; narrow it to the cluster's endpoint."""
    replicas: int = 2
    cpu_request: str = "100m"
    """About 1 ms of CPU per review: 100m covers some 100 reviews per second per replica."""


def cpu_millis(quantity: str) -> int | None:
    """Millicores of a positive CPU quantity written as ``250m``, ``2`` or ``0.5``; else None."""
    match = _CPU.fullmatch(quantity.strip())
    if match is None:
        return None
    millis = int(match[1]) if match[1] else round(float(match[2]) * 1000)
    return millis or None


def _cpu_limit(request: str) -> str:
    """One core, or the request when it is more: a limit below the request is invalid."""
    millis = cpu_millis(request) or 0
    return "1" if millis <= 1000 else request


def covered_kinds(registry: Registry, capabilities: frozenset[str]) -> list[str]:
    """Kinds at least one rule evaluable at admission looks at, among known built-ins."""
    kinds: set[str] = set()
    for r in registry:
        if not r.meta.needs <= capabilities:
            continue
        if r.meta.target is Target.POD:
            kinds |= POD_BEARING_KINDS
        elif r.meta.target is Target.RESOURCE:
            kinds |= r.meta.kinds
        else:
            kinds |= _INVENTORY_KINDS
    return sorted(k for k in kinds if k in KIND_RESOURCES)


def webhook_rules(kinds: list[str]) -> list[dict[str, Any]]:
    """Admission rules: CREATE and UPDATE of each kind, grouped by API group."""
    by_group: dict[str, list[str]] = {}
    for kind in kinds:
        group, resource = KIND_RESOURCES[kind]
        by_group.setdefault(group, []).append(resource)
    return [
        {
            "apiGroups": [group],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": sorted(resources),
            "scope": "*",
        }
        for group, resources in sorted(by_group.items())
    ]


def _labels(component: str | None = None) -> dict[str, str]:
    out = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "stockade"}
    if component:
        out["app.kubernetes.io/component"] = component
    return out


def default_config(opts: ManifestOptions) -> str:
    """The stockade.yaml the Deployment mounts, unless one is given."""
    exempt = "".join(f"      - {n}\n" for n in opts.exempt_namespaces)
    return (
        "version: 1\n"
        "admission:\n"
        f"  mode: {opts.mode}\n"
        f"  fail_on: {opts.fail_on}\n"
        "  exemptions:\n"
        "    namespaces:\n"
        f"{exempt}"
    )


def _deployment(opts: ManifestOptions) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": NAME}
    probe = {"scheme": "HTTPS", "port": PORT}
    container = {
        "name": "webhook",
        "image": opts.image,
        "imagePullPolicy": "IfNotPresent",
        "args": [
            "webhook",
            "serve",
            "--config",
            "/etc/stockade/config/stockade.yaml",
            "--tls-cert",
            "/etc/stockade/tls/tls.crt",
            "--tls-key",
            "/etc/stockade/tls/tls.key",
            "--port",
            str(PORT),
            "--namespace",
            opts.namespace,
        ],
        "ports": [{"name": "https", "containerPort": PORT, "protocol": "TCP"}],
        "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}],
        "readinessProbe": {"httpGet": {"path": "/readyz", **probe}, "periodSeconds": 5},
        "livenessProbe": {
            "httpGet": {"path": "/healthz", **probe},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        "resources": {
            "requests": {"cpu": opts.cpu_request, "memory": "128Mi"},
            "limits": {"cpu": _cpu_limit(opts.cpu_request), "memory": "256Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/stockade/config", "readOnly": True},
            {"name": "tls", "mountPath": "/etc/stockade/tls", "readOnly": True},
            {"name": "api-token", "mountPath": TOKEN_PATH, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": opts.namespace, "labels": _labels("webhook")},
        "spec": {
            "replicas": opts.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": selector},
            "strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": _labels("webhook")},
                "spec": {
                    "serviceAccountName": NAME,
                    # The namespace watch needs a token: a projected, expiring one, mounted
                    # explicitly, instead of the automounted legacy path.
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "fsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": selector},
                        }
                    ],
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": f"{NAME}-config"}},
                        {"name": "tls", "secret": {"secretName": TLS_SECRET}},
                        {
                            "name": "api-token",
                            "projected": {
                                "sources": [
                                    {
                                        "serviceAccountToken": {
                                            "path": "token",
                                            "expirationSeconds": 3600,
                                        }
                                    },
                                    {
                                        "configMap": {
                                            "name": "kube-root-ca.crt",
                                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                        }
                                    },
                                    {
                                        "downwardAPI": {
                                            "items": [
                                                {
                                                    "path": "namespace",
                                                    "fieldRef": {"fieldPath": "metadata.namespace"},
                                                }
                                            ]
                                        }
                                    },
                                ]
                            },
                        },
                        {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                    ],
                },
            },
        },
    }


def _webhook_configuration(opts: ManifestOptions, registry: Registry) -> dict[str, Any]:
    client: dict[str, Any] = {
        "service": {"name": NAME, "namespace": opts.namespace, "path": "/validate", "port": 443}
    }
    if opts.ca_bundle is not None:
        client["caBundle"] = base64.b64encode(opts.ca_bundle).decode()
    exempt = sorted({opts.namespace, *opts.exempt_namespaces})
    metadata: dict[str, Any] = {"name": NAME, "labels": _labels()}
    if opts.cert_manager:
        metadata["annotations"] = {"cert-manager.io/inject-ca-from": f"{opts.namespace}/{NAME}"}
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": metadata,
        "webhooks": [
            {
                "name": WEBHOOK_NAME,
                "admissionReviewVersions": ["v1"],
                "sideEffects": "None",
                "timeoutSeconds": opts.timeout_seconds,
                "failurePolicy": opts.failure_policy,
                "matchPolicy": "Equivalent",
                "clientConfig": client,
                "namespaceSelector": {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": exempt,
                        }
                    ]
                },
                "rules": webhook_rules(covered_kinds(registry, ADMISSION_CAPABILITIES)),
            }
        ],
    }


def _cert_manager(opts: ManifestOptions) -> list[dict[str, Any]]:
    issuer = f"{NAME}-selfsigned"
    return [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": {"name": issuer, "namespace": opts.namespace, "labels": _labels()},
            "spec": {"selfSigned": {}},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": NAME, "namespace": opts.namespace, "labels": _labels()},
            "spec": {
                "secretName": TLS_SECRET,
                "dnsNames": [
                    f"{NAME}.{opts.namespace}.svc",
                    f"{NAME}.{opts.namespace}.svc.cluster.local",
                ],
                "issuerRef": {"name": issuer, "kind": "Issuer"},
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "duration": "2160h",
                "renewBefore": "360h",
            },
        },
    ]


def _api_block(cidr: str) -> dict[str, Any]:
    block: dict[str, Any] = {"cidr": cidr}
    if cidr in ("0.0.0.0/0", "169.254.0.0/16") or cidr.endswith("/0"):
        block["except"] = ["169.254.169.254/32"]
    return block


def webhook_manifests(
    opts: ManifestOptions, registry: Registry | None = None
) -> list[dict[str, Any]]:
    """Every object to apply, in apply order."""
    registry = registry or load_catalogue()
    ns = opts.namespace
    selector = {"app.kubernetes.io/name": NAME}
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns,
                "labels": {
                    **_labels(),
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    MODE_LABEL: "audit",
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": NAME, "namespace": ns, "labels": _labels()},
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": f"{NAME}-namespaces", "labels": _labels()},
            "rules": [
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": f"{NAME}-namespaces", "labels": _labels()},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": f"{NAME}-namespaces",
            },
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{NAME}-config", "namespace": ns, "labels": _labels()},
            "data": {"stockade.yaml": opts.config or default_config(opts)},
        },
        *(_cert_manager(opts) if opts.cert_manager else []),
        _deployment(opts),
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": NAME, "namespace": ns, "labels": _labels()},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": NAME, "namespace": ns, "labels": _labels()},
            "spec": {
                "type": "ClusterIP",
                "selector": selector,
                "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny", "namespace": ns, "labels": _labels()},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": NAME, "namespace": ns, "labels": _labels()},
            "spec": {
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress", "Egress"],
                # The API server's source address differs per cluster; only the port is fixed.
                "ingress": [{"ports": [{"port": PORT, "protocol": "TCP"}]}],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [
                            {"port": 53, "protocol": "UDP"},
                            {"port": 53, "protocol": "TCP"},
                        ],
                    },
                    {
                        # The namespace watch: the API server, at the address given (its
                        # endpoint differs per cluster), never the cloud metadata service.
                        "to": [{"ipBlock": _api_block(opts.api_server_cidr)}],
                        "ports": [
                            {"port": 443, "protocol": "TCP"},
                            {"port": 6443, "protocol": "TCP"},
                        ],
                    },
                ],
            },
        },
        _webhook_configuration(opts, registry),
    ]
    return objects
