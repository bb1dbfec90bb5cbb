"""NetworkPolicy semantics, one test per point of the API documentation.

References: kubernetes.io "Network Policies" concept page ([D]) and the field documentation of
``networking.k8s.io/v1`` NetworkPolicySpec / NetworkPolicyPeer / NetworkPolicyPort ([T]).
"""

from __future__ import annotations

from typing import Any

from stockade.network.model import NetworkModel

from .builders import (
    ALL,
    EVERYWHERE,
    NONE,
    deploy,
    external_in,
    external_out,
    model_of,
    netpol,
    ns,
    ports,
)

DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def two_namespaces(*policies: dict[str, Any]) -> NetworkModel:
    return model_of(
        [
            ns("a", team="red"),
            ns("b", team="blue"),
            deploy("a", "web"),
            deploy("a", "db"),
            deploy("b", "client"),
            *policies,
        ]
    )


def test_without_policies_everything_is_open() -> None:
    # [D] "By default, a pod is non-isolated for egress/ingress; all connections are allowed."
    m = two_namespaces()
    assert ports(m, "a/web", "a/db") == ALL
    assert ports(m, "b/client", "a/web") == ALL
    assert external_in(m, "a/db") == [(EVERYWHERE, ALL)]
    assert external_out(m, "a/db") == [(EVERYWHERE, ALL)]


def test_policy_isolates_only_pods_of_its_own_namespace() -> None:
    # [T] podSelector selects pods in the policy's namespace; {} = all pods of that namespace.
    m = two_namespaces(netpol("a", "deny", DENY_ALL))
    assert ports(m, "a/web", "a/db") == NONE
    assert ports(m, "b/client", "a/web") == NONE
    assert ports(m, "a/web", "b/client") == NONE  # egress of a/web is denied
    assert external_in(m, "b/client") == [(EVERYWHERE, ALL)]
    assert external_out(m, "a/web") == []


def test_connection_needs_egress_of_source_and_ingress_of_destination() -> None:
    # [D] "both the egress policy on the source pod and the ingress policy on the destination pod
    # need to allow the connection"
    only_egress_to_db = netpol(
        "a",
        "web-egress",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}],
        },
    )
    db_ingress_from_client = netpol(
        "a",
        "db-ingress",
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "blue"}}}]}],
        },
    )
    m = two_namespaces(only_egress_to_db, db_ingress_from_client)
    assert ports(m, "a/web", "a/db") == NONE  # egress allows, ingress does not
    assert ports(m, "b/client", "a/db") == ALL
    assert ports(m, "a/web", "b/client") == NONE  # egress only to db


def test_rules_of_all_selecting_policies_are_unioned() -> None:
    # [D] "policies are additive ... the union of what all applicable policies allow"
    p1 = netpol("a", "p1", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]})
    p2 = netpol(
        "a",
        "p2",
        {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"ports": [{"port": 5432}]}]},
    )
    m = two_namespaces(p1, p2)
    assert ports(m, "b/client", "a/db") == ["TCP/80", "TCP/5432"]
    assert ports(m, "b/client", "a/web") == ["TCP/80"]


def test_policy_types_default_ingress_always() -> None:
    # [T] policyTypes omitted: Ingress always; Egress only if the policy has egress rules. An
    # "egress-only" policy written without policyTypes therefore also denies all ingress.
    p = netpol(
        "a",
        "egress-rules",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}],
        },
    )
    m = two_namespaces(p)
    assert ports(m, "a/db", "a/web") == NONE
    assert ports(m, "a/web", "a/db") == ["UDP/53"]


def test_empty_egress_list_without_policy_types_does_not_isolate_egress() -> None:
    # [T] defaulting adds Egress only when the egress list is non-empty (len(egress) != 0).
    p = netpol("a", "p", {"podSelector": {}, "egress": []})
    m = two_namespaces(p)
    assert ports(m, "a/web", "b/client") == ALL
    assert ports(m, "b/client", "a/web") == NONE  # ingress isolated, no rules


def test_egress_type_without_rules_denies_egress_only() -> None:
    m = two_namespaces(netpol("a", "p", {"podSelector": {}, "policyTypes": ["Egress"]}))
    assert ports(m, "a/web", "b/client") == NONE
    assert ports(m, "b/client", "a/web") == ALL
    assert external_out(m, "a/web") == []
    assert external_in(m, "a/web") == [(EVERYWHERE, ALL)]


def test_policy_types_win_over_listed_rules() -> None:
    # [T] policyTypes given: only the listed directions are affected; egress rules of a policy
    # with policyTypes [Ingress] are ignored (the API accepts such a policy).
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [],
            "egress": [{"ports": [{"port": 1}]}],
        },
    )
    m = two_namespaces(p)
    assert ports(m, "a/web", "b/client") == ALL
    assert ports(m, "b/client", "a/web") == NONE
    issues = [i.message for i in m.policies[0].issues]
    assert any("egress rules are ignored" in i for i in issues)


