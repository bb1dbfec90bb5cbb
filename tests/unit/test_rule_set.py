"""Work a scan skips or keeps gives the same answers as doing it all every time.

`RuleSet` keeps the selection of a config, inventory rules with ``reports_on`` are skipped when
none of those kinds is loaded, and `PodChecks` runs a PSS check only when a rule reads it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

import stockade.rules.workload as workload
from stockade.inventory import Inventory
from stockade.model import Category, Severity
from stockade.policy.config import Config
from stockade.pss import CHECK_IDS, LATEST, PodChecks, parse_version, run_checks
from stockade.rules.catalogue import load_catalogue
from stockade.rules.registry import Registry, Rule, RuleContext, Target, rule
from stockade.scan import RuleSet, ScanSettings, scan_inventory
from stockade.sources.files import load_paths

from tests.conftest import shared


def _pss_pods() -> list[dict[str, Any]]:
    paths = sorted(shared("conformance", "pss", "testdata").rglob("*.yaml"))
    return [yaml.load(p.read_text(), Loader=yaml.CSafeLoader) for p in paths]


@pytest.mark.parametrize("version", [LATEST, parse_version("v1.0"), parse_version("v1.25")])
def test_pod_checks_give_what_run_checks_gives(version: Any) -> None:
    pods = _pss_pods()
    assert len(pods) > 4000
    denied = 0
    for pod in pods:
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        eager = run_checks(meta, spec, version)
        lazy = PodChecks(meta, spec, version)
        # Read in reverse, twice: the order and repetition of reads change nothing.
        for check_id in [*sorted(CHECK_IDS, reverse=True), *sorted(CHECK_IDS)]:
            assert lazy[check_id] == eager[check_id], check_id
        denied += sum(not r.allowed for r in eager.values())
    assert denied > 1000


def _plain(registry: Registry) -> Registry:
    out = Registry()
    for r in registry:
        out.add(Rule(dataclasses.replace(r.meta, reports_on=frozenset()), r.fn))
    return out


def test_corpora_scan_the_same_with_nothing_skipped_or_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inventory = Inventory(load_paths([str(shared("corpora"))]).resources)
    registry = load_catalogue()
    fast = scan_inventory(inventory, ScanSettings(registry=registry))
    monkeypatch.setattr(workload, "PodChecks", run_checks)
    slow = scan_inventory(Inventory(inventory.resources), ScanSettings(registry=_plain(registry)))
    assert fast.findings == slow.findings
    assert fast.errors == slow.errors
    assert fast.not_evaluated == slow.not_evaluated
    assert any(f.rule.startswith("rbac-") for f in fast.findings)


def test_rules_with_reports_on_find_nothing_without_those_kinds() -> None:
    resources = load_paths([str(shared("corpora"))]).resources
    skipping = [r for r in load_catalogue() if r.meta.reports_on]
    assert skipping, "no rule declares reports_on"
    for r in skipping:
        without = Inventory(x for x in resources if x.kind not in r.meta.reports_on)
        assert list(r.fn(without, RuleContext(without, Config()))) == [], r.id


def test_a_rule_set_of_another_config_is_not_used() -> None:
    registry = load_catalogue()
    only = Config.model_validate({"rules": {"only": ["host-network"]}})
    text = Path(shared("corpora", "kube-prometheus", "manifests"))
    inventory = Inventory(load_paths([str(text)]).resources)
    stale = RuleSet(registry, only)
    result = scan_inventory(inventory, ScanSettings(registry=registry, rule_set=stale))
    assert {f.rule for f in result.findings} != {"host-network"}
    assert result.findings == scan_inventory(inventory, ScanSettings(registry=registry)).findings


def test_reports_on_is_only_for_inventory_rules() -> None:
    registry = Registry()

    @rule(
        id="odd-rule",
        title="Odd",
        severity=Severity.LOW,
        category=Category.WORKLOAD,
        target=Target.POD,
        reports_on=["Role"],
        remediation="Nothing to do here, this rule only tests validation.",
        registry=registry,
    )
    def odd(pod: Any, ctx: RuleContext) -> Any:
        return iter(())

    assert registry.validate() == ["odd-rule: reports_on is for inventory rules"]
