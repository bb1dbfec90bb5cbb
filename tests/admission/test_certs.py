"""`stockade webhook cert`: a CA and a serving certificate for the Service's DNS names."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from stockade.cli.main import app


def test_cert_command_writes_a_verifiable_pair(tmp_path: Path) -> None:
    out = tmp_path / "certs"
    r = CliRunner().invoke(
        app, ["webhook", "cert", "--out", str(out), "--namespace", "sec", "--service", "hook"]
    )
    assert r.exit_code == 0, r.output
    ca = x509.load_pem_x509_certificate((out / "ca.crt").read_bytes())
    cert = x509.load_pem_x509_certificate((out / "tls.crt").read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {
        "hook",
        "hook.sec",
        "hook.sec.svc",
        "hook.sec.svc.cluster.local",
    }
    assert cert.issuer == ca.subject
    ca_key = ca.public_key()
    assert isinstance(ca_key, ec.EllipticCurvePublicKey)
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    for key in ("tls.key", "ca.key"):
        assert stat.S_IMODE((out / key).stat().st_mode) == 0o600
        assert "PRIVATE KEY" not in r.output


def test_bad_ip_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["webhook", "cert", "--out", str(tmp_path), "--ip", "nope"])
    assert r.exit_code == 2 and "--ip" in r.output
