"""CI equals admission: the same objects and config give the same verdicts in both.

Every object of the rule fixtures and examples is scanned alone, as `stockade scan` scans a
file, and reviewed alone by the running webhook in enforce mode with the same config file. The
findings counted by the gate must be exactly the rules and fields the webhook denies for, and
the waived ones the same, at two thresholds, except rules that need manifest files, which admission reports as not
evaluated (decided from the rules' metadata, not listed here).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from stockade.admission.app import WebhookState
from stockade.admission.policy import ADMISSION_CAPABILITIES
from stockade.controlplane.visibility import HARDENING_NEEDS
from stockade.model import Severity
from stockade.policy.config import parse_config
from stockade.policy.gate import gate
from stockade.rules.catalogue import load_catalogue
from stockade.scan import ScanSettings, scan_paths
from stockade.sources.files import load_paths

from tests.admission.harness import Running, decisions, request_for
from tests.conftest import REPO

Serve = Callable[..., Running]

CONFIG = """
fail_on: {fail_on}
severity:
  host-port: critical
rules:
  disable: [image-not-pinned-by-digest]
images:
  allowed_registries: [ghcr.io, registry.k8s.io]
exceptions:
  - id: EXC-1
    rules: [run-as-root, missing-resource-limits, privileged-container, host-network]
    resources: ["*/*/*a*"]
    reason: accepted for the test
    owner: platform
admission:
  mode: enforce
"""


def _objects() -> list[tuple[str, dict[str, object]]]:
    files = sorted((REPO / "tests" / "rules").glob("*/*.yaml"))
    files += sorted((REPO / "examples").glob("*/*.yaml"))
    assert len(files) > 40, "rule fixtures missing"
    loaded = load_paths([str(f) for f in files])
    return [(f"{r.origin.file}#{r.origin.doc}", r.obj) for r in loaded.resources]


@pytest.mark.parametrize("fail_on", ["low", "high"])
def test_ci_and_admission_agree(
    serve: Serve, tmp_path: Path, json_logs: io.StringIO, fail_on: str
) -> None:
    text = CONFIG.format(fail_on=fail_on)
    config_path = tmp_path / "stockade.yaml"
    config_path.write_text(text)
    config = parse_config(text, str(config_path))
    threshold = Severity(fail_on).rank
    srv = serve(WebhookState.from_files(config_path))
    registry = load_catalogue()
    # Hardening needs (kube-apiserver, kubelet, ...) come from the objects themselves, in CI
    # and at admission alike; only the remaining needs make a rule file-only.
    file_only = {
        r.id for r in registry if not r.meta.needs <= ADMISSION_CAPABILITIES | HARDENING_NEEDS
    }
    compared = denied = waived = 0
    for i, (where, obj) in enumerate(_objects()):
        doc = tmp_path / f"obj{i}.yaml"
        doc.write_text(yaml.safe_dump(obj))
        ci = scan_paths([str(doc)], ScanSettings(config=config))
        counted = [
            f for f in ci.findings if f.rule not in file_only and f.severity.rank >= threshold
        ]
        expected = sorted((f.rule, f.location.path) for f in counted if f.waiver is None)
        expected_waived = sorted(f.rule for f in counted if f.waiver is not None)
        meta = obj.get("metadata")
        ns = meta.get("namespace", "") if isinstance(meta, dict) else ""
        req = request_for(obj, namespace=str(ns or ""))
        resp = srv.review(req)
        line = decisions(json_logs)[req["uid"]]
        got = sorted((v["rule"], v["path"]) for v in line.get("violations", []))
        got_waived = sorted(w["rule"] for w in line.get("waived", []))
        assert got == expected, where
        assert got_waived == expected_waived, where
        assert resp["allowed"] is (not expected), where
        if not any(f.rule in file_only for f in ci.findings) and not ci.errors:
            assert (gate(ci, config.fail_on) == 1) is (not resp["allowed"]), where
        compared += 1
        denied += not resp["allowed"]
        waived += bool(got_waived)
    assert compared > 40 and 0 < denied < compared and waived > 0
