"""Live-cluster speed and memory: 50,000 objects served by a local HTTPS API.

A deterministic synthetic cluster (namespaces of Deployments with their ReplicaSets and Pods,
Services, ServiceAccounts, ConfigMaps, Secrets, RBAC and NetworkPolicies, every object with
managedFields as a real API server sends them) is served by the test API server
(``tests/cluster/apiserver.py``) in a separate process. Each measured step is the real command,
run as its own process, timed with its peak RSS:

1. ``stockade snapshot --cluster -o snap.json.gz``
2. ``stockade scan snap.json.gz --format json``
3. ``stockade scan --cluster --format json``

Usage::

    python benchmarks/bench_cluster.py [--objects 50000] [--keep DIR] [--disable RULE ...]

Goal (issue "Live clusters"): snapshot + scan of 50,000 objects under 30 s, each under 500 MB
peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak import measure  # noqa: E402

# Per namespace: 10 Deployments, 10 ReplicaSets, 20 Pods, 5 Services, 3 ServiceAccounts,
# 4 ConfigMaps, 4 Secrets, 1 Role, 1 RoleBinding, 1 NetworkPolicy, 1 Namespace = 60 objects.
PER_NAMESPACE = 60


def _managed(rng: random.Random) -> list[dict[str, Any]]:
    fields = {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}, "f:annotations": {".": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"app"}': {
                            ".": {},
                            "f:image": {},
                            "f:name": {},
                            "f:resources": {},
                            "f:env": {},
                        }
                    }
                }
            },
        },
    }
    return [
        {
            "manager": rng.choice(["kubectl-client-side-apply", "argocd-controller", "helm"]),
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": "2024-03-01T10:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
        },
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": "2024-03-01T10:00:05Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:replicas": {}, "f:conditions": {}}},
            "subresource": "status",
        },
    ]


def _meta(rng: random.Random, name: str, ns: str | None, uid: str, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "uid": uid,
        "resourceVersion": str(rng.randint(1000, 999999)),
        "creationTimestamp": rng.choice(["2020-02-01T00:00:00Z", "2099-01-01T00:00:00Z"]),
        "labels": {"app": name.split("-")[0], "team": f"team-{rng.randint(0, 9)}"},
        "managedFields": _managed(rng),
    }
    if ns:
        meta["namespace"] = ns
    meta.update(extra)
    return meta


def _pod_spec(rng: random.Random, app: str) -> dict[str, Any]:
    hardened = rng.random() < 0.5
    c: dict[str, Any] = {
        "name": "app",
        "image": rng.choice(
            [
                f"ghcr.io/acme/{app}:1.2.3",
                "nginx:latest",
                f"registry.example.com/{app}@sha256:" + "ab" * 32,
            ]
        ),
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "p"}}},
        ],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}} if hardened else {},
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        if hardened
        else {"privileged": rng.random() < 0.1},
        "terminationMessagePath": "/dev/termination-log",
        "imagePullPolicy": "IfNotPresent",
    }
    return {
        "containers": [c],
        "serviceAccountName": "app",
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "volumes": [{"name": "creds", "secret": {"secretName": "tls"}}],
    }


def generate(objects: int, seed: int = 7) -> list[dict[str, Any]]:
    """About ``objects`` objects, the same for the same arguments."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for n in range(max(1, objects // PER_NAMESPACE)):
        ns = f"ns-{n:04d}"
        out.append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(rng, ns, None, f"u-{ns}")}
        )
        for d in range(10):
            app = f"app{d}"
            spec = _pod_spec(rng, app)
            tmpl = {"metadata": {"labels": {"app": app}}, "spec": spec}
            out.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": _meta(rng, app, ns, f"u-{ns}-d{d}"),
                    "spec": {
                        "replicas": 2,
                        "selector": {"matchLabels": {"app": app}},
                        "template": tmpl,
                    },
                    "status": {"replicas": 2, "readyReplicas": 2},
                }
            )
            owner = [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": app,
                    "uid": f"u-{ns}-d{d}",
                    "controller": True,
                }
            ]
            out.append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": _meta(
                        rng, f"{app}-7d9f", ns, f"u-{ns}-rs{d}", ownerReferences=owner
                    ),
                    "spec": {
                        "replicas": 2,
                        "selector": {"matchLabels": {"app": app}},
                        "template": tmpl,
                    },
                }
            )
            for p in range(2):
                rs_owner = [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": f"{app}-7d9f",
                        "uid": f"u-{ns}-rs{d}",
                        "controller": True,
                    }
                ]
                out.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": _meta(
                            rng, f"{app}-7d9f-{p}", ns, f"u-{ns}-p{d}-{p}", ownerReferences=rs_owner
                        ),
                        "spec": {**spec, "nodeName": f"node-{rng.randint(0, 99)}"},
                        "status": {"phase": "Running", "podIP": f"10.0.{n % 250}.{d * 2 + p}"},
                    }
                )
        for s in range(5):
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": _meta(rng, f"app{s}", ns, f"u-{ns}-s{s}"),
                    "spec": {
                        "type": rng.choice(["ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"]),
                        "selector": {"app": f"app{s}"},
                        "ports": [{"port": 80, "protocol": "TCP"}],
                    },
                }
            )
        for a in range(3):
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": _meta(rng, f"sa{a}", ns, f"u-{ns}-sa{a}"),
                }
            )
        for c in range(4):
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": _meta(rng, f"cm{c}", ns, f"u-{ns}-cm{c}"),
                    "data": {"mode": "prod", "config.yaml": "a: 1\nb: 2\n" * 10},
                }
            )
        for s, name in enumerate(("db", "tls", "api", "extra")):
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": _meta(rng, name, ns, f"u-{ns}-sec{s}"),
                    "type": "Opaque",
                    "data": {"password": "c2VjcmV0LXZhbHVl" * 8},
                }
            )
        out.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": _meta(rng, "reader", ns, f"u-{ns}-r"),
                "rules": [
                    {"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["get", "list"]}
                ],
            }
        )
        out.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": _meta(rng, "reader", ns, f"u-{ns}-rb"),
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "reader",
                },
                "subjects": [{"kind": "ServiceAccount", "name": "sa0", "namespace": ns}],
            }
        )
        out.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _meta(rng, "default-deny", ns, f"u-{ns}-np"),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
            }
        )
    return out


