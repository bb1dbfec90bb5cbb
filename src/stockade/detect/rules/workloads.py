"""Workload writes: privileged pods and templates, image changes, ephemeral containers.

Spec: workloads are Pods and the controllers that carry a pod template (Deployment,
DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate). The
audit ``requestObject`` is the object as sent (Request level) or, for a patch, the patch (a
JSON Patch array, or a merge/strategic-merge/apply document); ``responseObject``
(RequestResponse) is the object as stored. Controllers create Pods and ReplicaSets with
``metadata.ownerReferences`` naming their owner. ``kubectl debug`` adds ephemeral containers
through the ``pods/ephemeralcontainers`` subresource.

``audit-privileged-workload`` does not re-implement any check: it builds an `Inventory` of the
one written object and runs the scan catalogue's rules (privileged-container, host-network,
host-pid, host-ipc, host-path-volume) through the scan pipeline's rule runner
(`stockade.scan.run_rules`, with the rules `stockade.scan.select_rules` picks once). Waiver
annotations are deliberately not honoured: the object's author controls them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from stockade.detect.event import AuditEvent
from stockade.detect.registry import (
    MUTATING_VERBS,
    DetectContext,
    Hit,
    Outcome,
    Unevaluated,
    audit_rule,
)
from stockade.detect.rules.common import did, no_body, object_after
from stockade.detect.state import BoundedMap
from stockade.inventory import Inventory, Origin, Resource
from stockade.inventory.podspec import POD_TEMPLATE_PATHS
from stockade.model import Severity
from stockade.policy.config import Config, RulesConfig
from stockade.rules.catalogue import load_catalogue
from stockade.rules.registry import Rule, RuleContext
from stockade.scan import run_rules, select_rules

WORKLOAD_KINDS = {
    "pods": ("Pod", "v1"),
    "deployments": ("Deployment", "apps/v1"),
    "daemonsets": ("DaemonSet", "apps/v1"),
    "statefulsets": ("StatefulSet", "apps/v1"),
    "replicasets": ("ReplicaSet", "apps/v1"),
    "replicationcontrollers": ("ReplicationController", "v1"),
    "jobs": ("Job", "batch/v1"),
    "cronjobs": ("CronJob", "batch/v1"),
    "podtemplates": ("PodTemplate", "v1"),
}
WORKLOAD_RESOURCES = tuple((r, "") for r in WORKLOAD_KINDS)
PRIVILEGE_RULES = (
    "privileged-container",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-path-volume",
)
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
ObjKey = tuple[str, str, str]  # (namespace, kind, name)


class Finding(NamedTuple):
    """One scan-rule violation of the written object."""

    rule: str
    severity: Severity
    message: str


def _privilege_rules() -> tuple[Config, list[Rule]]:
    config = Config(rules=RulesConfig(only=list(PRIVILEGE_RULES)))
    rules = select_rules(load_catalogue(), config)
    missing = set(PRIVILEGE_RULES) - {r.id for r in rules}
    if missing:
        raise LookupError(f"scan catalogue lacks {', '.join(sorted(missing))}")
    return config, rules


def _as_resource(event: AuditEvent, body: dict[str, Any]) -> Resource:
    kind, api_version = WORKLOAD_KINDS[event.resource]
    obj = dict(body)
    obj.setdefault("kind", kind)
    obj.setdefault("apiVersion", api_version)
    meta = dict(obj["metadata"]) if isinstance(obj.get("metadata"), dict) else {}
    if event.namespace:
        meta.setdefault("namespace", event.namespace)
    if not meta.get("name") and event.name:
        meta["name"] = event.name
    obj["metadata"] = meta
    return Resource.from_object(obj, Origin(f"audit:{event.audit_id}", live=True))


def _controller_owner(body: dict[str, Any], namespace: str) -> ObjKey | None:
    meta = body.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, dict) else None
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if isinstance(ref, dict) and ref.get("controller") is True:
            return (namespace, str(ref.get("kind", "")), str(ref.get("name", "")))
    return None


@audit_rule(
    id="audit-privileged-workload",
    title="Privileged or host-namespace workload written",
    severity=Severity.HIGH,
    mitre=("T1610", "T1611"),
    resources=WORKLOAD_RESOURCES,
    verbs=MUTATING_VERBS,
    needs_level="Request",
    description="A Pod or pod-template workload was created, updated or patched and the scan "
    "catalogue flags it: privileged container, hostNetwork/hostPID/hostIPC, or a hostPath "
    "volume. Objects created by a controller for an owner that was already reported are "
    "folded into that owner's alert.",
    remediation="Check who created the workload and why it needs host access; remove "
    "privileged, host namespaces and hostPath, and enforce the baseline Pod Security Standard "
    "on the namespace.",
)
def privileged_workload(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Run the scan catalogue's privilege rules on the written object."""
    body = object_after(event)
    if body is None:
        yield Unevaluated(no_body(event, "requestObject"))
        return
    resource = _as_resource(event, body)
    config, rules = ctx.memo("privileged-workload-rules", _privilege_rules)
    inventory = Inventory([resource])
    hits, _ = run_rules(inventory, rules, RuleContext(inventory, config))
    findings = [Finding(rule.id, rule.meta.severity, v.message) for rule, _, v in hits]
    reported: BoundedMap[ObjKey, frozenset[str]] = ctx.memo(
        "privileged-workload-reported", lambda: BoundedMap(ctx.settings.state_limit)
    )
    ns = resource.namespace or ""
    key: ObjKey = (ns, resource.kind, resource.name)
    if not findings:
        return
    marks = frozenset(f"{f.rule}:{f.message}" for f in findings)
    owner = _controller_owner(body, ns)
    if owner is not None and owner in reported:
        # Folded into the owner's alert: a privileged DaemonSet is one alert, not one per node.
        reported.put(key, marks)
        return
    previous = reported.get(key)
    reported.put(key, marks)
    if owner is not None:
        reported.put(owner, marks)
    if event.verb != "create" and previous is not None and marks <= previous:
        return  # re-applied unchanged: already reported
    worst = max(findings, key=lambda f: f.severity.rank).severity
    owned = f" (owned by {owner[1]} {owner[2]})" if owner is not None else ""
    target = f"{ns}/{resource.name}" if ns else resource.name
    details = "; ".join(f"{f.message} [{f.rule}]" for f in findings)
    yield Hit(
        f"{event.username} {did(event.verb)} {resource.kind} {target}{owned}: {details}",
        severity=worst if worst.rank > Severity.HIGH.rank else None,
    )