def test_empty_rule_list_allows_nothing_but_one_empty_rule_allows_everything() -> None:
    # [T] "If this field is empty then this NetworkPolicy does not allow any traffic"; a rule
    # with no from and no ports matches all sources and all ports.
    deny = two_namespaces(netpol("a", "p", {"podSelector": {}, "ingress": []}))
    allow = two_namespaces(netpol("a", "p", {"podSelector": {}, "ingress": [{}]}))
    assert ports(deny, "b/client", "a/web") == NONE
    assert external_in(deny, "a/web") == []
    assert ports(allow, "b/client", "a/web") == ALL
    assert external_in(allow, "a/web") == [(EVERYWHERE, ALL)]


def test_null_from_means_all_sources() -> None:
    # YAML `from:` with no value is null = missing = every source (a common accident).
    m = two_namespaces(
        netpol("a", "p", {"podSelector": {}, "ingress": [{"from": None, "ports": [{"port": 80}]}]})
    )
    assert ports(m, "b/client", "a/web") == ["TCP/80"]
    assert external_in(m, "a/web") == [(EVERYWHERE, ["TCP/80"])]


def test_pod_selector_peer_alone_means_the_policy_namespace() -> None:
    # [D] podSelector alone selects pods in the same namespace as the NetworkPolicy.
    objs = [
        ns("a"),
        ns("b"),
        deploy("a", "web"),
        deploy("a", "api", {"role": "api"}),
        deploy("b", "api", {"role": "api"}),
    ]
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "api"}}}]}],
        },
    )
    m = model_of([*objs, p])
    assert ports(m, "a/api", "a/web") == ALL
    assert ports(m, "b/api", "a/web") == NONE


def test_namespace_and_pod_selector_in_one_peer_is_and_separate_peers_is_or() -> None:
    # [D] "Behavior of to and from selectors": one element with both = pods matching in
    # namespaces matching; two elements = either.
    objs = [
        ns("a"),
        ns("b", team="blue"),
        ns("c"),
        deploy("a", "web"),
        deploy("b", "api", {"role": "api"}),
        deploy("b", "other", {"role": "other"}),
        deploy("c", "api", {"role": "api"}),
    ]
    and_peer = {
        "namespaceSelector": {"matchLabels": {"team": "blue"}},
        "podSelector": {"matchLabels": {"role": "api"}},
    }
    or_peers = [
        {"namespaceSelector": {"matchLabels": {"team": "blue"}}},
        {"podSelector": {"matchLabels": {"role": "api"}}},
    ]
    target = {"matchLabels": {"app": "web"}}
    m_and = model_of(
        [*objs, netpol("a", "p", {"podSelector": target, "ingress": [{"from": [and_peer]}]})]
    )
    m_or = model_of(
        [*objs, netpol("a", "p", {"podSelector": target, "ingress": [{"from": or_peers}]})]
    )
    assert [ports(m_and, s, "a/web") for s in ("b/api", "b/other", "c/api")] == [ALL, NONE, NONE]
    # OR: every pod of b; podSelector alone only covers namespace a (no api pod there).
    assert [ports(m_or, s, "a/web") for s in ("b/api", "b/other", "c/api")] == [ALL, ALL, NONE]


def test_empty_namespace_selector_means_every_namespace_but_no_external_address() -> None:
    p = netpol("a", "p", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]})
    m = two_namespaces(p)
    assert ports(m, "b/client", "a/web") == ALL
    assert ports(m, "a/db", "a/web") == ALL
    assert external_in(m, "a/web") == []


def test_namespace_name_label_is_automatic_even_for_undeclared_namespaces() -> None:
    # [D] "Targeting a Namespace by its name": kubernetes.io/metadata.name is set on every
    # namespace. Namespace "c" is never declared, only used by a workload.
    objs = [ns("a"), deploy("a", "web"), deploy("c", "job"), deploy("d", "x")]
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "c"}}}
                    ]
                }
            ],
        },
    )
    m = model_of([*objs, p])
    assert ports(m, "c/job", "a/web") == ALL
    assert ports(m, "d/x", "a/web") == NONE


def test_match_expressions_operators() -> None:
    # [T] LabelSelectorRequirement: In, NotIn, Exists, DoesNotExist; NotIn and DoesNotExist
    # select objects that lack the key.
    objs = [
        ns("a"),
        deploy("a", "web", {"app": "web"}),
        deploy("a", "x1", {"tier": "one"}),
        deploy("a", "x2", {"tier": "two"}),
        deploy("a", "x3", {"other": "yes"}),
    ]

    def allowed(op: str, values: list[str] | None) -> list[str]:
        expr: dict[str, Any] = {"key": "tier", "operator": op}
        if values is not None:
            expr["values"] = values
        p = netpol(
            "a",
            "p",
            {
                "podSelector": {"matchLabels": {"app": "web"}},
                "ingress": [{"from": [{"podSelector": {"matchExpressions": [expr]}}]}],
            },
        )
        m = model_of([*objs, p])
        return [w for w in ("a/x1", "a/x2", "a/x3") if ports(m, w, "a/web") == ALL]

    assert allowed("In", ["one"]) == ["a/x1"]
    assert allowed("NotIn", ["one"]) == ["a/x2", "a/x3"]
    assert allowed("Exists", None) == ["a/x1", "a/x2"]
    assert allowed("DoesNotExist", None) == ["a/x3"]


