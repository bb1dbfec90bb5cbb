"""`stockade webhook serve` as a process: JSON logs, bad certificates, SIGTERM drains requests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from stockade.admission.certs import CertPaths

from tests.admission.harness import PRIVILEGED, client_context, deployment, request_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(certs: CertPaths, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "KUBERNETES_SERVICE_HOST"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockade",
            "webhook",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--tls-cert",
            str(certs.cert),
            "--tls-key",
            str(certs.key),
            "--namespace-labels",
            "off",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    ctx = client_context(certs.ca_cert)
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        assert time.monotonic() < deadline, "server did not start"
        try:
            if httpx.get(f"https://127.0.0.1:{port}/healthz", verify=ctx, timeout=1).is_success:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.05)


def test_sigterm_drains_a_request_in_flight(certs: CertPaths) -> None:
    proc, port = _start(certs, "--mode", "enforce")
    try:
        req = request_for(deployment(container=PRIVILEGED))
        body = orjson.dumps(
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}
        )
        head = (
            f"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        ctx = client_context(certs.ca_cert)
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            ctx.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(head + body[: len(body) // 2])
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            # Still running: the request in flight is being waited for.
            assert proc.poll() is None
            tls.sendall(body[len(body) // 2 :])
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
        status, _, rest = data.partition(b"\r\n")
        assert b" 200 " in status
        answer = orjson.loads(rest.partition(b"\r\n\r\n")[2])
        assert answer["response"]["uid"] == req["uid"]
        assert answer["response"]["allowed"] is False
        assert proc.wait(10) == 0
        # Stopped listening: new connections are refused.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    lines = [orjson.loads(x) for x in proc.stderr.read().splitlines() if x.strip()]  # type: ignore[union-attr]
    decision = [x for x in lines if x.get("msg") == "decision"]
    assert decision and decision[0]["uid"] == req["uid"]
    assert decision[0]["rules"] == ["privileged-container"]


def test_unloadable_certificate_is_a_clear_error(tmp_path: Path, certs: CertPaths) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stockade",
            "webhook",
            "serve",
            "--tls-cert",
            str(certs.cert),
            "--tls-key",
            str(tmp_path / "missing.key"),
            "--namespace-labels",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "cannot load the certificate" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_invalid_config_is_a_clear_error(tmp_path: Path, certs: CertPaths) -> None:
    cfg = tmp_path / "stockade.yaml"
    cfg.write_text("admission:\n  mode: block\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stockade",
            "webhook",
            "serve",
            "--config",
            str(cfg),
            "--tls-cert",
            str(certs.cert),
            "--tls-key",
            str(certs.key),
            "--namespace-labels",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "admission.mode" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("level", "decisions"), [("info", 2), ("warning", 0)])
def test_log_level_decides_the_decision_lines(certs: CertPaths, level: str, decisions: int) -> None:
    proc, port = _start(certs, "--mode", "enforce", "--log-level", level)
    try:
        with httpx.Client(verify=client_context(certs.ca_cert), timeout=10) as client:
            for _ in range(2):
                review = {
                    "apiVersion": "admission.k8s.io/v1",
                    "kind": "AdmissionReview",
                    "request": request_for(deployment(container=PRIVILEGED)),
                }
                assert client.post(f"https://127.0.0.1:{port}/validate", json=review).is_success
            # A bad request is a warning: logged at either level.
            bad = client.post(f"https://127.0.0.1:{port}/validate", content=b"{")
            assert bad.status_code == 400
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    lines = [orjson.loads(x) for x in proc.stderr.read().splitlines() if x.strip()]  # type: ignore[union-attr]
    assert sum(1 for x in lines if x.get("msg") == "decision") == decisions
    assert sum(1 for x in lines if x.get("msg") == "bad request") == 1
