"""Deterministic generator of inventories with NetworkPolicies, for oracle tests and benchmarks.

Shapes covered: namespaces with labels, Deployments/StatefulSets/DaemonSets/Pods with shared
and unique labels, named container ports (the same name on different numbers, UDP names),
and policies with every selector and rule form: empty and labelled podSelectors,
matchExpressions, omitted or explicit policyTypes, ``ingress: []`` and ``[{}]``, AND and OR
peers, ``namespaceSelector: {}``, ipBlock with except, numeric/named/endPort/protocol-only
ports over TCP, UDP and SCTP.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

ROLES = ("frontend", "backend", "db", "cache", "worker")
TEAMS = ("red", "blue", "green")
ENVS = ("prod", "staging", "dev")
PORT_NAMES = ("http", "grpc", "metrics", "dns")


def _sel(
    rng: random.Random, keys: dict[str, tuple[str, ...]], empty_p: float = 0.2
) -> dict[str, Any]:
    r = rng.random()
    if r < empty_p:
        return {}
    key = rng.choice(sorted(keys))
    values = keys[key]
    if r < 0.7:
        return {"matchLabels": {key: rng.choice(values)}}
    op = rng.choice(("In", "NotIn", "Exists", "DoesNotExist"))
    expr: dict[str, Any] = {"key": key, "operator": op}
    if op in ("In", "NotIn"):
        expr["values"] = sorted(set(rng.sample(values, k=min(2, len(values)))))
    out: dict[str, Any] = {"matchExpressions": [expr]}
    if rng.random() < 0.3:
        other = rng.choice(sorted(keys))
        out["matchLabels"] = {other: rng.choice(keys[other])}
    return out


def _ports(rng: random.Random) -> list[dict[str, Any]] | None:
    if rng.random() < 0.3:
        return None
    out: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        proto = rng.choice(("TCP", "TCP", "TCP", "UDP", "SCTP"))
        entry: dict[str, Any] = {}
        if r < 0.35:
            entry["port"] = rng.choice((80, 443, 53, 8080, 9090, 5432))
        elif r < 0.6:
            entry["port"] = rng.choice(PORT_NAMES)
        elif r < 0.8:
            lo = rng.choice((1000, 8000, 30000))
            entry["port"] = lo
            entry["endPort"] = lo + rng.choice((0, 10, 100, 5000))
        if proto != "TCP" or rng.random() < 0.3:
            entry["protocol"] = proto
        out.append(entry)
    return out


def _peer(
    rng: random.Random,
    pod_keys: dict[str, tuple[str, ...]],
    ns_keys: dict[str, tuple[str, ...]],
    ipv4_only: bool,
) -> dict[str, Any]:
    r = rng.random()
    if r < 0.3:
        return {"podSelector": _sel(rng, pod_keys)}
    if r < 0.5:
        return {"namespaceSelector": _sel(rng, ns_keys)}
    if r < 0.8:
        return {"namespaceSelector": _sel(rng, ns_keys), "podSelector": _sel(rng, pod_keys)}
    base = rng.choice(("10.0.0.0/8", "0.0.0.0/0", "192.168.0.0/16", "172.16.0.0/12"))
    block: dict[str, Any] = {"cidr": base}
    if rng.random() < 0.5:
        block["except"] = {
            "10.0.0.0/8": ["10.1.0.0/16", "10.200.0.0/24"],
            "0.0.0.0/0": ["10.0.0.0/8", "169.254.169.254/32"],
            "192.168.0.0/16": ["192.168.1.0/24"],
            "172.16.0.0/12": ["172.20.0.0/16"],
        }[base]
    if not ipv4_only and rng.random() < 0.2:
        block = {"cidr": "::/0", "except": ["fd00::/8"]}
    return {"ipBlock": block}


def _rules(
    rng: random.Random,
    peer_key: str,
    pod_keys: dict[str, tuple[str, ...]],
    ns_keys: dict[str, tuple[str, ...]],
    ipv4_only: bool,
) -> list[dict[str, Any]]:
    r = rng.random()
    if r < 0.15:
        return []
    if r < 0.25:
        return [{}]
    rules: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 2)):
        rule: dict[str, Any] = {}
        if rng.random() < 0.85:
            rule[peer_key] = [
                _peer(rng, pod_keys, ns_keys, ipv4_only) for _ in range(rng.randint(1, 2))
            ]
        ports = _ports(rng)
        if ports is not None:
            rule["ports"] = ports
        rules.append(rule)
    return rules


def generate(
    seed: int,
    namespaces: int = 4,
    workloads: int = 4,
    policies: int = 8,
    ipv4_only: bool = True,
) -> list[dict[str, Any]]:
    """Objects of one generated inventory (namespaces, workloads, policies)."""
    rng = random.Random(seed)
    objs: list[dict[str, Any]] = []
    ns_names = [f"ns{i}" for i in range(namespaces)]
    for i, ns in enumerate(ns_names):
        labels = {"team": TEAMS[i % len(TEAMS)], "env": ENVS[(i // 2) % len(ENVS)]}
        if rng.random() < 0.3:
            labels.pop("env")
        # The last namespace is left undeclared: it exists only through its workloads.
        if i < namespaces - 1 or namespaces == 1:
            objs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": ns, "labels": labels},
                }
            )
    kinds = ("Deployment", "Deployment", "StatefulSet", "DaemonSet", "Pod")
    for ns in ns_names:
        for j in range(workloads):
            name = f"w{j}"
            labels = {"app": name, "role": rng.choice(ROLES)}
            if rng.random() < 0.5:
                labels["tier"] = rng.choice(("a", "b"))
            ports = []
            for pname in rng.sample(PORT_NAMES, k=rng.randint(0, 3)):
                if pname == "dns":
                    ports.append(
                        {"name": "dns", "containerPort": 53, "protocol": rng.choice(("UDP", "TCP"))}
                    )
                else:
                    ports.append(
                        {"name": pname, "containerPort": rng.choice((80, 8080, 9090, 8443, 1234))}
                    )
            container: dict[str, Any] = {"name": "main", "image": "registry.example/app:1"}
            if ports:
                container["ports"] = ports
            pod_spec = {"containers": [container]}
            kind = rng.choice(kinds)
            meta = {"name": name, "namespace": ns}
            if kind == "Pod":
                objs.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {**meta, "labels": labels},
                        "spec": pod_spec,
                    }
                )
                continue
            spec: dict[str, Any] = {
                "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            }
            if kind != "DaemonSet":
                spec["replicas"] = rng.randint(1, 3)
            objs.append({"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec})
    pod_keys = {"app": tuple(f"w{j}" for j in range(workloads)), "role": ROLES, "tier": ("a", "b")}
    ns_keys = {"team": TEAMS, "env": ENVS, "kubernetes.io/metadata.name": tuple(ns_names)}
    for k in range(policies):
        ns = rng.choice(ns_names)
        spec = {"podSelector": _sel(rng, pod_keys, empty_p=0.3)}
        r = rng.random()
        ingress = _rules(rng, "from", pod_keys, ns_keys, ipv4_only)
        egress = _rules(rng, "to", pod_keys, ns_keys, ipv4_only)
        if r < 0.3:  # policyTypes omitted: defaulting decides
            if rng.random() < 0.7:
                spec["ingress"] = ingress
            if rng.random() < 0.6:
                spec["egress"] = egress
        elif r < 0.5:
            spec["policyTypes"] = ["Ingress"]
            spec["ingress"] = ingress
        elif r < 0.7:
            spec["policyTypes"] = ["Egress"]
            spec["egress"] = egress
        else:
            spec["policyTypes"] = ["Ingress", "Egress"]
            spec["ingress"] = ingress
            spec["egress"] = egress
        objs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"p{k}", "namespace": ns},
                "spec": spec,
            }
        )
    return objs


def write_dir(objs: list[dict[str, Any]], directory: Path) -> None:
    """Write objects as one multi-document file per namespace plus one for namespaces."""
    directory.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for o in objs:
        name = (
            "namespaces" if o["kind"] == "Namespace" else o["metadata"].get("namespace", "cluster")
        )
        by_file.setdefault(name, []).append(o)
    for name, docs in by_file.items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
