"""Throughput and memory of `stockade detect` over a generated audit log.

Generates a deterministic JSON-lines log of realistic audit events (default 1,000,000: the
traffic mix of a busy cluster — leases, kubelet status patches, controller watches, kubectl
reads, events, pod creates with full bodies, secret reads, health checks, exec, denials),
then runs every built-in rule over it in this one process (one core) and reports events/s
and resident memory sampled along the way (flat memory = streaming).

    python benchmarks/bench_detect.py                 # 1,000,000 events
    python benchmarks/bench_detect.py --events 200000 --keep /tmp/audit.log
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from stockade.detect import Detector, builtin_rules, read_source

NODES = [f"node-{i}" for i in range(40)]
NAMESPACES = ["default", "shop", "payments", "search", "monitoring", "ingress", "batch"]
USERS = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "system:serviceaccount:ci:deployer",
    "system:serviceaccount:monitoring:prometheus",
]
CONTROLLERS = [
    "replicaset-controller",
    "deployment-controller",
    "endpointslice-controller",
    "daemon-set-controller",
    "job-controller",
    "namespace-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
]


def _base(
    rng: random.Random,
    n: int,
    t: float,
    verb: str,
    user: str,
    groups: list[str],
    ref: dict[str, Any] | None,
    uri: str,
    code: int = 200,
    level: str = "Metadata",
    stage: str = "ResponseComplete",
) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1e6) % 1000000:06d}Z"
    ev: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": level,
        "auditID": f"{n:08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
        f"a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}",
        "stage": stage,
        "requestURI": uri,
        "verb": verb,
        "user": {"username": user, "groups": groups},
        "sourceIPs": [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"],
        "userAgent": "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46",
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": stamp,
        "stageTimestamp": stamp,
        "annotations": {
            "authorization.k8s.io/decision": "forbid" if code == 403 else "allow",
            "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding "
            '"system:controller" of ClusterRole "system:controller"',
        },
    }
    if ref is not None:
        ev["objectRef"] = ref
    return ev


def _pod(rng: random.Random, ns: str, name: str, privileged: bool) -> dict[str, Any]:
    sc: dict[str, Any] = {
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    if privileged:
        sc = {"privileged": True}
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "generateName": name[:-5],
            "labels": {"app": name[:-11], "pod-template-hash": "7d9f8b6c5d"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": name[:-6],
                    "uid": "b1c2",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": f"registry.example.com/{ns}/app:1.{rng.randrange(40)}",
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                    },
                    "securityContext": sc,
                    "volumeMounts": [
                        {
                            "name": "kube-api-access",
                            "readOnly": True,
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        }
                    ],
                }
            ],
            "volumes": [
                {
                    "name": "kube-api-access",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
                        ]
                    },
                }
            ],
            "restartPolicy": "Always",
            "serviceAccountName": "default",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        },
    }


def make_event(rng: random.Random, n: int, t: float) -> dict[str, Any]:
    """One event of the mix; ``n`` makes it unique and deterministic."""
    r = rng.random()
    node = rng.choice(NODES)
    ns = rng.choice(NAMESPACES)
    if r < 0.25:  # leader election and node heartbeats
        holder = rng.choice(
            [f"system:node:{node}", "system:kube-controller-manager", "system:kube-scheduler"]
        )
        name = node if holder.startswith("system:node") else holder.split(":")[-1]
        lease_ns = "kube-node-lease" if holder.startswith("system:node") else "kube-system"
        return _base(
            rng,
            n,
            t,
            "update",
            holder,
            ["system:authenticated"],
            {
                "resource": "leases",
                "namespace": lease_ns,
                "name": name,
                "apiGroup": "coordination.k8s.io",
                "apiVersion": "v1",
            },
            f"/apis/coordination.k8s.io/v1/namespaces/{lease_ns}/leases/{name}",
        )
    if r < 0.37:  # kubelet status patches
        pod = f"app-{rng.randrange(10**5):05d}"
        return _base(
            rng,
            n,
            t,
            "patch",
            f"system:node:{node}",
            ["system:nodes"],
            {
                "resource": "pods",
                "namespace": ns,
                "name": pod,
                "subresource": "status",
                "apiVersion": "v1",
            },
            f"/api/v1/namespaces/{ns}/pods/{pod}/status",
        )
    if r < 0.57:  # controller and kubelet reads and watches
        res = rng.choice(["pods", "configmaps", "endpoints", "services", "nodes", "secrets"])
        verb = rng.choice(["get", "list", "watch"])
        user = rng.choice(
            [f"system:serviceaccount:kube-system:{rng.choice(CONTROLLERS)}", f"system:node:{node}"]
        )
        ref = {"resource": res, "namespace": ns, "apiVersion": "v1"}
        return _base(
            rng,
            n,
            t,
            verb,
            user,
            ["system:serviceaccounts"],
            ref,
            f"/api/v1/namespaces/{ns}/{res}?watch=true",
            stage="ResponseStarted" if verb == "watch" else "ResponseComplete",
        )
    if r < 0.67:  # events
        return _base(
            rng,
            n,
            t,
            "create",
            f"system:node:{node}",
            ["system:nodes"],
            {
                "resource": "events",
                "namespace": ns,
                "apiVersion": "v1",
                "apiGroup": "events.k8s.io",
            },
            f"/apis/events.k8s.io/v1/namespaces/{ns}/events",
            code=201,
        )
    if r < 0.79:  # people and CI reading
        res = rng.choice(["pods", "deployments", "services", "configmaps", "ingresses"])
        return _base(
            rng,
            n,
            t,
            rng.choice(["get", "list"]),
            rng.choice(USERS),
            ["system:authenticated"],
            {"resource": res, "namespace": ns, "apiVersion": "v1"},
            f"/api/v1/namespaces/{ns}/{res}",
        )
    if r < 0.83:  # application secret reads (the same few secrets)
        return _base(
            rng,
            n,
            t,
            "get",
            f"system:serviceaccount:{ns}:app",
            ["system:serviceaccounts"],
            {"resource": "secrets", "namespace": ns, "name": f"{ns}-db", "apiVersion": "v1"},
            f"/api/v1/namespaces/{ns}/secrets/{ns}-db",
        )
    if r < 0.86:  # pod creates by the replicaset controller, with bodies
        name = f"app-{ns}-7d9f8b6c5d-{rng.randrange(10**5):05d}"
        body = _pod(rng, ns, name, privileged=rng.random() < 0.01)
        ev = _base(
            rng,
            n,
            t,
            "create",
            "system:serviceaccount:kube-system:replicaset-controller",
            ["system:serviceaccounts"],
            {"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1"},
            f"/api/v1/namespaces/{ns}/pods",
            code=201,
            level="RequestResponse",
        )
        ev["requestObject"] = body
        ev["responseObject"] = body
        return ev
    if r < 0.87:  # deployment patches by CI (image bumps)
        dep = f"app-{ns}"
        patch = {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": f"registry.example.com/{ns}/app:1.{rng.randrange(40)}",
                            }
                        ]
                    }
                }
            }
        }
        ev = _base(
            rng,
            n,
            t,
            "patch",
            rng.choice(USERS[3:4] + USERS[:1]),
            ["system:authenticated"],
            {
                "resource": "deployments",
                "namespace": ns,
                "name": dep,
                "apiGroup": "apps",
                "apiVersion": "v1",
            },
            f"/apis/apps/v1/namespaces/{ns}/deployments/{dep}",
            level="Request",
        )
        ev["requestObject"] = patch
        return ev
    if r < 0.95:  # health checks and discovery
        path = rng.choice(["/healthz", "/livez", "/readyz", "/version", "/api", "/apis"])
        user = (
            "system:anonymous" if path in ("/healthz", "/livez", "/readyz") else rng.choice(USERS)
        )
        return _base(
            rng,
            n,
            t,
            "get",
            user,
            ["system:unauthenticated"] if user == "system:anonymous" else ["system:authenticated"],
            None,
            path,
        )
    if r < 0.97:  # kubelet token requests for projected volumes
        return _base(
            rng,
            n,
            t,
            "create",
            f"system:node:{node}",
            ["system:nodes"],
            {
                "resource": "serviceaccounts",
                "namespace": ns,
                "name": "default",
                "subresource": "token",
                "apiVersion": "v1",
            },
            f"/api/v1/namespaces/{ns}/serviceaccounts/default/token",
            code=201,
        )
    if r < 0.985:  # denials
        return _base(
            rng,
            n,
            t,
            "list",
            rng.choice(USERS),
            ["system:authenticated"],
            {"resource": "secrets", "namespace": "kube-system", "apiVersion": "v1"},
            "/api/v1/namespaces/kube-system/secrets",
            code=403,
        )
    if r < 0.99:  # exec
        pod = f"app-{rng.randrange(100):03d}"
        return _base(
            rng,
            n,
            t,
            "create",
            rng.choice(USERS[:3]),
            ["system:authenticated"],
            {
                "resource": "pods",
                "namespace": ns,
                "name": pod,
                "subresource": "exec",
                "apiVersion": "v1",
            },
            f"/api/v1/namespaces/{ns}/pods/{pod}/exec?command=sh&stdin=true&tty=true",
            code=101,
            stage="ResponseStarted",
        )
    # RBAC reads, nodes/proxy metrics scrapes, configmap writes
    kind = rng.random()
    if kind < 0.4:
        return _base(
            rng,
            n,
            t,
            "get",
            "system:serviceaccount:monitoring:prometheus",
            ["system:serviceaccounts"],
            {"resource": "nodes", "name": node, "subresource": "proxy", "apiVersion": "v1"},
            f"/api/v1/nodes/{node}/proxy/metrics/cadvisor",
        )
    return _base(
        rng,
        n,
        t,
        "update",
        rng.choice(USERS),
        ["system:authenticated"],
        {"resource": "configmaps", "namespace": ns, "name": "settings", "apiVersion": "v1"},
        f"/api/v1/namespaces/{ns}/configmaps/settings",
    )


def generate(path: Path, count: int, seed: int = 7) -> int:
    """Write ``count`` events as JSON lines; return the file size."""
    rng = random.Random(seed)
    t = 1_795_000_000.0
    with path.open("wb") as out:
        buf: list[bytes] = []
        for n in range(count):
            t += rng.expovariate(2000.0)  # ~2000 requests/s
            buf.append(orjson.dumps(make_event(rng, n, t)))
            if len(buf) >= 10_000:
                out.write(b"\n".join(buf) + b"\n")
                buf.clear()
        if buf:
            out.write(b"\n".join(buf) + b"\n")
    return path.stat().st_size


def rss_mib() -> float:
    """Resident set size of this process, MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(path: Path, count: int) -> dict[str, Any]:
    """Detect over the file with every built-in rule; time and memory samples."""
    detector = Detector(builtin_rules())
    alerts = 0
    by_rule: dict[str, int] = {}
    samples: list[tuple[int, float]] = []
    step = max(count // 10, 1)
    start = time.perf_counter()
    cpu0 = time.process_time()
    for item in read_source(str(path)):
        for alert in detector.feed(item):
            alerts += 1
            by_rule[alert.rule] = by_rule.get(alert.rule, 0) + 1
        if detector.events % step == 0 and item.event is not None:
            samples.append((detector.events, rss_mib()))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    return {
        "events": detector.events,
        "alerts": alerts,
        "seconds": elapsed,
        "cpu": cpu,
        "rate": detector.events / elapsed,
        "samples": samples,
        "by_rule": by_rule,
        "errors": len(detector.errors),
        "not_evaluated": detector.not_evaluated(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Write the log here and keep it.")
    parser.add_argument("--log", type=Path, help="Use an existing generated log.")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="Run detection N times, report the fastest (shared machines).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.log or args.keep or Path(tmp) / "audit.log"
        if args.log is None:
            t0 = time.perf_counter()
            size = generate(path, args.events)
            print(
                f"generated {args.events:,} events, {size / 2**20:,.0f} MiB "
                f"in {time.perf_counter() - t0:.1f}s: {path}"
            )
        runs = [run(path, args.events) for _ in range(max(args.repeat, 1))]
        result = min(runs, key=lambda r: r["seconds"])
        if len(runs) > 1:
            print("runs (events/s): " + ", ".join(f"{r['rate']:,.0f}" for r in runs))
    print(f"events: {result['events']:,}  alerts: {result['alerts']:,}  errors: {result['errors']}")
    print(
        "alerts by rule: " + ", ".join(f"{k}={v:,}" for k, v in sorted(result["by_rule"].items()))
    )
    print(
        f"wall: {result['seconds']:.1f}s  cpu: {result['cpu']:.1f}s  "
        f"throughput: {result['rate']:,.0f} events/s wall-clock, "
        f"{result['events'] / result['cpu']:,.0f} events/s of CPU time "
        "(one core, every built-in rule)"
    )
    print(
        "RSS (MiB) by events read: "
        + ", ".join(f"{n // 1000:,}k={mib:.0f}" for n, mib in result["samples"])
    )
    for ne in result["not_evaluated"]:
        print(f"not evaluated: {ne['rules'][0]}: {ne['reason']} ({ne['events']:,} events)")
    ok = result["rate"] >= 50_000
    print("target >= 50,000 events/s:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
