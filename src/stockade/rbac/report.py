"""Documents (plain data, ready for JSON) for the access queries; the CLI only renders them."""

from __future__ import annotations

from typing import Any

from stockade.rbac.access import CapsCache
from stockade.rbac.capabilities import risk_of
from stockade.rbac.index import ALL_NAMESPACES, PermissionIndex, SubjectAccess
from stockade.rbac.match import Request
from stockade.rbac.types import Identity


def who_can_document(
    req: Request, namespace: str | None, answer: list[SubjectAccess]
) -> dict[str, Any]:
    """The who-can JSON contract: verb, resource, namespace, subjects with their chains."""
    doc: dict[str, Any] = {
        "verb": req.verb,
        "resource": req.combined_resource if req.is_resource else req.path,
        "namespace": namespace,
    }
    if req.is_resource:
        doc["apiGroup"] = req.api_group
        doc["name"] = req.name or None
    doc["subjects"] = [a.to_json() for a in answer]
    return doc


def can_document(index: PermissionIndex, identity: Identity) -> dict[str, Any]:
    """Everything an identity may do: its grants with their rules, and risky capabilities."""
    cache = CapsCache(index)
    grants = index.can(identity)
    access = cache.access(identity)
    capabilities = [
        {
            "capability": cap,
            "namespace": scope or ALL_NAMESPACES,
            "via": via,
            "risk": risk_of(cap),
        }
        for scope, sa in sorted(access.scopes.items(), key=lambda kv: kv[0] or "")
        for cap, via in sorted(sa.caps.items())
    ]
    return {
        "identity": identity.display(),
        "username": identity.username or None,
        "groups": list(identity.groups),
        "allPowerful": identity.all_powerful,
        "grants": [
            {
                "binding": g.binding.display(),
                "role": g.role.display(),
                "namespaces": list(g.namespaces),
                "subject": next(
                    (
                        s.display()
                        for s in g.binding.subjects
                        if s.match_key
                        in {("User", identity.username), *(("Group", x) for x in identity.groups)}
                    ),
                    None,
                ),
                "rules": [r.to_json() for r in g.role.rules],
            }
            for g in grants
        ],
        "capabilities": capabilities,
    }