def _template_spec(kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    node: Any = body
    for part in (*POD_TEMPLATE_PATHS.get(kind, ()), "spec"):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def images_of(kind: str, body: dict[str, Any]) -> dict[str, str]:
    """``{container name: image}`` of a workload object's pod template."""
    spec = _template_spec(kind, body)
    out: dict[str, str] = {}
    if spec is None:
        return out
    for list_name in _CONTAINER_LISTS:
        items = spec.get(list_name)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict) and isinstance(c.get("image"), str):
                    out[str(c.get("name", f"{list_name}[{i}]"))] = c["image"]
    return out


def patched_images(patch: Any) -> dict[str, str]:
    """Images a patch body sets: JSON Patch ops on ``…/image`` or added containers, or
    container entries with an ``image`` in a merge/strategic/apply patch."""
    found: dict[str, str] = {}
    if isinstance(patch, list):
        for op in patch:
            if not isinstance(op, dict) or op.get("op") not in ("add", "replace"):
                continue
            path = str(op.get("path", ""))
            value = op.get("value")
            parts = path.strip("/").split("/")
            if parts and parts[-1] == "image" and isinstance(value, str):
                found[path] = value
            elif any(p in _CONTAINER_LISTS for p in parts[-2:]) and isinstance(value, dict):
                if isinstance(value.get("image"), str):
                    found[str(value.get("name", path))] = value["image"]
            elif parts and parts[-1] in _CONTAINER_LISTS and isinstance(value, list):
                for c in value:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        found[str(c.get("name", path))] = c["image"]
        return found
    _walk_containers(patch, found)
    return found


