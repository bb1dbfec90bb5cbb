"""The catalogue itself: sound metadata, framework data, generated docs kept current."""

from __future__ import annotations

import re

from stockade.cli.main import app
from stockade.report.interface import OutputFormat, reporter_for
from stockade.rules.catalogue import load_catalogue
from stockade.rules.docs import rules_markdown
from stockade.rules.registry import framework_table

from tests.conftest import REPO

ISSUE_RULES = {
    "privileged-container",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-path-volume",
    "host-port",
    "privilege-escalation-allowed",
    "run-as-root",
    "writable-root-filesystem",
    "capabilities-not-dropped",
    "dangerous-capabilities",
    "seccomp-not-set",
    "seccomp-unconfined",
    "apparmor-unconfined",
    "unsafe-sysctls",
    "proc-mount-unmasked",
    "missing-resource-limits",
    "missing-resource-requests",
    "service-account-token-automount",
    "default-service-account",
    "image-latest-tag",
    "image-not-pinned-by-digest",
    "image-registry-not-allowed",
    "secret-in-env-literal",
    "secret-as-env-var",
    "plaintext-secret-manifest",
    "service-nodeport",
    "service-loadbalancer-open",
    "default-namespace",
}


def test_registry_validates() -> None:
    assert load_catalogue().validate() == []


def test_minimum_catalogue_present() -> None:
    assert ISSUE_RULES <= set(load_catalogue().ids())


def test_framework_ids_are_well_formed() -> None:
    for rule in load_catalogue():
        fw = rule.meta.frameworks
        assert all(re.fullmatch(r"K(0[1-9]|10):2025", x) for x in fw["owasp"]), rule.id
        assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", x) for x in fw["mitre"]), rule.id
        assert all(re.fullmatch(r"\d+(\.\d+)+", x) for x in fw["cis"]), rule.id
        assert all(x.startswith("NSA-") for x in fw["nsa"]), rule.id


def test_every_mapped_rule_id_exists_or_is_reserved() -> None:
    # The mapping table may be ahead of the catalogue, never behind: every rule has a row.
    table = framework_table()
    missing = [
        r.id for r in load_catalogue() if r.id not in table and not r.meta.frameworks.get("cis")
    ]
    assert not missing, missing


def test_generated_rule_docs_are_current() -> None:
    on_disk = (REPO / "docs" / "generated" / "rules.md").read_text()
    assert on_disk == rules_markdown(load_catalogue()), (
        "docs/generated/rules.md is stale: run `stockade rules list --format markdown "
        "> docs/generated/rules.md`"
    )


def test_every_output_format_has_a_reporter() -> None:
    for fmt in OutputFormat:
        assert reporter_for(fmt) is not None


def test_cli_has_the_documented_commands() -> None:
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert {"scan", "rules"} <= names