def test_ip_block_is_cidr_minus_except_and_never_matches_pods() -> None:
    # [T] IPBlock: "except is a slice of CIDRs that should not be included within an IPBlock";
    # [D] ipBlock "should be cluster-external IPs".
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [
                {
                    "from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.128.0.0/9"]}}],
                    "ports": [{"port": 443}],
                }
            ],
        },
    )
    m = two_namespaces(p)
    assert external_in(m, "a/web") == [(["10.0.0.0/9"], ["TCP/443"])]
    assert ports(m, "a/db", "a/web") == NONE


def test_internet_ipv4_block_does_not_cover_ipv6() -> None:
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]},
                {"to": [{"ipBlock": {"cidr": "2001:db8::/32"}}], "ports": [{"port": 443}]},
            ],
        },
    )
    m = two_namespaces(p)
    assert external_out(m, "a/web") == [(["0.0.0.0/0"], ALL), (["2001:db8::/32"], ["TCP/443"])]


def test_port_protocol_defaults_to_tcp_and_missing_port_means_every_port() -> None:
    # [T] NetworkPolicyPort: protocol defaults to TCP; port omitted = all ports of the protocol.
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {},
            "ingress": [
                {"ports": [{"port": 8080}, {"protocol": "UDP"}, {"protocol": "SCTP", "port": 9}]}
            ],
        },
    )
    m = two_namespaces(p)
    assert ports(m, "b/client", "a/web") == ["TCP/8080", "UDP/*", "SCTP/9"]


def test_end_port_is_an_inclusive_range() -> None:
    # [D] "Targeting a range of ports": port 32000 .. endPort 32768 inclusive.
    p = netpol(
        "a", "p", {"podSelector": {}, "ingress": [{"ports": [{"port": 32000, "endPort": 32768}]}]}
    )
    m = two_namespaces(p)
    assert ports(m, "b/client", "a/web") == ["TCP/32000-32768"]
    group = m.group_of["a/web"]
    eg = m.ingress_ports(m.group_of["b/client"], group)
    assert eg.allows("TCP", 32768) and not eg.allows("TCP", 32769) and not eg.allows("UDP", 32000)


def test_named_ports_resolve_on_each_destination_by_name_and_protocol() -> None:
    # [T] port may be "a named port on a pod": resolved per destination pod, with the protocol.
    objs = [
        ns("a"),
        deploy("a", "client"),
        deploy("a", "web1", {"role": "web", "n": "1"}, [{"name": "http", "containerPort": 8080}]),
        deploy("a", "web2", {"role": "web", "n": "2"}, [{"name": "http", "containerPort": 9000}]),
        deploy(
            "a",
            "dns",
            {"role": "web", "n": "3"},
            [{"name": "dns", "containerPort": 53, "protocol": "UDP"}],
        ),
    ]
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {"matchLabels": {"role": "web"}},
            "ingress": [{"ports": [{"port": "http"}, {"port": "dns"}]}],
        },
    )
    m = model_of([*objs, p])
    assert ports(m, "a/client", "a/web1") == ["TCP/8080"]
    assert ports(m, "a/client", "a/web2") == ["TCP/9000"]
    # {port: dns} defaults to TCP, the container port named dns is UDP: nothing matches.
    assert ports(m, "a/client", "a/dns") == NONE


def test_named_port_in_egress_to_an_ip_block_matches_nothing() -> None:
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                    "ports": [{"port": "https"}, {"port": 443}],
                }
            ],
        },
    )
    m = two_namespaces(p)
    assert external_out(m, "a/web") == [(["0.0.0.0/0"], ["TCP/443"])]


def test_invalid_peers_match_nothing_and_are_reported() -> None:
    # [V] a peer must set a field; ipBlock may not be combined with a selector.
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {},
            "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}, {}]}],
        },
    )
    m = two_namespaces(p)
    assert ports(m, "a/db", "a/web") == NONE
    assert external_in(m, "a/web") == []
    assert len(m.policies[0].issues) == 2


def test_workloads_with_identical_shape_share_one_group() -> None:
    objs = [ns("a"), *[deploy("a", f"w{i}", {"app": "same"}) for i in range(5)], deploy("a", "db")]
    p = netpol(
        "a",
        "p",
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "same"}}}]}],
        },
    )
    m = model_of([*objs, p])
    assert len(m.groups) == 2
    assert ports(m, "a/w0", "a/w3") == ALL
    rows = [(a.id, b.id) for a, b, _ in m.connections()]
    assert ("a/w1", "a/db") in rows and ("a/w1", "a/w1") not in rows
    # among the five (not to themselves), each of them to db, db (not isolated) to each
    assert len(rows) == 5 * 4 + 5 + 5
