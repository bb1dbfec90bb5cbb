"""Checks on the files the API server reads: encryption at rest and the audit policy.

- ``encryption-at-rest`` (CIS 1.2.27, 1.2.28): ``--encryption-provider-config`` set; its
  EncryptionConfiguration covers ``secrets`` (or ``*.*`` / ``*.``); the first provider (the one
  that writes) is not ``identity``; ``aescbc`` is weak ("not recommended", CBC padding oracle) and
  ``aesgcm`` needs rotation every 200,000 writes (Kubernetes "Encrypting Confidential Data at
  Rest"); local ``aescbc``/``aesgcm``/``secretbox`` keys sit in the file on the host, so KMS v2
  is the recommended provider. Key values are never reported.
- ``audit-policy`` (CIS 3.2.1, 3.2.2): ``--audit-policy-file`` set; secrets, configmaps and
  tokenreviews not logged at Request/RequestResponse (that writes secret values and tokens into
  the log); pods/exec (and attach, portforward), RBAC changes and secrets access logged at
  Metadata or above.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stockade.controlplane.components import APISERVER, Component, referenced
from stockade.inventory.index import Inventory
from stockade.inventory.resource import Resource
from stockade.model import Category, Severity, Violation
from stockade.rules.flagchecks import components
from stockade.rules.registry import RuleContext, Target, rule

_LOCAL_KEY_PROVIDERS = ("aescbc", "aesgcm", "secretbox")


def _covers_secrets(resources: Any) -> bool:
    return isinstance(resources, list) and any(
        r in ("secrets", "*.*", "*.", "secrets.") for r in resources
    )


def _encryption(comp: Component, inv: Inventory) -> Iterator[Violation]:
    flag = comp.flags.last("encryption-provider-config")
    if flag is None:
        yield Violation(
            f"{comp.name}: --encryption-provider-config is not set, so Secrets are stored in "
            "etcd unencrypted; expected --encryption-provider-config=<EncryptionConfiguration>",
            comp.anchor,
            key="flag",
            resource=comp.resource,
        )
        return
    cfg = referenced(inv, ("EncryptionConfiguration",), flag.text)
    if cfg is None:
        return  # reported as not evaluated by the scan (needs encryption-config)
    entries = cfg.obj.get("resources")
    entries = entries if isinstance(entries, list) else []
    covering = [
        (i, e)
        for i, e in enumerate(entries)
        if isinstance(e, dict) and _covers_secrets(e.get("resources"))
    ]
    if not covering:
        yield Violation(
            f"EncryptionConfiguration {cfg.origin.file} has no resources entry for secrets; "
            "expected resources: [secrets] with a kms (v2) or secretbox provider first",
            ("resources",),
            key="secrets-not-covered",
            resource=cfg,
        )
        return
    i, entry = covering[0]  # the first matching entry wins, as the API server reads it
    providers = entry.get("providers")
    providers = providers if isinstance(providers, list) else []
    first = providers[0] if providers and isinstance(providers[0], dict) else {}
    name = next(iter(first), "none")
    path = ("resources", i, "providers", 0)
    if name in ("identity", "none"):
        yield Violation(
            f"EncryptionConfiguration {cfg.origin.file}: the first provider for secrets is "
            f"{name}, so new Secrets are written unencrypted; expected kms (apiVersion v2) or "
            "secretbox first",
            path,
            key="identity-first",
            resource=cfg,
        )
    elif name == "aescbc":
        yield Violation(
            f"EncryptionConfiguration {cfg.origin.file}: the first provider for secrets is "
            "aescbc, which the Kubernetes documentation calls weak (CBC padding oracle); "
            "expected kms v2, secretbox, or aesgcm with key rotation",
            path,
            key="weak-provider",
            resource=cfg,
        )
    elif (
        name == "kms"
        and isinstance(first.get("kms"), dict)
        and first["kms"].get("apiVersion") != "v2"
    ):
        yield Violation(
            f"EncryptionConfiguration {cfg.origin.file}: the first provider is KMS v1, "
            "deprecated and disabled by default since Kubernetes 1.29; expected kms apiVersion v2",
            path,
            key="kms-v1",
            resource=cfg,
        )
    for j, p in enumerate(providers):
        if not isinstance(p, dict):
            continue
        for kind in _LOCAL_KEY_PROVIDERS:
            if isinstance(p.get(kind), dict) and p[kind].get("keys"):
                yield Violation(
                    f"EncryptionConfiguration {cfg.origin.file}: {kind} keys are embedded in the "
                    "file on the control-plane host (anyone who reads it or a node backup can "
                    "decrypt etcd); expected a KMS v2 provider that keeps keys outside the host",
                    ("resources", i, "providers", j, kind, "keys"),
                    key=f"embedded-keys-{kind}",
                    resource=cfg,
                )
                break


@rule(
    id="encryption-at-rest",
    title="Secrets are not (strongly) encrypted at rest",
    severity=Severity.HIGH,
    category=Category.CONTROL_PLANE,
    target=Target.INVENTORY,
    frameworks={
        "cis": ["1.2.27", "1.2.28"],
        "nsa": ["NSA-NET-SECRETS", "NSA-NET-CONTROLPLANE"],
        "owasp": ["K03:2025"],
    },
    needs=(APISERVER, "encryption-config"),
    remediation="""Write an EncryptionConfiguration (apiserver.config.k8s.io/v1) whose entry for
    secrets (and configmaps if they hold sensitive data) lists a kms provider with apiVersion v2
    first (or secretbox, or aesgcm with rotation), point --encryption-provider-config at it on
    every API server, then rewrite existing Secrets (kubectl get secrets -A -o json | kubectl
    replace -f -). Never put identity first.""",
)
def encryption_at_rest(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """Secrets stored in etcd without encryption, or with a weak provider or local keys."""
    for comp in components(ctx, inv, APISERVER):
        yield from _encryption(comp, inv)


_SENSITIVE = {"secrets": "", "configmaps": "", "tokenreviews": "authentication.k8s.io"}
_LEVELS = {"None": 0, "Metadata": 1, "Request": 2, "RequestResponse": 3}
_REQUIRED = (
    ("pods/exec", {"": {"pods/exec", "pods/attach", "pods/portforward"}}, "pods/exec"),
    (
        "RBAC changes",
        {
            "rbac.authorization.k8s.io": {
                "roles",
                "rolebindings",
                "clusterroles",
                "clusterrolebindings",
            }
        },
        "roles",
    ),
    ("secrets access", {"": {"secrets"}}, "secrets"),
)


def _matches(rule_: dict[str, Any], group: str, resource: str) -> bool:
    """Whether an audit policy rule selects requests on ``group``/``resource`` (any verb, user)."""
    if rule_.get("nonResourceURLs"):
        return False
    selectors = rule_.get("resources")
    if not selectors:
        return True  # no resources: the rule matches every request
    base = resource.split("/")[0]
    for sel in selectors:
        if not isinstance(sel, dict):
            continue
        if sel.get("group", "") not in (group, "*"):
            continue
        names = sel.get("resources") or []
        if not names or resource in names or (base in names and "/" not in resource):
            return True
        if f"{base}/*" in names or "*" in names or "*/*" in names:
            return True
    return False


def _level_for(rules: list[Any], group: str, resource: str) -> tuple[int, int | None]:
    """Audit level of the first unrestricted rule matching (level, rule index).

    A rule limited to some users, groups, verbs or namespaces covers only part of the requests,
    so it neither proves coverage nor hides a gap: the first rule without such limits decides.
    (Excluding system users at level None, as the upstream example policy does, stays fine.)"""
    for i, r in enumerate(rules):
        if not isinstance(r, dict) or not _matches(r, group, resource):
            continue
        if any(r.get(k) for k in ("users", "userGroups", "verbs", "namespaces")):
            continue
        return _LEVELS.get(str(r.get("level")), 0), i
    return 0, None


def _audit(comp: Component, inv: Inventory) -> Iterator[Violation]:
    flag = comp.flags.last("audit-policy-file")
    if flag is None:
        yield Violation(
            f"{comp.name}: --audit-policy-file is not set, so no request is audited; expected "
            "--audit-policy-file=<audit Policy> (with --audit-log-path)",
            comp.anchor,
            key="flag",
            resource=comp.resource,
        )
        return
    policy: Resource | None = referenced(inv, ("Policy",), flag.text)
    if policy is None:
        return
    rules = policy.obj.get("rules")
    rules = rules if isinstance(rules, list) else []
    for resource, group in _SENSITIVE.items():
        for i, r in enumerate(rules):
            if not isinstance(r, dict) or not _matches(r, group, resource):
                continue
            level = _LEVELS.get(str(r.get("level")), 0)
            if level >= 2:
                yield Violation(
                    f"audit Policy {policy.origin.file}: rule {i} logs {resource} at "
                    f"{r.get('level')}, which writes {resource} contents into the audit log; "
                    f"expected Metadata for {resource}",
                    ("rules", i, "level"),
                    key=f"sensitive-{resource}",
                    resource=policy,
                )
            if not any(r.get(k) for k in ("users", "userGroups", "verbs", "namespaces")):
                break  # later rules never see these requests
    for label, wanted, key in _REQUIRED:
        for group, names in wanted.items():
            missing = [n for n in sorted(names) if _level_for(rules, group, n)[0] < 1]
            if missing:
                yield Violation(
                    f"audit Policy {policy.origin.file}: {label} ({', '.join(missing)}) is not "
                    "logged; expected a rule at level Metadata or above",
                    ("rules",),
                    key=f"missing-{key}",
                    resource=policy,
                )


@rule(
    id="audit-policy",
    title="Audit policy is missing, leaks secrets or misses key events",
    severity=Severity.HIGH,
    category=Category.CONTROL_PLANE,
    target=Target.INVENTORY,
    frameworks={"cis": ["3.2.1", "3.2.2"], "nsa": ["NSA-LOG-LOGGING"], "owasp": ["K10:2025"]},
    needs=(APISERVER, "audit-policy-file"),
    remediation="""Give the API server an audit Policy (audit.k8s.io/v1) with
    --audit-policy-file: log secrets, configmaps and tokenreviews at Metadata only (Request
    would write their contents into the log), and log pods/exec, pods/attach, pods/portforward,
    RBAC objects and secrets at Metadata or above; end with a catch-all Metadata rule.""",
)
def audit_policy(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """The API server's audit policy, judged against what an investigation needs."""
    for comp in components(ctx, inv, APISERVER):
        yield from _audit(comp, inv)


