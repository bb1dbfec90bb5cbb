"""Secret rotation: a Secret that workloads use and that has not been replaced for too long.

Spec: a Secret's ``metadata.creationTimestamp`` (RFC 3339, set by the API server) dates its
content, since a Secret's data is normally rotated by replacing the object. A Secret is in use
when a pod template mounts it (``volumes[].secret.secretName``, projected ``sources[].secret``),
reads it (``env[].valueFrom.secretKeyRef``, ``envFrom[].secretRef``) or pulls images with it
(``imagePullSecrets``) in the same namespace. The age limit is ``secrets.max_age_days``
(default 90). Manifests usually carry no creationTimestamp, so this rule speaks mostly on live
clusters and snapshots; it reads metadata only, never a value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from stockade.inventory.index import Inventory
from stockade.inventory.podspec import POD_BEARING_KINDS, PodTemplate
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

DEFAULT_MAX_AGE_DAYS = 90


def secret_references(pt: PodTemplate) -> set[str]:
    """Names of the Secrets a pod template mounts, reads into env, or pulls images with."""
    names: set[str] = set()
    for _, vol in pt.volumes():
        secret = vol.get("secret")
        if isinstance(secret, dict) and isinstance(secret.get("secretName"), str):
            names.add(secret["secretName"])
        projected = vol.get("projected")
        for src in projected.get("sources") or () if isinstance(projected, dict) else ():
            ref = src.get("secret") if isinstance(src, dict) else None
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                names.add(ref["name"])
    for c in pt.containers():
        for env in c.list_field("env"):
            vf = env.get("valueFrom") if isinstance(env, dict) else None
            ref = vf.get("secretKeyRef") if isinstance(vf, dict) else None
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                names.add(ref["name"])
        for env_from in c.list_field("envFrom"):
            ref = env_from.get("secretRef") if isinstance(env_from, dict) else None
            if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                names.add(ref["name"])
    for pull in pt.spec.get("imagePullSecrets") or ():
        if isinstance(pull, dict) and isinstance(pull.get("name"), str):
            names.add(pull["name"])
    return names


def _created(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _max_age_days(ctx: RuleContext) -> int:
    settings = ctx.settings
    return int(settings.secrets.max_age_days) if settings is not None else DEFAULT_MAX_AGE_DAYS


@rule(
    id="secret-not-rotated",
    title="Secret in use has not been rotated",
    severity=Severity.MEDIUM,
    category=Category.SECRETS,
    target=Target.INVENTORY,
    kinds={"Secret", *POD_BEARING_KINDS},
    # Our judgement: CIS 5.4.2 (external secret storage, which rotates) and OWASP K03
    # (secrets management); no source maps rotation age to a control directly.
    frameworks={"cis": ["5.4.2"], "nsa": ["NSA-NET-SECRETS"], "owasp": ["K03:2025"]},
    remediation="""Rotate the credential: issue a new one, store it in a new Secret (or let an
    external secret operator replace it), roll the workloads that use it, then revoke the old
    credential. Automate rotation so the age stays under secrets.max_age_days.""",
)
def secret_not_rotated(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A Secret older than ``secrets.max_age_days`` that a workload in its namespace uses."""
    users: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pt in inv.pod_templates():
        for name in secret_references(pt):
            users[(pt.namespace, name)].append(pt.resource.display())
    if not users:
        return
    limit = _max_age_days(ctx)
    now = dt.datetime.now(dt.UTC)
    for secret in inv.of_kind("Secret"):
        who = users.get((secret.effective_namespace(), secret.name))
        created = _created(secret.metadata.get("creationTimestamp"))
        if not who or created is None:
            continue
        age = (now - created).days
        if age <= limit:
            continue
        shown = ", ".join(sorted(set(who))[:3]) + (" and others" if len(set(who)) > 3 else "")
        yield Violation(
            f"Secret created {age} days ago (limit {limit}) is used by {shown}",
            ("metadata", "creationTimestamp"),
            key=".metadata.creationTimestamp",
            evidence=f"created {created.date().isoformat()}",
            resource=secret,
        )