def serve(directory: Path, objects: int) -> None:
    """Child process: serve the generated cluster until stdin closes."""
    sys.path.insert(0, str(REPO))
    from tests.cluster.apiserver import ApiState, FakeApiServer, make_certs, write_kubeconfig

    certs = make_certs(directory / "pki")
    state = ApiState("bench-token")
    state.add(generate(objects))
    with FakeApiServer(state, certs) as server:
        write_kubeconfig(directory / "kubeconfig", server.url, certs.ca, "bench-token", "bench")
        print(sum(len(v) for v in state.objects.values()), flush=True)
        sys.stdin.read()


def _measure(args: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS in MB and exit code of one command."""
    run = measure(args, env=env)
    return run.wall, run.cpu, run.rss_mb, run.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="Keep the snapshot and kubeconfig here.")
    parser.add_argument(
        "--disable", action="append", default=[], help="Rule id the scans leave out (repeatable)."
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.serve:
        serve(ns.serve, ns.objects)
        return
    work = ns.keep or Path(tempfile.mkdtemp(prefix="stockade-bench-cluster-"))
    work.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(work), "--objects", str(ns.objects)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    served = int(server.stdout.readline())
    env = {**os.environ, "KUBECONFIG": str(work / "kubeconfig")}
    stockade = [sys.executable, "-m", "stockade"]
    snap = work / "snap.json.gz"
    extra = [arg for rule in ns.disable for arg in ("--disable", rule)]
    steps = [
        ("snapshot --cluster", [*stockade, "snapshot", "--cluster", "-o", str(snap)]),
        (
            "scan snapshot",
            [*stockade, "scan", str(snap), "--format", "json", "--fail-on", "never", *extra],
        ),
        (
            "scan --cluster",
            [*stockade, "scan", "--cluster", "--format", "json", "--fail-on", "never", *extra],
        ),
    ]
    print(f"objects served: {served:,}  (snapshot {snap})")
    results = {}
    try:
        for name, args in steps:
            wall, cpu, rss, code = _measure(args, env)
            results[name] = (wall, cpu, rss)
            print(
                f"{name:<20} {wall:6.2f} s wall  {cpu:6.2f} s CPU   peak RSS {rss:6.1f} MB   "
                f"exit {code}"
            )
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    total = results["snapshot --cluster"][0] + results["scan snapshot"][0]
    cpu = results["snapshot --cluster"][1] + results["scan snapshot"][1]
    peak = max(r for _, _, r in results.values())
    print(
        f"snapshot + scan: {total:.2f} s wall, {cpu:.2f} s CPU (goal < 30 s); "
        f"highest peak RSS {peak:.1f} MB (goal < 500 MB); load average {os.getloadavg()[0]:.1f}"
    )
    print(f"snapshot size: {snap.stat().st_size / 1e6:.1f} MB gzip")


if __name__ == "__main__":
    main()
