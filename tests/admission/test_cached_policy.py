"""What the webhook keeps per policy never changes a verdict, and a reload replaces all of it.

The reference judges each request as the pipeline did before anything was kept: rules selected
on every request, every inventory rule run (no ``reports_on`` skip) and every PSS check of a pod
evaluated eagerly with `run_checks`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

import stockade.rules.workload as workload
from stockade.admission.app import WebhookState
from stockade.admission.judge import Verdict, judge
from stockade.admission.policy import AdmissionPolicy, Mode, load_policy
from stockade.admission.review import AdmissionRequest, parse_review
from stockade.pss import run_checks
from stockade.rules.registry import Registry, Rule
from stockade.sources.files import load_paths

from tests.admission.harness import PRIVILEGED, deployment, request_for
from tests.conftest import shared

NAMESPACE = "team-a"


def _plain(registry: Registry) -> Registry:
    out = Registry()
    for r in registry:
        out.add(Rule(dataclasses.replace(r.meta, reports_on=frozenset()), r.fn))
    return out


@pytest.fixture
def reference_judge(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """judge() as it was with nothing kept per policy."""
    plain: dict[int, AdmissionPolicy] = {}

    def run(req: AdmissionRequest, policy: AdmissionPolicy, mode: Mode) -> Verdict:
        ref = plain.get(id(policy))
        if ref is None:
            ref = dataclasses.replace(policy, registry=_plain(policy.registry), scan_settings=None)
            plain[id(policy)] = ref
        with monkeypatch.context() as m:
            m.setattr(workload, "PodChecks", run_checks)
            return judge(req, ref, mode)

    yield run


def _review(obj: dict[str, Any]) -> AdmissionRequest:
    req = request_for(obj, namespace=NAMESPACE)
    return parse_review(
        orjson.dumps(
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}
        )
    )


def _pss_fixtures() -> list[Path]:
    return sorted(shared("conformance", "pss", "testdata").rglob("*.yaml"))


def _as_object(path: Path, i: int) -> dict[str, Any]:
    pod: dict[str, Any] = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    pod.setdefault("metadata", {}).setdefault("name", f"fixture-{i}")
    if i % 2 == 0:
        return pod
    # Every other fixture as a Deployment's template: the pod-controller path.
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"fixture-{i}", "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": pod.get("metadata", {}), "spec": pod.get("spec", {})},
        },
    }


@pytest.mark.parametrize("fail_on", ["low", "high"])
def test_pss_conformance_fixtures_verdicts_match_the_uncached_pipeline(
    fail_on: str, reference_judge: Any
) -> None:
    policy = load_policy(None, None, "enforce", fail_on)
    fixtures = _pss_fixtures()
    assert len(fixtures) > 4000
    outcomes: set[tuple[str, ...]] = set()
    for i, path in enumerate(fixtures):
        req = _review(_as_object(path, i))
        got = judge(req, policy, Mode.ENFORCE)
        want = reference_judge(req, policy, Mode.ENFORCE)
        assert got == want, path
        outcomes.add(tuple(got.rules))
    # The fixtures violate one check each in many ways: many different outcomes are compared.
    assert len(outcomes) > 10


def test_every_corpus_object_judged_alone_matches_the_uncached_pipeline(
    reference_judge: Any,
) -> None:
    loaded = load_paths([str(shared("corpora"))])
    policy = load_policy(None, None, "warn", "low")
    kinds: set[str] = set()
    for res in loaded.resources:
        req = _review(res.obj)
        got = judge(req, policy, Mode.WARN)
        assert got == reference_judge(req, policy, Mode.WARN), res.display()
        kinds.add(res.kind)
    # RBAC objects are among them: the inventory rules that skip without them are exercised.
    assert {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} <= kinds


def test_config_reload_replaces_what_is_kept(tmp_path: Path, reference_judge: Any) -> None:
    path = tmp_path / "stockade.yaml"
    path.write_text("admission:\n  mode: enforce\n")
    state = WebhookState.from_files(path)
    req = _review(deployment(container=PRIVILEGED))
    before = state.policy.current
    denied = judge(req, before, Mode.ENFORCE)
    assert denied.decision == "deny" and "privileged-container" in denied.rules

    path.write_text("admission:\n  mode: enforce\nrules:\n  disable: [privileged-container]\n")
    state.poll()
    after = state.policy.current
    assert after.scan_settings is not None and before.scan_settings is not None
    assert after is not before and after.scan_settings.rule_set is not before.scan_settings.rule_set
    verdict = judge(req, after, Mode.ENFORCE)
    assert "privileged-container" not in verdict.rules
    assert verdict == reference_judge(req, after, Mode.ENFORCE)

    # A severity override moves a rule across the threshold: the kept selection follows it.
    host = _review(deployment(hostNetwork=True))
    path.write_text("admission:\n  mode: enforce\n  fail_on: critical\n")
    state.poll()
    assert "host-network" not in judge(host, state.policy.current, Mode.ENFORCE).rules
    path.write_text(
        "admission:\n  mode: enforce\n  fail_on: critical\nseverity:\n  host-network: critical\n"
    )
    state.poll()
    verdict = judge(host, state.policy.current, Mode.ENFORCE)
    assert verdict.decision == "deny" and "host-network" in verdict.rules
    assert verdict == reference_judge(host, state.policy.current, Mode.ENFORCE)
