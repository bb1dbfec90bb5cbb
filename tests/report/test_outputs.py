"""Output contracts: the JSON shape, SARIF against the official schema, JUnit, redaction."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from stockade.model import ScanResult
from stockade.report import OutputFormat, reporter_for
from stockade.rules.catalogue import load_catalogue
from stockade.scan import scan_paths

from tests.conftest import REPO, scan_text, shared

SECRETS = [
    "Sup3rS3cretPassw0rd",
    "sk_live_51HxQ2eKZ7mYtR9vLpW3nBdFgHjKlZxCvBnM",
]

LEAKY = """\
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: app}
stringData:
  password: "Zq8wN3vR7tY2pL5kX9mCvB"
  key: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIEowIBAAKCAQEA7Yq8Zl0uQm3lJvA1b2c3d4e5f6g7h8i9j0
    -----END RSA PRIVATE KEY-----
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: app}
spec:
  containers:
    - name: app
      image: example/app:1
      args: ["--db-password=Zq8wN3vR7tY2pL5kX9mCvB"]
      env:
        - {name: GITHUB_TOKEN, value: ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A}
        - {name: DB_URL, value: "mysql://root:Zq8wN3vR7tY2pL5kX9mCvB@db:3306/x"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: app}
data:
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
"""
LEAKY_VALUES = [
    "Zq8wN3vR7tY2pL5kX9mCvB",
    "MIIEowIBAAKCAQEA7Yq8Zl0uQm3lJvA1b2c3d4e5f6g7h8i9j0",
    "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
]


@pytest.fixture(scope="module")
def example_result() -> ScanResult:
    return scan_paths([str(REPO / "examples")])


def test_json_contract(example_result: ScanResult) -> None:
    data = json.loads(reporter_for(OutputFormat.JSON).format(example_result, load_catalogue()))
    assert data["tool"]["name"] == "stockade" and data["tool"]["version"]
    summary = data["summary"]
    assert summary["findings"] == len(data["findings"]) > 0
    assert summary["errors"] == len(data["errors"]) == 0
    assert set(summary["by_severity"]) == {"low", "medium", "high", "critical"}
    assert sum(summary["by_severity"].values()) == summary["findings"]
    for f in data["findings"]:
        assert set(f) >= {
            "rule",
            "title",
            "severity",
            "category",
            "resource",
            "location",
            "message",
            "remediation",
            "frameworks",
            "fingerprint",
        }
        assert set(f["resource"]) == {"apiVersion", "kind", "namespace", "name"}
        assert set(f["location"]) == {"file", "line", "path"}
        assert isinstance(f["location"]["line"], int) and f["location"]["line"] >= 1
        assert set(f["frameworks"]) >= {"cis", "nsa", "owasp", "mitre"}
    pss = {f["rule"]: f["frameworks"].get("pss") for f in data["findings"]}
    assert pss["privileged-container"] == "baseline"
    assert pss["run-as-root"] == "restricted"


def test_sarif_is_valid_against_the_official_schema(example_result: ScanResult) -> None:
    schema = json.loads(shared("schemas", "sarif-schema-2.1.0.json").read_text())
    log = json.loads(reporter_for(OutputFormat.SARIF).format(example_result, load_catalogue()))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1
        assert res["partialFingerprints"]["stockade/v1"]


def test_sarif_with_errors_and_waivers_is_valid() -> None:
    text = (
        LEAKY.replace(
            "metadata: {name: app, namespace: app}",
            "metadata: {name: app, namespace: app, annotations: {stockade.dev/ignore: 'run-as-root: legacy image, tracked in SEC-12'}}",
        )
        + "---\n[not, a, mapping]\n"
    )
    result = scan_text(text)
    assert result.errors and result.waived()
    schema = json.loads(shared("schemas", "sarif-schema-2.1.0.json").read_text())
    log = json.loads(reporter_for(OutputFormat.SARIF).format(result, load_catalogue()))
    jsonschema.validate(log, schema)
    suppressed = [r for r in log["runs"][0]["results"] if r.get("suppressions")]
    assert suppressed and suppressed[0]["suppressions"][0]["kind"] == "inSource"


def test_junit_counts(example_result: ScanResult) -> None:
    xml = reporter_for(OutputFormat.JUNIT).format(example_result, load_catalogue())
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert int(suite.get("tests", "0")) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures", "0")) == len(failures) > 0
    distinct = {(f.rule, f.resource.display()) for f in example_result.findings}
    assert len(cases) == len(distinct)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_no_secret_value_in_any_format(fmt: OutputFormat) -> None:
    result = scan_text(LEAKY)
    rules = {f.rule for f in result.findings}
    assert {"secret-in-env-literal", "plaintext-secret-manifest"} <= rules
    out = reporter_for(fmt).format(result, load_catalogue())
    for value in LEAKY_VALUES:
        assert value not in out
        assert value[:12] not in out


def test_no_secret_value_in_examples_reports(example_result: ScanResult) -> None:
    for fmt in OutputFormat:
        out = reporter_for(fmt).format(example_result, load_catalogue())
        for value in SECRETS:
            assert value not in out


def test_report_is_independent_of_input_order(tmp_path: Path) -> None:
    docs = re.split(r"(?m)^---\n", LEAKY)
    a = tmp_path / "a.yaml"
    a.write_text("---\n".join(docs))
    b = tmp_path / "b.yaml"
    b.write_text("---\n".join(reversed(docs)))
    fa = sorted((f.rule, f.fingerprint) for f in scan_paths([str(a)]).findings)
    fb = sorted((f.rule, f.fingerprint) for f in scan_paths([str(b)]).findings)
    assert fa == fb
