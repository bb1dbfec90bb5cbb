"""The typed RBAC objects the index is built from: rules, roles, bindings, subjects, identities.

Every object here is validated when parsed (`stockade.rbac.parse`); an invalid one never exists.
Names follow the RBAC API: a role is a Role or a ClusterRole, a binding a RoleBinding or a
ClusterRoleBinding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

SA_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
MASTERS = "system:masters"


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One rule of a role, as the authorizer reads it (empty tuples where a field is absent)."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()
    index: int = field(default=0, compare=False)
    """Position in the role's ``rules`` list (for field paths in findings)."""

    def describe(self) -> str:
        """A compact rendering: ``get,list secrets`` / ``get /healthz``."""
        verbs = ",".join(self.verbs)
        if self.non_resource_urls:
            return f"{verbs} {','.join(self.non_resource_urls)}"
        groups = ",".join(g or '""' for g in self.api_groups)
        names = f" [{','.join(self.resource_names)}]" if self.resource_names else ""
        resources = ",".join(self.resources[:4])
        if len(self.resources) > 4:
            resources += f",… (+{len(self.resources) - 4})"
        return f"{verbs} {resources} (apiGroups {groups}){names}"

    def to_json(self) -> dict[str, Any]:
        """The JSON shape: the API's field names."""
        out: dict[str, Any] = {"verbs": list(self.verbs)}
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        else:
            out["apiGroups"] = list(self.api_groups)
            out["resources"] = list(self.resources)
            if self.resource_names:
                out["resourceNames"] = list(self.resource_names)
        return out


RoleKey = tuple[str, str | None, str]
"""(kind, namespace, name): ``("ClusterRole", None, "view")``, ``("Role", "ns", "reader")``."""


@dataclass(slots=True, eq=False)
class Role:
    """A Role or ClusterRole with its effective rules (aggregation already resolved)."""

    kind: str
    namespace: str | None
    name: str
    rules: tuple[PolicyRule, ...]
    labels: dict[str, str]
    aggregation_selectors: tuple[dict[str, Any], ...] | None
    resource: Any = None  # inventory.Resource, None for synthesised objects

    @property
    def key(self) -> RoleKey:
        """The lookup key."""
        return (self.kind, self.namespace, self.name)

    def display(self) -> str:
        """``ClusterRole/view`` or ``Role/ns/name``."""
        return display_key(self.key)


def display_key(key: RoleKey) -> str:
    """Render a role or binding key as ``Kind/name`` or ``Kind/namespace/name``."""
    kind, namespace, name = key
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


class Subject(NamedTuple):
    """A subject of a binding, as written (namespace defaulted for service accounts)."""

    kind: str  # User, Group, ServiceAccount
    name: str
    namespace: str | None = None

    @property
    def match_key(self) -> tuple[str, str]:
        """What the authorizer compares: the user name, or the group name."""
        if self.kind == "Group":
            return ("Group", self.name)
        if self.kind == "ServiceAccount":
            return ("User", f"{SA_PREFIX}{self.namespace}:{self.name}")
        return ("User", self.name)

    def display(self) -> str:
        """``ServiceAccount payments/api``, ``User alice``, ``Group ops``."""
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of the who-can contract."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "ServiceAccount":
            out["namespace"] = self.namespace
        out["name"] = self.name
        return out


@dataclass(slots=True, eq=False)
class Binding:
    """A RoleBinding or ClusterRoleBinding: subjects, the role it references, where it holds."""

    kind: str
    namespace: str | None
    name: str
    role_ref: RoleKey
    subjects: tuple[Subject, ...]
    resource: Any = None
    _label: str | None = field(default=None, repr=False)

    @property
    def key(self) -> RoleKey:
        """The lookup key (same shape as a role key)."""
        return (self.kind, self.namespace, self.name)

    @property
    def scope(self) -> str | None:
        """The namespace the grant holds in; None for cluster-wide (ClusterRoleBinding)."""
        return self.namespace if self.kind == "RoleBinding" else None

    def display(self) -> str:
        """``RoleBinding/ns/name`` or ``ClusterRoleBinding/name``."""
        if self._label is None:
            self._label = display_key(self.key)
        return self._label


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is asking: a user name and its groups, as an authenticator would present them."""

    username: str
    groups: tuple[str, ...] = ()
    kind: str = "User"  # User, ServiceAccount or Group: how it was named
    namespace: str | None = None

    @classmethod
    def service_account(cls, namespace: str, name: str) -> Identity:
        """A service account with its automatic groups."""
        return cls(
            f"{SA_PREFIX}{namespace}:{name}",
            (ALL_SERVICE_ACCOUNTS, f"{ALL_SERVICE_ACCOUNTS}:{namespace}", AUTHENTICATED),
            "ServiceAccount",
            namespace,
        )

    @classmethod
    def user(cls, name: str, groups: tuple[str, ...] = ()) -> Identity:
        """A user: authenticated unless it is ``system:anonymous``."""
        implicit = (UNAUTHENTICATED,) if name == ANONYMOUS else (AUTHENTICATED,)
        return cls(name, tuple(dict.fromkeys((*groups, *implicit))), "User")

    @classmethod
    def group(cls, name: str) -> Identity:
        """A group on its own: what any member gets from the group alone."""
        return cls("", (name,), "Group")

    @property
    def all_powerful(self) -> bool:
        """Members of ``system:masters`` bypass authorization entirely."""
        return MASTERS in self.groups

    def display(self) -> str:
        """``serviceaccount:ns:name``, ``user:alice``, ``group:ops``."""
        if self.kind == "ServiceAccount":
            return f"serviceaccount:{self.namespace}:{self.username.rsplit(':', 1)[-1]}"
        if self.kind == "Group":
            return f"group:{self.groups[0]}"
        return f"user:{self.username}"


def parse_identity(text: str) -> Identity:
    """Parse ``serviceaccount:NS:NAME`` (or ``sa:``, ``system:serviceaccount:``), ``user:NAME``,
    ``group:NAME``; a bare name is a user. Raises ValueError with what to write instead."""
    kind, sep, rest = text.partition(":")
    if text.startswith(SA_PREFIX):
        kind, rest = "serviceaccount", text[len(SA_PREFIX) :]
    if sep and kind.lower() in {"serviceaccount", "sa"}:
        ns, sep2, name = rest.partition(":")
        if not sep2 or not ns or not name:
            raise ValueError(
                f"{text!r} is not a service account; write serviceaccount:NAMESPACE:NAME"
            )
        return Identity.service_account(ns, name)
    if sep and kind.lower() == "user" and rest:
        return Identity.user(rest)
    if sep and kind.lower() == "group" and rest:
        return Identity.group(rest)
    if not text:
        raise ValueError("empty identity; write user:NAME, group:NAME or serviceaccount:NS:NAME")
    return Identity.user(text)
