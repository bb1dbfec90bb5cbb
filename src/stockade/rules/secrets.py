"""Secrets rules: plaintext credentials in manifests, and how secrets reach containers.

No finding ever carries a secret value: evidence names the kind of credential and its length.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from stockade.credentials import classify, scan_text
from stockade.inventory.podspec import PodTemplate, pod_template
from stockade.inventory.resource import Resource
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

_FLAG = re.compile(
    r"^--?([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key)[A-Za-z0-9_.-]*)=(.+)$",
    re.IGNORECASE,
)


def _min_entropy(ctx: RuleContext) -> float:
    settings = ctx.settings
    return float(settings.secrets.min_entropy) if settings is not None else 3.5


@rule(
    id="secret-in-env-literal",
    title="Credential written in plain text",
    severity=Severity.CRITICAL,
    category=Category.SECRETS,
    target=Target.RESOURCE,
    kinds={
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "PodTemplate",
        "ConfigMap",
    },
    remediation="""Move the value into a Secret (managed by an external secret store, sealed or
    encrypted in git) and reference it; then rotate the exposed credential, because it is in the
    repository history and in every copy of the manifest.""",
)
def secret_in_env_literal(res: Resource, ctx: RuleContext) -> Iterator[Violation]:
    """An env value, a command-line flag or a ConfigMap value that looks like a credential."""
    threshold = _min_entropy(ctx)
    if res.kind == "ConfigMap":
        yield from _configmap(res, threshold)
        return
    pod = pod_template(res)
    if pod is None:
        return
    for c in pod.containers():
        for i, env in enumerate(c.list_field("env")):
            if not isinstance(env, dict) or not isinstance(env.get("value"), str):
                continue
            d = classify(str(env.get("name", "")), env["value"], threshold)
            if d is not None:
                yield Violation(
                    f"{c.describe()} env var {env.get('name')!r} holds a {d.kind.split(' under')[0]} "
                    "in plain text",
                    (*c.path, "env", i, "value"),
                    evidence=d.evidence(),
                )
        for field in ("command", "args"):
            for i, arg in enumerate(c.list_field(field)):
                if not isinstance(arg, str):
                    continue
                m = _FLAG.match(arg)
                d = classify(m.group(1), m.group(2), threshold) if m else None
                if d is None and not m:
                    d = classify(None, arg, threshold)
                if d is not None:
                    yield Violation(
                        f"{c.describe()} passes a credential on its command line ({field}[{i}])",
                        (*c.path, field, i),
                        evidence=d.evidence(),
                    )


def _configmap(res: Resource, threshold: float) -> Iterator[Violation]:
    data = res.obj.get("data")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if not isinstance(value, str):
            continue
        d = classify(str(key), value, threshold) if "\n" not in value.strip() else None
        if d is None:
            d = scan_text(value, threshold)
        if d is not None:
            yield Violation(
                f"ConfigMap key {key!r} holds a credential ({d.kind.split(' under')[0]}); "
                "ConfigMaps are not access-controlled like Secrets",
                ("data", str(key)),
                evidence=d.evidence(),
            )


@rule(
    id="secret-as-env-var",
    title="Secret passed as an environment variable",
    severity=Severity.LOW,
    category=Category.SECRETS,
    target=Target.POD,
    remediation="""Mount the Secret as a file (a secret or projected volume) instead of env or
    envFrom. Environment variables leak into crash dumps, child processes, logs and
    `kubectl describe`; mounted secrets are updated on rotation without a restart.""",
)
def secret_as_env_var(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """env[].valueFrom.secretKeyRef or envFrom[].secretRef."""
    for c in pod.containers():
        for i, env in enumerate(c.list_field("env")):
            vf = env.get("valueFrom") if isinstance(env, dict) else None
            ref = vf.get("secretKeyRef") if isinstance(vf, dict) else None
            if isinstance(ref, dict):
                yield Violation(
                    f'{c.describe()} reads Secret "{ref.get("name")}" key "{ref.get("key")}" '
                    f"into env var {env.get('name')!r}",
                    (*c.path, "env", i, "valueFrom", "secretKeyRef"),
                )
        for i, src in enumerate(c.list_field("envFrom")):
            ref = src.get("secretRef") if isinstance(src, dict) else None
            if isinstance(ref, dict):
                yield Violation(
                    f'{c.describe()} loads every key of Secret "{ref.get("name")}" into env',
                    (*c.path, "envFrom", i, "secretRef"),
                )


def _decode(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@rule(
    id="plaintext-secret-manifest",
    title="Secret with its data committed in a manifest",
    severity=Severity.HIGH,
    category=Category.SECRETS,
    target=Target.RESOURCE,
    kinds={"Secret"},
    needs={"files"},
    remediation="""Do not keep Secret data in manifests: base64 is an encoding, not encryption.
    Use an external secret store (External Secrets, Vault, a cloud secret manager), Sealed Secrets
    or SOPS, and rotate any credential that was committed.""",
)
def plaintext_secret_manifest(res: Resource, ctx: RuleContext) -> Iterator[Violation]:
    """A Secret with data or stringData in a manifest file (not from a live cluster)."""
    if res.origin.live:
        return
    kinds: list[str] = []
    count = 0
    for field, encoded in (("data", True), ("stringData", False)):
        block = res.obj.get(field)
        if not isinstance(block, dict) or not block:
            continue
        for key, value in block.items():
            if value in (None, ""):
                continue
            count += 1
            text = _decode(str(value)) if encoded else str(value)
            d = classify(str(key), text) if text else None
            if d is None and text:
                d = scan_text(text)
            if d is not None:
                kinds.append(d.kind.split(" under")[0])
    if count == 0:
        return
    field = "data" if isinstance(res.obj.get("data"), dict) and res.obj["data"] else "stringData"
    detail = f" ({', '.join(sorted(set(kinds)))})" if kinds else ""
    yield Violation(
        f"Secret holds {count} value(s) in the manifest{detail}",
        (field,),
        evidence=f"{count} key(s); values redacted",
    )
