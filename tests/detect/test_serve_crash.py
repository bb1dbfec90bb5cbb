"""The real receiver over HTTPS, killed with SIGKILL in the middle of a load: after a restart
every acknowledged event is processed, exactly once."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from stockade.detect.spool import read_alert_log

from tests.detect.auditevents import event

BATCHES = 200
PER_BATCH = 25
SENDERS = 4
KILL_AFTER_ACKS = 20


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stockade-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "tls.crt", tmp / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(cert: Path, key: Path, port: int, spool: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockade",
            "detect",
            "serve",
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--spool",
            str(spool),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def _wait_ready(client: httpx.Client, url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            if client.get(url + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("receiver did not start")


def _batch(n: int) -> tuple[list[str], bytes]:
    ids = [f"batch{n:03d}-event{i:03d}" for i in range(PER_BATCH)]
    items = [
        event(
            "create",
            "pods",
            namespace="p",
            name="w",
            subresource="exec",
            code=101,
            stage="ResponseStarted",
            audit_id=i,
        )
        for i in ids
    ]
    return ids, orjson.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items})


def test_sigkill_mid_load_then_restart_processes_every_acknowledged_event_once(
    tmp_path: Path,
) -> None:
    cert, key = _certificate(tmp_path)
    spool = tmp_path / "spool"
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    trust = ssl.create_default_context(cafile=str(cert))
    acked: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()
    proc = _start(cert, key, port, spool)
    try:
        with httpx.Client(verify=trust, timeout=10) as client:
            _wait_ready(client, url, proc)

            def sender(worker: int) -> None:
                with httpx.Client(verify=trust, timeout=10) as c:
                    for n in range(worker, BATCHES, SENDERS):
                        ids, body = _batch(n)
                        try:
                            answer = c.post(
                                url + "/",
                                content=body,
                                headers={"Content-Type": "application/json"},
                            )
                        except httpx.TransportError:
                            return  # the receiver is gone: this batch was never acknowledged
                        if answer.status_code == 200:
                            with lock:
                                acked.extend(ids)
                                if len(acked) >= KILL_AFTER_ACKS * PER_BATCH:
                                    killed.set()

            threads = [threading.Thread(target=sender, args=(w,)) for w in range(SENDERS)]
            for t in threads:
                t.start()
            assert killed.wait(60), "load did not reach the kill point"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            for t in threads:
                t.join(30)
            with lock:
                acknowledged = list(acked)
            assert KILL_AFTER_ACKS * PER_BATCH <= len(acknowledged) < BATCHES * PER_BATCH

            proc = _start(cert, key, port, spool)
            _wait_ready(client, url, proc)
            deadline = time.monotonic() + 60
            while client.get(url + "/healthz").json()["pending"] and time.monotonic() < deadline:
                time.sleep(0.1)
            assert client.get(url + "/healthz").json()["pending"] == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    alerts, commits = read_alert_log(spool / "alerts.jsonl")
    processed = Counter(a["auditID"] for a in alerts if a["rule"] == "audit-exec")
    assert all(count == 1 for count in processed.values()), processed.most_common(3)
    assert set(acknowledged) <= set(processed)
    batches = [c["batch"] for c in commits]
    assert batches == sorted(set(batches))
