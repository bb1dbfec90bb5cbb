"""The built-in detection catalogue: importing the rule modules registers every rule once."""

from __future__ import annotations

from functools import cache

from stockade.detect.registry import BUILTIN, AuditRule

BUILTIN_IDS = (
    "audit-cluster-admin-binding",
    "audit-wildcard-role",
    "audit-secret-access-anomaly",
    "audit-exec",
    "audit-port-forward",
    "audit-ephemeral-container",
    "audit-privileged-workload",
    "audit-image-changed",
    "audit-anonymous-allowed",
    "audit-impersonation",
    "audit-token-request",
    "audit-csr-approved",
    "audit-webhook-config-changed",
    "audit-forbidden-burst",
    "audit-node-proxy",
)


@cache
def builtin_rules() -> tuple[AuditRule, ...]:
    """Every built-in detection rule, in id order."""
    from stockade.detect.rules import access, control, identity, rbac, workloads  # noqa: F401

    return tuple(BUILTIN[k] for k in sorted(BUILTIN))
