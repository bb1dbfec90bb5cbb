"""``stockade scan --node`` end to end, in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from stockade.cli.main import app

NODE = Path(__file__).resolve().parents[1] / "fixtures" / "node"
runner = CliRunner()


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["scan", *args, "-f", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_node_scan_of_hardened_tree_passes_control_plane_checks() -> None:
    code, data = _json("--node", str(NODE / "hardened"), "--fail-on", "never")
    assert code == 0
    findings = data["findings"]
    assert isinstance(findings, list)
    assert not [f for f in findings if f["category"] == "control-plane"]
    assert data["not_evaluated"] == []


def test_node_scan_of_broken_tree_fails() -> None:
    code, data = _json("--node", str(NODE / "broken"))
    assert code == 1
    rules = {f["rule"] for f in data["findings"]}
    assert {"kubelet-exposed", "encryption-at-rest", "etcd-client-cert-auth"} <= rules


def test_worker_node_reports_control_plane_not_evaluated() -> None:
    code, data = _json("--node", str(NODE / "worker-flags"), "--fail-on", "never")
    assert code == 0
    not_evaluated = data["not_evaluated"]
    assert isinstance(not_evaluated, list)
    skipped = {r for ne in not_evaluated for r in ne["rules"]}
    assert "apiserver-anonymous-auth" in skipped and "etcd-client-cert-auth" in skipped
    assert not any(r.startswith("kubelet-") for r in skipped)
    rules = {f["rule"] for f in data["findings"]}
    # Flags only: the flag defaults apply (anonymous, AlwaysAllow, port 10255).
    assert {
        "kubelet-anonymous-auth",
        "kubelet-authorization-mode",
        "kubelet-read-only-port",
        "kubelet-exposed",
    } <= rules
    assert "kubelet-rotate-certificates" not in rules  # bare --rotate-certificates is true
    assert "kubelet-client-ca-file" not in rules


def test_explicit_flags_file_is_recognised_by_content() -> None:
    dropin = NODE / "worker-flags/etc/systemd/system/kubelet.service.d/10-kubelet.conf"
    code, data = _json(str(dropin), "--fail-on", "never")
    assert code == 0
    rules = {f["rule"] for f in data["findings"]}
    assert "kubelet-exposed" in rules
    exposed = next(f for f in data["findings"] if f["rule"] == "kubelet-exposed")
    assert exposed["location"]["file"].endswith("10-kubelet.conf")


def test_plain_manifest_scan_has_no_control_plane_noise() -> None:
    repo = Path(__file__).resolve().parents[2]
    _, data = _json(str(repo / "examples" / "hardened"), "--fail-on", "never")
    assert data["not_evaluated"] == [] or all(
        ne.get("scope") != "control-plane" for ne in data["not_evaluated"]
    )


def test_etcd_config_file_replaces_flags() -> None:
    code, data = _json("--node", str(NODE / "etcd-config"), "--fail-on", "never")
    assert code == 0
    etcd = [f for f in data["findings"] if f["rule"].startswith("etcd-")]
    by_rule = {f["rule"]: f for f in etcd}
    # --client-cert-auth=true on the command line is ignored: the file says false.
    assert set(by_rule) == {"etcd-client-cert-auth", "etcd-peer-auto-tls"}
    located = by_rule["etcd-client-cert-auth"]["location"]
    assert located["file"].endswith("etcd.conf.yml")
    assert located["line"] == 8


def test_kubelet_config_dir_dropins_merge_in_name_order() -> None:
    _, data = _json("--node", str(NODE / "kubelet-dropins"), "--fail-on", "never")
    rules = {f["rule"]: f for f in data["findings"]}
    assert "kubelet-read-only-port" not in rules  # 10-ports.conf sets 0 over the main file
    pids = rules["kubelet-pod-pids-limit"]  # 20-pids.conf (-1) wins over 10-ports.conf
    assert pids["location"]["file"].endswith("20-pids.conf")
    assert "kubelet-rotate-certificates" not in rules  # the main file still counts
