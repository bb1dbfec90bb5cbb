"""Access to running workloads and credentials: exec/attach, port-forward, nodes/proxy,
TokenRequest and unusual secret reads.

Spec: ``pods/exec``, ``pods/attach`` and ``pods/portforward`` are long-running requests,
logged at ``ResponseStarted`` (code 101) and ``ResponseComplete``. Before Kubernetes 1.35 a
WebSocket upgrade is authorised and audited as verb ``get`` (kubernetes/kubernetes#134577), so
``get`` counts as well as ``create``. ``nodes/proxy`` reaches the kubelet API: ``get`` alone
can run commands in pods through ``/exec``, ``/run`` and ``/attach``. ``serviceaccounts/token``
``create`` is a TokenRequest. A list or watch of secrets without ``objectRef.namespace`` reads
every namespace. Metadata level is enough for every rule here.
"""

from __future__ import annotations

from collections.abc import Iterator

from stockade.detect.event import AuditEvent
from stockade.detect.registry import (
    STARTED_OR_COMPLETE,
    DetectContext,
    Hit,
    Outcome,
    Unevaluated,
    audit_rule,
)
from stockade.detect.rules.common import where
from stockade.detect.state import BoundedMap
from stockade.model import Severity

_STREAM_VERBS = ("create", "get")
_KUBELET_EXEC_PATHS = ("/exec", "/run", "/attach", "/portforward", "/cri")


def _command(event: AuditEvent) -> str:
    """The program an exec runs, and how many arguments follow (arguments may hold secrets)."""
    command = event.query().get("command", [])
    if not command:
        return ""
    extra = len(command) - 1
    more = f" (+{extra} argument{'s' if extra != 1 else ''} not shown)" if extra else ""
    return f": command {command[0]!r}{more}"


