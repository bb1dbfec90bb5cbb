"""Hot reload: a rotated certificate is served on the next handshake, a changed config applies."""

from __future__ import annotations

import shutil
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

from stockade.admission.app import WebhookState

from tests.admission.harness import PRIVILEGED, Running, deployment, make_certs, request_for

Serve = Callable[..., Running]


def _served_cert(port: int) -> bytes:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ctx.wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def _file_der(path: Path) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


def _wait(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_certificate_rotation_without_restart(serve: Serve, tmp_path: Path) -> None:
    live = make_certs(tmp_path / "live")
    srv = serve(WebhookState.from_files(None, reload_interval=0.05), live)
    first = _served_cert(srv.port)
    assert first == _file_der(live.cert)
    assert srv.review(request_for(deployment()))["allowed"] is True  # keep-alive connection

    # Half a rotation (new certificate, old key) is refused; the old pair stays in service.
    fresh = make_certs(tmp_path / "fresh")
    shutil.copy(fresh.cert, live.cert)
    _wait(lambda: 'what="tls"' in srv.client.get(f"{srv.url}/metrics").text)
    assert 'stockade_admission_reloads_total{result="error",what="tls"} 1.0' in (
        srv.client.get(f"{srv.url}/metrics").text
    )
    assert _served_cert(srv.port) == first

    # The key arrives: the next handshake presents the new certificate.
    shutil.copy(fresh.key, live.key)
    _wait(lambda: _served_cert(srv.port) == _file_der(fresh.cert))
    # Clients that trust the new CA connect and are answered.
    import httpx

    with httpx.Client(verify=ssl.create_default_context(cafile=str(fresh.ca_cert))) as c:
        r = c.get(f"{srv.url}/healthz")
        assert r.status_code == 200
    # The connection opened before the rotation keeps working.
    assert srv.review(request_for(deployment()))["allowed"] is True


def test_config_reload_without_restart(serve: Serve, tmp_path: Path) -> None:
    path = tmp_path / "stockade.yaml"
    path.write_text("admission:\n  mode: warn\n")
    srv = serve(WebhookState.from_files(path, reload_interval=0.05))
    bad = deployment(container=PRIVILEGED)
    assert srv.review(request_for(bad))["allowed"] is True

    path.write_text("admission:\n  mode: enforce\n")
    _wait(lambda: srv.review(request_for(bad))["allowed"] is False)

    # A broken config is refused and the last good one stays in force.
    path.write_text("admission:\n  mode: enforce\n  unknown_key: 1\n")
    _wait(
        lambda: (
            'stockade_admission_reloads_total{result="error",what="config"} 1.0'
            in srv.client.get(f"{srv.url}/metrics").text
        )
    )
    assert srv.review(request_for(bad))["allowed"] is False

    # Rules can be turned off by config, like in `stockade scan`.
    path.write_text("admission:\n  mode: enforce\nrules:\n  disable: [privileged-container]\n")
    _wait(lambda: srv.review(request_for(bad))["allowed"] is True)
