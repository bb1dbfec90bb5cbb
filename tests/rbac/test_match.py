"""The authorizer's matching rules, one semantic point per test."""

from __future__ import annotations

import pytest

from stockade.rbac.match import Request, rule_allows
from stockade.rbac.types import PolicyRule


def _rule(verbs: str, groups: str = "", resources: str = "", names: str = "") -> PolicyRule:
    def split(s: str) -> tuple[str, ...]:
        return tuple(s.split(",")) if s else ()

    groups_t = tuple("" if g == "core" else g for g in split(groups))
    return PolicyRule(split(verbs), groups_t, split(resources), split(names))


def _req(verb: str, resource: str, sub: str = "", group: str = "", name: str = "") -> Request:
    return Request(verb=verb, resource=resource, subresource=sub, api_group=group, name=name)


@pytest.mark.parametrize(
    ("rule", "req", "allowed"),
    [
        # verbs: exact or *
        (_rule("get", "core", "pods"), _req("get", "pods"), True),
        (_rule("get", "core", "pods"), _req("list", "pods"), False),
        (_rule("*", "core", "pods"), _req("delete", "pods"), True),
        # apiGroups: core is "", * matches any, a named group only itself
        (_rule("get", "core", "deployments"), _req("get", "deployments", group="apps"), False),
        (_rule("get", "apps", "deployments"), _req("get", "deployments", group="apps"), True),
        (_rule("get", "*", "deployments"), _req("get", "deployments", group="apps"), True),
        (_rule("get", "apps", "pods"), _req("get", "pods"), False),
        # resources: a bare resource does not cover its subresources
        (_rule("create", "core", "pods"), _req("create", "pods", "exec"), False),
        (_rule("create", "core", "pods/exec"), _req("create", "pods", "exec"), True),
        (_rule("create", "core", "pods/exec"), _req("create", "pods"), False),
        # * covers resources and subresources alike
        (_rule("create", "core", "*"), _req("create", "pods", "exec"), True),
        # */scale matches any resource's scale subresource, nothing else
        (_rule("update", "*", "*/scale"), _req("update", "deployments", "scale", "apps"), True),
        (_rule("update", "*", "*/scale"), _req("update", "deployments", "", "apps"), False),
        (_rule("update", "*", "*/scale"), _req("update", "deployments", "status", "apps"), False),
        # pods/* is no wildcard: it names a subresource literally called "*"
        (_rule("create", "core", "pods/*"), _req("create", "pods", "exec"), False),
        (_rule("create", "core", "pods/*"), _req("create", "pods"), False),
        # resourceNames: empty = any; otherwise the request must carry one of the names
        (_rule("get", "core", "secrets", "db"), _req("get", "secrets", name="db"), True),
        (_rule("get", "core", "secrets", "db"), _req("get", "secrets", name="other"), False),
        (_rule("list", "core", "secrets", "db"), _req("list", "secrets"), False),
        (_rule("get", "core", "secrets"), _req("get", "secrets", name="anything"), True),
    ],
)
def test_resource_rule_matching(rule: PolicyRule, req: Request, allowed: bool) -> None:
    assert rule_allows(rule, req) is allowed


@pytest.mark.parametrize(
    ("urls", "path", "allowed"),
    [
        ("/healthz", "/healthz", True),
        ("/healthz", "/healthz/etcd", False),
        ("/healthz/*", "/healthz/etcd", True),
        ("/healthz*", "/healthzzz", True),
        ("/api/*", "/api", False),
        ("*", "/anything", True),
    ],
)
def test_non_resource_url_matching(urls: str, path: str, allowed: bool) -> None:
    rule = PolicyRule(("get",), non_resource_urls=tuple(urls.split(",")))
    assert rule_allows(rule, Request(verb="get", path=path)) is allowed


def test_resource_rule_never_grants_a_url_and_vice_versa() -> None:
    resource_rule = _rule("*", "*", "*")
    url_rule = PolicyRule(("*",), non_resource_urls=("*",))
    assert not rule_allows(resource_rule, Request(verb="get", path="/healthz"))
    assert not rule_allows(url_rule, _req("get", "pods"))
