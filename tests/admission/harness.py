"""Building blocks of the webhook tests: a real server on loopback over HTTPS, and AdmissionReviews."""

from __future__ import annotations

import asyncio
import io
import itertools
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn

from stockade.admission.app import WebhookState
from stockade.admission.certs import CertPaths, generate_certs
from stockade.admission.server import ServeOptions, build_server

_uids = itertools.count(1)


@dataclass
class Running:
    """A started server, its state and how to reach it."""

    server: uvicorn.Server
    state: WebhookState
    url: str
    port: int
    certs: CertPaths
    client: httpx.Client

    def review(self, request: dict[str, Any]) -> dict[str, Any]:
        """Post an AdmissionReview and return its ``response`` (asserting a 200 and the uid)."""
        body = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
        r = self.client.post(f"{self.url}/validate", json=body)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["apiVersion"] == "admission.k8s.io/v1"
        assert doc["kind"] == "AdmissionReview"
        assert doc["response"]["uid"] == request["uid"]
        response: dict[str, Any] = doc["response"]
        return response


def make_certs(directory: Path) -> CertPaths:
    """A CA and a serving certificate valid for localhost and 127.0.0.1."""
    return generate_certs(directory, ["localhost"], ["127.0.0.1"])


def client_context(ca: Path) -> ssl.SSLContext:
    """A client context trusting only the generated CA."""
    return ssl.create_default_context(cafile=str(ca))


def start(state: WebhookState, certs: CertPaths) -> Running:
    """Start uvicorn in a thread on a free loopback port; wait until it listens."""
    server = build_server(state, certs.cert, certs.key, ServeOptions("127.0.0.1", 0, 5.0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "server thread died while starting"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}"
    client = httpx.Client(verify=client_context(certs.ca_cert), timeout=10)
    running = Running(server, state, url, port, certs, client)
    running._thread = thread  # type: ignore[attr-defined]
    return running


def stop(running: Running) -> None:
    """Stop the server and wait for its thread."""
    running.client.close()
    running.server.should_exit = True
    running._thread.join(10)  # type: ignore[attr-defined]


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def asgi_call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> Answer:
    """Drive an ASGI app with one request whose body arrives in ``chunks``."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8443),
    }
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks or [b""])
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, *bodies = sent
    return start["status"], list(start["headers"]), b"".join(m.get("body", b"") for m in bodies)


def log_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Parsed JSON log lines."""
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def decisions(stream: io.StringIO) -> dict[str, dict[str, Any]]:
    """Decision lines by uid."""
    return {d["uid"]: d for d in log_lines(stream) if d.get("msg") == "decision"}


_GROUPS = {
    "Deployment": ("apps", "v1"),
    "StatefulSet": ("apps", "v1"),
    "DaemonSet": ("apps", "v1"),
    "ReplicaSet": ("apps", "v1"),
    "Job": ("batch", "v1"),
    "CronJob": ("batch", "v1"),
}


def request_for(
    obj: dict[str, Any] | None,
    *,
    operation: str = "CREATE",
    namespace: str | None = None,
    username: str = "alice@example.com",
    groups: tuple[str, ...] = ("system:authenticated",),
    dry_run: bool = False,
    kind: str | None = None,
    old: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An AdmissionReview request as the API server sends it."""
    obj_kind = kind or (obj or old or {}).get("kind", "Pod")
    api_version = (obj or old or {}).get("apiVersion", "v1")
    group, _, version = api_version.rpartition("/")
    meta = (obj or old or {}).get("metadata", {})
    ns = namespace if namespace is not None else meta.get("namespace", "")
    if obj is not None and namespace is not None and "namespace" in meta:
        obj = {**obj, "metadata": {**meta, "namespace": namespace}}
    req: dict[str, Any] = {
        "uid": f"00000000-0000-0000-0000-{next(_uids):012d}",
        "kind": {"group": group, "version": version, "kind": obj_kind},
        "resource": {"group": group, "version": version, "resource": obj_kind.lower() + "s"},
        "requestKind": {"group": group, "version": version, "kind": obj_kind},
        "name": meta.get("name", ""),
        "namespace": ns,
        "operation": operation,
        "userInfo": {"username": username, "uid": "1", "groups": list(groups)},
        "object": obj,
        "oldObject": old,
        "dryRun": dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
    return req


def deployment(
    name: str = "web",
    namespace: str = "team-a",
    container: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    **pod_spec: Any,
) -> dict[str, Any]:
    """A Deployment; hardened unless ``container`` or ``pod_spec`` loosen it."""
    base_container: dict[str, Any] = {
        "name": "app",
        "image": "ghcr.io/acme/web:1.2.3@sha256:" + "a" * 64,
        "resources": {
            "requests": {"cpu": "100m", "memory": "64Mi"},
            "limits": {"cpu": "500m", "memory": "128Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    base_container.update(container or {})
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {
        "serviceAccountName": "web",
        "automountServiceAccountToken": False,
        "containers": [base_container],
    }
    spec.update(pod_spec)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": spec},
        },
    }


PRIVILEGED = {
    "securityContext": {
        "privileged": True,
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "allowPrivilegeEscalation": True,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
}
"""A container override that is privileged (critical) and allows escalation (medium)."""
