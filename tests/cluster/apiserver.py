"""A local HTTPS server that speaks the Kubernetes list API for a fixed set of objects.

Enough of the real API for `stockade` and `kubectl get`: discovery (``/api``, ``/apis``,
``/api/v1``, ``/apis/<group>/<version>``, ``/version``), bearer-token authentication (401 Status
otherwise), list calls for all namespaces or one, ``limit``/``continue`` pagination, a kind that
answers 403, groups that are not served (404), and ``PartialObjectMetadataList`` responses when
the client asks for them. Objects are serialised once, up front, so the server can hold 50,000
of them cheaply. Certificates come from `cryptography` (a CA and a server cert for 127.0.0.1).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import ssl
import threading
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# kind -> (group, version, plural, namespaced)
KINDS: dict[str, tuple[str, str, str, bool]] = {
    "Namespace": ("", "v1", "namespaces", False),
    "Node": ("", "v1", "nodes", False),
    "Pod": ("", "v1", "pods", True),
    "ReplicationController": ("", "v1", "replicationcontrollers", True),
    "Service": ("", "v1", "services", True),
    "ServiceAccount": ("", "v1", "serviceaccounts", True),
    "ConfigMap": ("", "v1", "configmaps", True),
    "Secret": ("", "v1", "secrets", True),
    "Deployment": ("apps", "v1", "deployments", True),
    "StatefulSet": ("apps", "v1", "statefulsets", True),
    "DaemonSet": ("apps", "v1", "daemonsets", True),
    "ReplicaSet": ("apps", "v1", "replicasets", True),
    "Job": ("batch", "v1", "jobs", True),
    "CronJob": ("batch", "v1", "cronjobs", True),
    "Ingress": ("networking.k8s.io", "v1", "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies", True),
    "Role": ("rbac.authorization.k8s.io", "v1", "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io", "v1", "rolebindings", True),
    "ClusterRole": ("rbac.authorization.k8s.io", "v1", "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", False),
    "ValidatingWebhookConfiguration": (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        False,
    ),
    "MutatingWebhookConfiguration": (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        False,
    ),
    "CustomResourceDefinition": (
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        False,
    ),
}


@dataclass
class Certs:
    """PEM files of a CA and a server certificate signed by it."""

    ca: Path
    cert: Path
    key: Path


def make_certs(directory: Path) -> Certs:
    """A CA and a server certificate for 127.0.0.1 and localhost, valid for a day."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    out = Certs(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


@dataclass
class Stored:
    """One object, serialised full and as PartialObjectMetadata."""

    namespace: str | None
    full: bytes
    partial: bytes


@dataclass
class ApiState:
    """What the server serves and what it saw."""

    token: str
    forbidden: set[str] = field(default_factory=set)
    """Plural resource names that answer 403."""
    absent_groups: set[str] = field(default_factory=set)
    """API groups the server does not serve (404, and absent from discovery)."""
    objects: dict[str, list[Stored]] = field(default_factory=lambda: defaultdict(list))
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(path with query, Accept header, kind of body sent) of every request."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, objs: Iterable[dict[str, Any]]) -> None:
        """Store objects, keyed by their kind's plural."""
        for obj in objs:
            plural = KINDS[obj["kind"]][2]
            meta = obj["metadata"]
            partial = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": meta,
            }
            self.objects[plural].append(
                Stored(meta.get("namespace"), orjson.dumps(obj), orjson.dumps(partial))
            )


def _resource_list(group: str, version: str, absent: set[str]) -> dict[str, Any]:
    resources = []
    for kind, (g, v, plural, namespaced) in sorted(KINDS.items()):
        if g == group and v == version:
            resources.append(
                {
                    "name": plural,
                    "singularName": kind.lower(),
                    "namespaced": namespaced,
                    "kind": kind,
                    "verbs": ["get", "list", "watch"],
                }
            )
    gv = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }


def _status(code: int, reason: str, message: str) -> bytes:
    return orjson.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the request log instead."""

    def _send(self, code: int, body: bytes, sent: str = "") -> None:
        state = self.server.state
        with state.lock:
            state.requests.append((self.path, self.headers.get("Accept", ""), sent))
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state = self.server.state
        if self.headers.get("Authorization") != f"Bearer {state.token}":
            self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            return
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        groups = sorted(
            {(g, v) for g, v, _, _ in KINDS.values() if g and g not in state.absent_groups}
        )
        if parts == ["version"]:
            body = {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"}
            self._send(200, orjson.dumps(body))
        elif parts == ["api"]:
            versions = {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
            self._send(200, orjson.dumps(versions))
        elif parts == ["apis"]:
            items = [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                    "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v},
                }
                for g, v in groups
            ]
            self._send(
                200, orjson.dumps({"kind": "APIGroupList", "apiVersion": "v1", "groups": items})
            )
        elif parts == ["api", "v1"]:
            self._send(200, orjson.dumps(_resource_list("", "v1", state.absent_groups)))
        elif len(parts) == 3 and parts[0] == "apis" and (parts[1], parts[2]) in groups:
            self._send(200, orjson.dumps(_resource_list(parts[1], parts[2], state.absent_groups)))
        else:
            self._list(parts, query)

    def _list(self, parts: list[str], query: dict[str, list[str]]) -> None:
        state = self.server.state
        if parts[:1] == ["api"]:
            group, rest = "", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) > 3:
            group, rest = parts[1], parts[3:]
        else:
            self._send(
                404, _status(404, "NotFound", "the server could not find the requested resource")
            )
            return
        namespace = None
        if len(rest) == 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        known = {plural: kind for kind, (g, _, plural, _) in KINDS.items() if g == group}
        if len(rest) != 1 or rest[0] not in known or group in state.absent_groups:
            self._send(
                404, _status(404, "NotFound", "the server could not find the requested resource")
            )
            return
        plural = rest[0]
        if plural in state.forbidden:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            msg = (
                f'{plural} is forbidden: User "system:serviceaccount:test:scanner" cannot list '
                f'resource "{plural}" in API group "{group}" {scope}'
            )
            self._send(403, _status(403, "Forbidden", msg))
            return
        items = [
            s
            for s in state.objects.get(plural, ())
            if namespace is None or s.namespace == namespace
        ]
        start = (
            int(base64.urlsafe_b64decode(query["continue"][0]).decode())
            if "continue" in query
            else 0
        )
        limit = int(query.get("limit", ["0"])[0]) or len(items) or 1
        page = items[start : start + limit]
        nxt = start + limit
        meta: dict[str, Any] = {"resourceVersion": "1000"}
        if nxt < len(items):
            meta["continue"] = base64.urlsafe_b64encode(str(nxt).encode()).decode()
            meta["remainingItemCount"] = len(items) - nxt
        partial = "as=PartialObjectMetadataList" in self.headers.get("Accept", "")
        kind = known[plural]
        head = {
            "kind": "PartialObjectMetadataList" if partial else f"{kind}List",
            "apiVersion": "meta.k8s.io/v1" if partial else (f"{group}/v1" if group else "v1"),
            "metadata": meta,
        }
        body = (
            orjson.dumps(head)[:-1]
            + b',"items":['
            + b",".join(s.partial if partial else s.full for s in page)
            + b"]}"
        )
        self._send(200, body, "partial" if partial else "full")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ApiState, ctx: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.socket = ctx.wrap_socket(self.socket, server_side=True)


class FakeApiServer:
    """The server on a free port of 127.0.0.1, in a background thread."""

    def __init__(self, state: ApiState, certs: Certs) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certs.cert, certs.key)
        self.state = state
        self.certs = certs
        self._server = _Server(state, ctx)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def write_kubeconfig(path: Path, server: str, ca: Path, token: str, context: str = "test") -> Path:
    """A kubeconfig with one cluster, one token user and one context (the current one)."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "test", "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [{"name": "scanner", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": "test", "user": "scanner"}}],
        "current-context": context,
    }
    path.write_bytes(orjson.dumps(doc))
    return path