def _pod_security_defaults(inv: Inventory, admission: Resource) -> tuple[dict[str, Any], Any]:
    """The PodSecurity plugin's configuration in an AdmissionConfiguration and its path."""
    for i, plugin in enumerate(admission.obj.get("plugins") or []):
        if not isinstance(plugin, dict) or plugin.get("name") != "PodSecurity":
            continue
        conf = plugin.get("configuration")
        if isinstance(conf, dict):
            return conf, ("plugins", i, "configuration", "defaults")
        path = plugin.get("path")
        if isinstance(path, str):
            res = referenced(inv, ("PodSecurityConfiguration",), path)
            if res is not None:
                return res.obj, ("plugins", i, "path")
        return {}, ("plugins", i)
    return {}, None


@rule(
    id="apiserver-pod-security-defaults",
    title="Pod Security admission enforces nothing by default",
    severity=Severity.MEDIUM,
    category=Category.CONTROL_PLANE,
    target=Target.INVENTORY,
    frameworks={"cis": ["5.2.1"], "nsa": ["NSA-POD-ENFORCE"], "owasp": ["K04:2025"]},
    needs=(APISERVER, "admission-config"),
    remediation="""In the AdmissionConfiguration named by --admission-control-config-file, give
    the PodSecurity plugin defaults with enforce: baseline (or restricted) and audit/warn:
    restricted, and list only system namespaces under exemptions. Namespaces without
    pod-security.kubernetes.io labels then get a real default instead of privileged.""",
)
def pod_security_defaults(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """The cluster-wide Pod Security default, when the admission configuration sets one.

    Judged only when an AdmissionConfiguration is given: without one, namespaces may still be
    labelled or another policy engine may enforce, which a configuration file cannot show."""
    for comp in components(ctx, inv, APISERVER):
        flag = comp.flags.last("admission-control-config-file")
        if flag is None:
            continue
        admission = referenced(inv, ("AdmissionConfiguration",), flag.text)
        if admission is None:
            continue
        conf, path = _pod_security_defaults(inv, admission)
        if path is None:
            continue
        raw_defaults = conf.get("defaults")
        defaults: dict[str, Any] = raw_defaults if isinstance(raw_defaults, dict) else {}
        enforce = str(defaults.get("enforce") or "privileged")
        if enforce == "privileged":
            yield Violation(
                f"AdmissionConfiguration {admission.origin.file}: PodSecurity defaults enforce "
                f"{enforce!r}, so unlabelled namespaces admit privileged pods; expected "
                "defaults.enforce: baseline or restricted",
                path,
                key="enforce",
                resource=admission,
            )
