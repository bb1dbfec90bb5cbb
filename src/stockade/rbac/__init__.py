"""Access analysis: who can do what, exactly as the Kubernetes RBAC authorizer decides.

>>> from stockade.rbac import build_index
>>> idx = build_index(inventory)                       # parse, validate, aggregate, index once
>>> idx.who_can("get", "secrets", namespace="payments")  # subjects with binding -> role chains
"""

from stockade.rbac.index import (
    ALL_NAMESPACES,
    Grant,
    PermissionIndex,
    SubjectAccess,
    Via,
    build_index,
)
from stockade.rbac.match import Request, rule_allows
from stockade.rbac.types import Binding, Identity, PolicyRule, Role, Subject, parse_identity

__all__ = [
    "ALL_NAMESPACES",
    "Binding",
    "Grant",
    "Identity",
    "PermissionIndex",
    "PolicyRule",
    "Request",
    "Role",
    "Subject",
    "SubjectAccess",
    "Via",
    "build_index",
    "parse_identity",
    "rule_allows",
]
