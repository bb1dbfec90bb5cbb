"""Speed of the RBAC permission index, who-can queries and the secrets access matrix.

Generates a deterministic cluster (seeded): 200 namespaces, 10,000 roles (2,000 ClusterRoles,
8,000 Roles), 50,000 bindings (RoleBindings and ClusterRoleBindings naming service accounts,
users and groups), 2,000 secrets and 5,000 service accounts with workloads that mount them.
Then measures, in this one process (wall and CPU time: on a shared machine CPU time is the
figure that does not depend on other load):

- building the index (parse + validate + aggregate + index) — goal < 3 s;
- who-can queries after that — goal < 50 ms each (median and max CPU time of 40 queries,
  one namespace and all namespaces apart);
- the secrets matrix for 2,000 secrets x 5,000 identities — goal < 10 s.

    python benchmarks/bench_rbac.py
    python benchmarks/bench_rbac.py --seed 7
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from stockade.inventory import Inventory, Origin, Resource
from stockade.rbac import ALL_NAMESPACES, build_index
from stockade.rbac.secrets import identities_in_view, secret_matrix

API = "rbac.authorization.k8s.io/v1"
N_NS = 200
# Reads dominate real roles; writes appear in about one rule in five.
READ_VERBS = ["get", "list", "watch"]
WRITE_VERBS = ["create", "update", "patch", "delete"]
RESOURCES = [
    ("", "pods"),
    ("", "services"),
    ("", "configmaps"),
    ("", "endpoints"),
    ("", "events"),
    ("", "persistentvolumeclaims"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
    ("", "pods/log"),
    ("example.com", "widgets"),
    ("example.com", "gadgets"),
    ("", "secrets"),
    ("", "pods/exec"),
]
ORIGIN = Origin("bench.yaml", line=1)


def _rule(rng: random.Random, sensitive: bool) -> dict[str, Any]:
    pool = RESOURCES if sensitive else RESOURCES[:-2]
    picks = rng.sample(pool, rng.randint(1, 3))
    groups = sorted({g for g, _ in picks})
    return {
        "apiGroups": groups,
        "resources": [r for _, r in picks],
        "verbs": rng.sample(READ_VERBS, rng.randint(1, 3))
        + (rng.sample(WRITE_VERBS, rng.randint(1, 2)) if rng.random() < 0.2 else []),
    }


def _obj(kind: str, name: str, ns: str | None, **rest: Any) -> Resource:
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    return Resource.from_object({"apiVersion": API, "kind": kind, "metadata": meta, **rest}, ORIGIN)


def generate(seed: int) -> list[Resource]:
    """The deterministic cluster."""
    rng = random.Random(seed)
    out: list[Resource] = []
    namespaces = [f"ns-{i}" for i in range(N_NS)]
    for i in range(2000):
        rules = [_rule(rng, rng.random() < 0.02) for _ in range(rng.randint(1, 4))]
        out.append(_obj("ClusterRole", f"cr-{i}", None, rules=rules))
    for ns in namespaces:
        for j in range(40):
            rules = [_rule(rng, rng.random() < 0.1) for _ in range(rng.randint(1, 4))]
            out.append(_obj("Role", f"role-{j}", ns, rules=rules))
    for i in range(50000):
        ns = rng.choice(namespaces)
        subjects: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            if kind < 0.7:
                subjects.append(
                    {
                        "kind": "ServiceAccount",
                        "name": f"sa-{rng.randrange(25)}",
                        "namespace": rng.choice(namespaces),
                    }
                )
            elif kind < 0.9:
                subjects.append({"kind": "User", "name": f"user-{rng.randrange(500)}"})
            else:
                subjects.append({"kind": "Group", "name": f"team-{rng.randrange(50)}"})
        # The draws happen in this order, so the generated cluster stays the same for a seed.
        if i % 50 == 0:  # 1,000 ClusterRoleBindings
            binding, name, where = "ClusterRoleBinding", f"crb-{i}", None
            role = ("ClusterRole", f"cr-{rng.randrange(2000)}")
        else:
            binding, name, where = "RoleBinding", f"rb-{i}", ns
            if rng.random() < 0.5:
                role = ("Role", f"role-{rng.randrange(40)}")
            else:
                role = ("ClusterRole", f"cr-{rng.randrange(2000)}")
        role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": role[0], "name": role[1]}
        out.append(_obj(binding, name, where, roleRef=role_ref, subjects=subjects))
    for ns in namespaces:
        for j in range(10):  # 2,000 secrets
            out.append(
                Resource.from_object(
                    {
                        "apiVersion": "v1",
                        "kind": "Secret",
                        "metadata": {"name": f"secret-{j}", "namespace": ns},
                    },
                    ORIGIN,
                )
            )
        for j in range(25):  # 5,000 service accounts, each with a workload
            out.append(
                Resource.from_object(
                    {
                        "apiVersion": "v1",
                        "kind": "ServiceAccount",
                        "metadata": {"name": f"sa-{j}", "namespace": ns},
                    },
                    ORIGIN,
                )
            )
            out.append(
                Resource.from_object(
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "metadata": {"name": f"app-{j}", "namespace": ns},
                        "spec": {
                            "template": {
                                "spec": {
                                    "serviceAccountName": f"sa-{j}",
                                    "containers": [
                                        {
                                            "name": "c",
                                            "image": "x",
                                            "envFrom": [
                                                {"secretRef": {"name": f"secret-{j % 10}"}}
                                            ],
                                        }
                                    ],
                                }
                            }
                        },
                    },
                    ORIGIN,
                )
            )
    return out


def main() -> None:
    """Run the benchmark once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    resources = generate(args.seed)
    inventory = Inventory(resources)
    kinds = {
        k: len(inventory.of_kind(k))
        for k in ("ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding", "Secret")
    }
    print(f"generated: {kinds}")

    t0, c0 = time.perf_counter(), time.process_time()
    index = build_index(inventory)
    t_index, c_index = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    index.prepare_who_can()  # otherwise the first who-can question builds them
    t_tables, c_tables = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"index: {t_index:.2f} s wall, {c_index:.2f} s CPU ({len(index.roles)} roles, "
        f"{len(index.grants)} grants); who-can tables: {t_tables:.2f} s wall, "
        f"{c_tables:.2f} s CPU; together {t_index + t_tables:.2f} s wall  goal < 3 s"
    )

    rng = random.Random(args.seed + 1)
    timings: dict[bool, list[float]] = {False: [], True: []}
    sizes = []
    queries = [
        ("get", "secrets"),
        ("list", "secrets"),
        ("create", "pods"),
        ("delete", "pods"),
        ("patch", "deployments"),
        ("create", "pods/exec"),
        ("get", "widgets"),
    ]
    for i in range(40):
        verb, resource = queries[i % len(queries)]
        res, _, sub = resource.partition("/")
        ns = ALL_NAMESPACES if i % 10 == 0 else rng.choice([f"ns-{k}" for k in range(N_NS)])
        group = "example.com" if res == "widgets" else None
        c0 = time.process_time()
        answer = index.who_can(verb, res, ns, subresource=sub or None, group=group)
        timings[ns == ALL_NAMESPACES].append(time.process_time() - c0)
        sizes.append(len(answer))
    for every_ns, label in ((False, "one namespace"), (True, "all namespaces")):
        ts = timings[every_ns]
        print(
            f"who-can ({label}): median {statistics.median(ts) * 1000:.1f} ms, "
            f"max {max(ts) * 1000:.1f} ms CPU over {len(ts)} queries  goal < 50 ms each"
        )
    print(f"  (median {statistics.median(sizes):.0f} subjects per answer)")

    sa_identities = [i for i in identities_in_view(index, inventory) if i.kind == "ServiceAccount"][
        :5000
    ]
    t0, c0 = time.perf_counter(), time.process_time()
    cells = direct = 0
    for cell in secret_matrix(index, inventory, sa_identities):
        cells += 1
        direct += cell.access == "direct"
    t_matrix, c_matrix = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"secrets matrix: {t_matrix:.2f} s wall, {c_matrix:.2f} s CPU for {kinds['Secret']} secrets x "
        f"{len(sa_identities)} identities ({cells} cells with access, {direct} direct)"
        f"  goal < 10 s"
    )


if __name__ == "__main__":
    main()
