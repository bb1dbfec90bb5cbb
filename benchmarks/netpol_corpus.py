"""Deterministic, realistic NetworkPolicy corpora for benchmarks.

Per namespace: labelled namespace (team, env), ``workloads`` Deployments with named container
ports (``http`` on a workload-dependent number, ``metrics``), and four policies in one of
three styles, in turn: ingress-only default deny with allow rules (frontend-to-backend across
the team's namespaces on the named ``http`` port and an endPort range, scraping from
``monitoring``, same-namespace); full default deny with DNS egress to kube-dns and HTTPS egress
to the internet except private ranges and the metadata address; no default deny, policies on
some roles only (namespaceSelector with NotIn, ipBlock with except, endPort). Three
infrastructure namespaces (kube-system with kube-dns, monitoring, ingress-nginx) come first.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

ROLES = ("frontend", "backend", "backend", "worker", "db")
TEAMS = ("payments", "catalog", "search", "identity", "media", "ads", "ops")
ENVS = ("prod", "staging", "dev")


def _deploy(
    ns: str, name: str, labels: dict[str, str], ports: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": labels["app"]}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "main", "image": f"registry.example/{name}:1.0", "ports": ports}
                    ]
                },
            },
        },
    }


def _policy(ns: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


_PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"]


def _spec(kind: str, team: str) -> dict[str, Any]:
    if kind == "deny-ingress":
        return {"podSelector": {}, "policyTypes": ["Ingress"]}
    if kind == "deny-all":
        return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    if kind == "allow-dns":
        return {
            "podSelector": {},
            "policyTypes": ["Egress"],
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
                    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                }
            ],
        }
    if kind == "frontend-to-backend":
        return {
            "podSelector": {"matchLabels": {"role": "backend"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": team}},
                            "podSelector": {"matchLabels": {"role": "frontend"}},
                        },
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                            }
                        },
                    ],
                    "ports": [{"port": "http"}, {"port": 8000, "endPort": 8100}],
                }
            ],
        }
    if kind == "allow-scrape":
        return {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"purpose": "observability"}}}],
                    "ports": [{"port": "metrics"}],
                }
            ],
        }
    if kind == "frontend-https-out":
        return {
            "podSelector": {"matchLabels": {"role": "frontend"}},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": _PRIVATE}}],
                    "ports": [{"port": 443}],
                },
                {"to": [{"podSelector": {"matchLabels": {"role": "backend"}}}]},
            ],
        }
    if kind == "same-namespace":
        return {
            "podSelector": {
                "matchExpressions": [{"key": "role", "operator": "In", "values": ["backend", "db"]}]
            },
            "ingress": [{"from": [{"podSelector": {}}]}],
        }
    if kind == "db-from-backend":
        return {
            "podSelector": {"matchLabels": {"role": "db"}},
            "ingress": [
                {
                    "from": [
                        {"podSelector": {"matchLabels": {"role": "backend"}}},
                        {
                            "namespaceSelector": {
                                "matchExpressions": [
                                    {"key": "env", "operator": "NotIn", "values": ["dev"]}
                                ]
                            },
                            "podSelector": {"matchLabels": {"role": "backend"}},
                        },
                    ],
                    "ports": [{"port": 5432}, {"port": "metrics"}],
                }
            ],
        }
    # worker-egress
    return {
        "podSelector": {"matchLabels": {"role": "worker"}},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}],
                "ports": [{"port": 8000, "endPort": 9000}],
            },
            {
                "to": [{"namespaceSelector": {}}],
                "ports": [{"port": 53, "protocol": "UDP"}, {"port": "http"}],
            },
        ],
    }


def generate(namespaces: int, workloads: int, policies: int, seed: int = 7) -> list[dict[str, Any]]:
    """Objects of one corpus: ``namespaces`` x ``workloads`` workloads, ``policies`` policies."""
    rng = random.Random(seed)
    objs: list[dict[str, Any]] = []
    for name, labels in (
        ("kube-system", {}),
        ("monitoring", {"purpose": "observability"}),
        ("ingress-nginx", {"purpose": "edge"}),
    ):
        objs.append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
        )
    objs.append(
        _deploy(
            "kube-system",
            "coredns",
            {"app": "coredns", "k8s-app": "kube-dns"},
            [
                {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                {"name": "dns-tcp", "containerPort": 53},
            ],
        )
    )
    objs.append(
        _deploy(
            "monitoring",
            "prometheus",
            {"app": "prometheus"},
            [{"name": "web", "containerPort": 9090}],
        )
    )
    objs.append(
        _deploy(
            "ingress-nginx",
            "controller",
            {"app": "ingress-nginx"},
            [{"name": "https", "containerPort": 443}],
        )
    )
    names = [f"team-{i:04d}" for i in range(namespaces)]
    for i, ns in enumerate(names):
        objs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": ns,
                    "labels": {"team": TEAMS[i % len(TEAMS)], "env": ENVS[i % len(ENVS)]},
                },
            }
        )
        for j in range(workloads):
            role = ROLES[j % len(ROLES)]
            ports = [
                {"name": "http", "containerPort": rng.choice((8080, 8000, 3000))},
                {"name": "metrics", "containerPort": 9100},
            ]
            objs.append(_deploy(ns, f"svc-{j:02d}", {"app": f"svc-{j:02d}", "role": role}, ports))
    # Three namespace styles, in turn: ingress-only default deny with allow rules; full
    # default deny with DNS and HTTPS egress; no default deny, policies on some roles only.
    plans: list[tuple[str, str]] = []
    for i, ns in enumerate(names):
        style = i % 3
        kinds = {
            0: ("deny-ingress", "frontend-to-backend", "allow-scrape", "same-namespace"),
            1: ("deny-all", "allow-dns", "frontend-https-out", "frontend-to-backend"),
            2: ("frontend-to-backend", "db-from-backend", "worker-egress", "allow-scrape"),
        }[style]
        plans.extend((ns, k) for k in kinds)
    # Interleave so any policy count spreads over all namespaces.
    order = sorted(range(len(plans)), key=lambda x: (x % 4, x // 4))
    for idx in order[:policies]:
        ns, kind = plans[idx]
        team = TEAMS[names.index(ns) % len(TEAMS)]
        objs.append(_policy(ns, kind, _spec(kind, team)))
    return objs


def write(objs: list[dict[str, Any]], directory: Path) -> None:
    """One multi-document file per namespace (namespaces in their own file, written last)."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict[str, Any]]] = {}
    for o in objs:
        key = "zz-namespaces" if o["kind"] == "Namespace" else o["metadata"]["namespace"]
        files.setdefault(key, []).append(o)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for key, docs in files.items():
        (directory / f"{key}.yaml").write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False))