def _walk_containers(node: Any, found: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _CONTAINER_LISTS and isinstance(value, list):
                for i, c in enumerate(value):
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        found[str(c.get("name", f"{key}[{i}]"))] = c["image"]
            elif isinstance(value, dict | list):
                _walk_containers(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk_containers(item, found)


@audit_rule(
    id="audit-image-changed",
    title="Workload image changed by an identity outside the deployers",
    severity=Severity.MEDIUM,
    mitre=("T1525", "T1610", "T1204.003"),
    resources=WORKLOAD_RESOURCES,
    verbs=MUTATING_VERBS,
    needs_level="Request",
    description="An update or patch changed (or added) a container image of an existing "
    "workload, and the writer is not in the configured deployers list. Creates are "
    "remembered, not reported; an annotation-only patch (rollout restart) is not a change.",
    remediation="Confirm the change with the workload's owner and check the new image's "
    "origin; route image changes through the deployment pipeline and list its identities "
    "as deployers.",
)
def image_changed(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Compare the images a write sets with the images last seen for the workload."""
    kind = WORKLOAD_KINDS[event.resource][0]
    known: BoundedMap[ObjKey, dict[str, str]] = ctx.memo(
        "workload-images", lambda: BoundedMap(ctx.settings.state_limit)
    )
    if event.verb == "create" and kind == "Pod":
        # NOTE: controllers create pods by the thousand and pods rarely change image; keeping
        # their images would fill the state for little: pod patches carry the new image.
        return
    key: ObjKey = (event.namespace, kind, event.name)
    body = object_after(event)
    after = images_of(kind, body) if body is not None else None
    previous = known.get(key)
    if after:
        known.put(key, after)
    if event.verb == "create":
        return
    if event.verb == "patch":
        if not event.level_at_least("Request"):
            yield Unevaluated(no_body(event, "requestObject"))
            return
        changed = patched_images(event.request_object)
        if not changed:
            return
        if previous is not None and after:
            changed = {n: i for n, i in after.items() if previous.get(n) != i}
            if not changed:
                return
    else:
        if after is None:
            yield Unevaluated(no_body(event, "requestObject"))
            return
        if previous is None:
            yield Unevaluated(
                "previous images unknown: the workload was not created or "
                "changed earlier in this log"
            )
            return
        changed = {n: i for n, i in after.items() if previous.get(n) != i}
        if not changed:
            return
    if ctx.settings.is_deployer(event.username, event.groups):
        return
    parts = []
    for name, image in sorted(changed.items()):
        before = previous.get(name) if previous else None
        parts.append(f"{name}: {before} -> {image}" if before else f"{name}: {image}")
    target = f"{event.namespace}/{event.name}" if event.namespace else event.name
    yield Hit(f"{event.username} changed images of {kind} {target}: {'; '.join(parts)}")


@audit_rule(
    id="audit-ephemeral-container",
    title="Ephemeral container added to a running pod",
    severity=Severity.MEDIUM,
    mitre=("T1609", "T1610", "T1611"),
    resources=(("pods", "ephemeralcontainers"),),
    verbs=MUTATING_VERBS,
    description="pods/ephemeralcontainers was written (kubectl debug): a new container, with "
    "an image of the writer's choosing, runs inside an existing pod and can target its "
    "processes.",
    remediation="Confirm the debugging session was expected; restrict pods/ephemeralcontainers "
    "to on-call roles and enforce Pod Security on ephemeral containers too.",
)
def ephemeral_container(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """An ephemeral container added; severity rises when it is privileged."""
    containers: list[dict[str, Any]] = []
    for body in (event.request_object, event.response_object):
        if isinstance(body, dict):
            spec = body.get("spec")
            items = spec.get("ephemeralContainers") if isinstance(spec, dict) else None
            if isinstance(items, list):
                containers = [c for c in items if isinstance(c, dict)]
                break
        elif isinstance(body, list):
            for op in body:
                if isinstance(op, dict) and "ephemeralContainers" in str(op.get("path", "")):
                    value = op.get("value")
                    vals = value if isinstance(value, list) else [value]
                    containers.extend(v for v in vals if isinstance(v, dict))
            if containers:
                break
    target = f"{event.namespace}/{event.name}" if event.namespace else event.name
    if not containers:
        yield Hit(
            f"{event.username} added an ephemeral container to pod {target} "
            f"(body not logged at {event.level} level)"
        )
        return
    last = containers[-1]
    privileged = any(
        isinstance(c.get("securityContext"), dict)
        and c["securityContext"].get("privileged") is True
        for c in containers
    )
    details = [f"image {last.get('image', '?')}"]
    if last.get("targetContainerName"):
        details.append(f"targeting {last['targetContainerName']!r}")
    if privileged:
        details.append("privileged")
    yield Hit(
        f"{event.username} added ephemeral container {str(last.get('name', '?'))!r} "
        f"({', '.join(details)}) to pod {target}",
        severity=Severity.HIGH if privileged else None,
    )
