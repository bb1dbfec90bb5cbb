"""The HTTP surface: bad requests are clear 400s, the server survives them, endpoints answer."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from stockade.admission.app import WebhookState
from stockade.admission.namespaces import StaticNamespaceLabels

from tests.admission.harness import PRIVILEGED, Running, client_context, deployment, request_for

Serve = Callable[..., Running]


@pytest.fixture
def srv(serve: Serve) -> Running:
    return serve(WebhookState.from_files(None, mode="enforce"))


def _post(srv: Running, body: bytes, ctype: str = "application/json") -> httpx.Response:
    return srv.client.post(f"{srv.url}/validate", content=body, headers={"content-type": ctype})


def _review(request: object, version: str = "admission.k8s.io/v1") -> bytes:
    return orjson.dumps({"apiVersion": version, "kind": "AdmissionReview", "request": request})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"", "not valid JSON"),
        (_review(request_for(deployment()), "admission.k8s.io/v1beta1"), "unsupported apiVersion"),
        (orjson.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "Pod"}), "kind must be"),
        (_review(None), "request is missing"),
        (_review({**request_for(deployment()), "uid": ""}), "uid is missing"),
        (_review({**request_for(deployment()), "operation": "PATCH"}), "operation"),
        (_review({**request_for(deployment()), "object": "text"}), "request.object"),
        (_review({**request_for(deployment()), "dryRun": "yes"}), "dryRun"),
        (_review({**request_for(deployment()), "namespace": 7}), "request.namespace"),
    ],
)
def test_malformed_requests_get_a_clear_400(srv: Running, body: bytes, error: str) -> None:
    r = _post(srv, body)
    assert r.status_code == 400
    doc = r.json()
    assert error in doc["error"]
    assert doc["hint"]
    # The server is still serving.
    assert srv.review(request_for(deployment()))["allowed"] is True


def test_wrong_content_type(srv: Running) -> None:
    r = _post(srv, _review(request_for(deployment())), "text/plain")
    assert r.status_code == 400
    assert "application/json" in r.json()["error"]
    assert _post(
        srv, _review(request_for(deployment())), "application/json; charset=utf-8"
    ).is_success


def test_oversized_body_declared_and_streamed(srv: Running) -> None:
    big = _review({**request_for(deployment()), "pad": "x" * (3 * 1024 * 1024)})
    r = _post(srv, big)
    assert r.status_code == 400 and "larger than" in r.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        for _ in range(64):
            yield b" " * 65536

    r = srv.client.post(
        f"{srv.url}/validate", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and "larger than" in r.json()["error"]
    assert srv.review(request_for(deployment()))["allowed"] is True


def test_only_https_is_served(srv: Running) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{srv.port}/healthz", timeout=2)
    assert srv.client.get(f"{srv.url}/healthz").text == "ok\n"
    assert srv.client.get(f"{srv.url}/validate").status_code == 405


def test_readyz_waits_for_namespace_labels(serve: Serve) -> None:
    class Unsynced(StaticNamespaceLabels):
        def synced(self) -> bool:
            return False

    srv = serve(WebhookState.from_files(None, namespaces=Unsynced()))
    assert srv.client.get(f"{srv.url}/readyz").status_code == 503
    assert srv.client.get(f"{srv.url}/healthz").status_code == 200


def test_metrics_count_requests_decisions_rules_and_latency(srv: Running) -> None:
    srv.review(request_for(deployment()))
    srv.review(request_for(deployment(container=PRIVILEGED)))
    _post(srv, b"nope")
    r = srv.client.get(f"{srv.url}/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'stockade_admission_requests_total{code="200"} 2.0' in text
    assert 'stockade_admission_requests_total{code="400"} 1.0' in text
    assert 'stockade_admission_decisions_total{decision="deny",mode="enforce"} 1.0' in text
    assert 'stockade_admission_decisions_total{decision="allow",mode="enforce"} 1.0' in text
    assert (
        'stockade_admission_rule_violations_total{decision="deny",mode="enforce",'
        'rule="privileged-container"} 1.0'
    ) in text
    assert "stockade_admission_request_duration_seconds_count 2.0" in text
    assert 'stockade_admission_request_duration_seconds_bucket{le="+Inf"} 2.0' in text


def test_concurrent_requests_each_get_their_own_answer(srv: Running) -> None:
    requests = [
        request_for(deployment(f"d{i}", container=PRIVILEGED if i % 2 else None)) for i in range(60)
    ]

    async def run() -> list[httpx.Response]:
        ctx: ssl.SSLContext = client_context(srv.certs.ca_cert)
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(verify=ctx, limits=limits, timeout=20) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        f"{srv.url}/validate",
                        content=orjson.dumps(
                            {
                                "apiVersion": "admission.k8s.io/v1",
                                "kind": "AdmissionReview",
                                "request": r,
                            }
                        ),
                        headers={"content-type": "application/json"},
                    )
                    for r in requests
                )
            )

    responses = asyncio.run(run())
    for req, r in zip(requests, responses, strict=True):
        assert r.status_code == 200
        resp = r.json()["response"]
        assert resp["uid"] == req["uid"]
        denied = req["object"]["metadata"]["name"] in {f"d{i}" for i in range(1, 60, 2)}
        assert resp["allowed"] is (not denied)
        if denied:
            assert (
                f"Deployment team-a/{req['object']['metadata']['name']}"
                in (resp["status"]["message"])
            )


def test_unused_path_is_404(srv: Running, tmp_path: Path) -> None:
    assert srv.client.get(f"{srv.url}/nope").status_code == 404


def test_internal_failure_is_a_500_and_the_server_keeps_serving(serve: Serve) -> None:
    class Broken(StaticNamespaceLabels):
        async def labels(self, namespace: str) -> dict[str, str] | None:
            raise RuntimeError("label source exploded")

    srv = serve(WebhookState.from_files(None, namespaces=Broken()))
    req = request_for(deployment())
    r = _post(srv, _review(req))
    assert r.status_code == 500
    assert r.json() == {"error": "internal error while judging", "uid": req["uid"]}
    assert srv.client.get(f"{srv.url}/healthz").status_code == 200
    # Exempt namespaces need no labels and are still answered.
    assert srv.review(request_for(deployment(namespace="kube-system")))["allowed"] is True