@audit_rule(
    id="audit-exec",
    title="Command executed in, or terminal attached to, a running container",
    severity=Severity.MEDIUM,
    mitre=("T1609", "T1059"),
    resources=(("pods", "exec"), ("pods", "attach")),
    verbs=_STREAM_VERBS,
    stages=STARTED_OR_COMPLETE,
    description="pods/exec or pods/attach with verb create or get (WebSocket clients before "
    "Kubernetes 1.35): someone ran a command inside a container or attached to its console.",
    remediation="Check that the identity was expected to open a shell in this pod. Remove "
    "create/get on pods/exec and pods/attach from roles that do not need it; prefer "
    "ephemeral debug workflows that are reviewed.",
)
def exec_in_pod(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """One alert per exec/attach request (deduplicated across its stage events)."""
    query = event.query()
    container = query.get("container", [""])[0]
    in_container = f" (container {container!r})" if container else ""
    interactive = "interactive " if query.get("tty", ["false"])[0] == "true" else ""
    if event.subresource == "attach":
        yield Hit(f"{event.username} attached {interactive}to pod {where(event)}{in_container}")
    else:
        yield Hit(
            f"{event.username} ran an {interactive}command in pod "
            f"{where(event)}{in_container}{_command(event)}"
        )


@audit_rule(
    id="audit-port-forward",
    title="Port forwarded to a pod",
    severity=Severity.MEDIUM,
    mitre=("T1572",),
    resources=(("pods", "portforward"),),
    verbs=_STREAM_VERBS,
    stages=STARTED_OR_COMPLETE,
    description="pods/portforward (create, or get over WebSocket): a tunnel from the client "
    "into the pod's network namespace that bypasses Services and NetworkPolicies.",
    remediation="Confirm the tunnel was expected; remove pods/portforward from roles that do "
    "not need it.",
)
def port_forward(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """One alert per port-forward request."""
    ports = ",".join(event.query().get("ports", []))
    to_ports = f" (ports {ports})" if ports else ""
    yield Hit(f"{event.username} opened a port-forward to pod {where(event)}{to_ports}")


@audit_rule(
    id="audit-node-proxy",
    title="Kubelet API reached through nodes/proxy",
    severity=Severity.HIGH,
    mitre=("T1609", "T1613"),
    resources=(("nodes", "proxy"),),
    stages=STARTED_OR_COMPLETE,
    description="Any verb on nodes/proxy reaches the kubelet API with the API server's "
    "credentials; `get` alone runs commands in pods through /exec, /run and /attach. "
    "Metrics scrapes (configurable paths) are ignored.",
    remediation="Remove nodes/proxy from every role except monitoring that needs it (CIS "
    "5.1.10), and scope that to /metrics through a dedicated proxy if possible.",
)
def node_proxy(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """nodes/proxy use, with the kubelet path (never its query)."""
    path = event.path
    _, sep, kubelet_path = path.partition("/proxy")
    kubelet_path = kubelet_path if sep else ""
    kubelet_path = kubelet_path or "/"
    if ctx.settings.is_metrics_path(kubelet_path):
        return
    severity = Severity.CRITICAL if kubelet_path.lower().startswith(_KUBELET_EXEC_PATHS) else None
    node = event.name.split(":", 1)[0] or "?"
    yield Hit(
        f"{event.username} called the kubelet API on node {node} through nodes/proxy "
        f"({event.verb} {kubelet_path})",
        severity=severity,
    )


@audit_rule(
    id="audit-token-request",
    title="Service account token requested",
    severity=Severity.MEDIUM,
    mitre=("T1528", "T1550.001"),
    resources=(("serviceaccounts", "token"),),
    verbs=("create",),
    skip_system=True,
    description="A TokenRequest (serviceaccounts/token create) by an identity other than the "
    "kubelets and control plane: a fresh credential for the service account, usable from "
    "anywhere until it expires.",
    remediation="Check who requested the token and for what audience; remove create on "
    "serviceaccounts/token from roles that do not mint tokens (CIS 5.1.13).",
)
def token_request(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """A token minted for a service account (the token itself is never read)."""
    details: list[str] = []
    req = event.request_object
    spec = req.get("spec") if isinstance(req, dict) else None
    if isinstance(spec, dict):
        audiences = spec.get("audiences")
        if isinstance(audiences, list) and audiences:
            details.append("audiences " + ", ".join(str(a) for a in audiences))
        if isinstance(spec.get("expirationSeconds"), int):
            details.append(f"expiring in {spec['expirationSeconds']}s")
        bound = spec.get("boundObjectRef")
        if isinstance(bound, dict) and bound.get("name"):
            details.append(f"bound to {bound.get('kind', 'object')} {bound.get('name')}")
    extra = f" ({'; '.join(details)})" if details else ""
    yield Hit(f"{event.username} requested a token for service account {where(event)}{extra}")


SecretKey = tuple[str, str, str]  # (user, namespace, secret name or "*" for the namespace)


@audit_rule(
    id="audit-secret-access-anomaly",
    title="Secret read that the identity did not read during the learning window",
    severity=Severity.MEDIUM,
    mitre=("T1552.007",),
    resources=(("secrets", ""),),
    verbs=("get", "list", "watch"),
    stages=STARTED_OR_COMPLETE,
    skip_system=True,
    description="A non-system identity lists or watches secrets across all namespaces "
    "(always), or, after the learning window, reads a secret or a namespace's secrets it did "
    "not read during the window.",
    remediation="Confirm the identity needs this secret; if not, rotate the secret and narrow "
    "the role (get on named secrets rather than list/watch, CIS 5.1.2).",
)
def secret_access_anomaly(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Cluster-wide secret sweeps, and first reads after the learning window."""
    user = event.username
    if event.verb in ("list", "watch") and not event.namespace:
        yield Hit(
            f"{user} {'listed' if event.verb == 'list' else 'watched'} secrets across "
            "all namespaces",
            severity=Severity.HIGH,
        )
        return
    window = ctx.settings.learning_window
    if window <= 0:
        return
    start = ctx.state.get("first_time")
    now = event.timestamp()
    if now is None or not isinstance(start, float):
        yield Unevaluated("event has no readable timestamp: the learning window cannot apply")
        return
    known: BoundedMap[SecretKey, bool] = ctx.memo(
        "secret-reads", lambda: BoundedMap(ctx.settings.state_limit)
    )
    ns = event.namespace
    name = event.name if event.verb == "get" else "*"
    key = (user, ns, name)
    if key in known or (name != "*" and (user, ns, "*") in known):
        known.get(key)
        return
    known.put(key, True)
    if now < start + window:
        return
    what = f"secret {ns}/{name}" if name != "*" else f"the secrets of namespace {ns}"
    verb = {"get": "read", "list": "listed", "watch": "watched"}[event.verb]
    yield Hit(f"{user} {verb} {what} for the first time (not read during the learning window)")
