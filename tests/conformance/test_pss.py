"""The official Pod Security Admission fixtures: every verdict, at its own level and version."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from stockade.pss import Level, evaluate_pod, parse_version

from tests.conftest import shared

ROOT = shared("conformance", "pss", "testdata")
LEVELS = ("baseline", "restricted")

# The "sub" strings of the fixture README: a denial of a fixture made for a check names it.
EXPECTED_SUB = {
    "apparmorprofile": "forbidden AppArmor profile",
    "capabilities_baseline": "capabilities",
    "hostnamespaces": "host namespaces",
    "hostpathvolumes": "hostPath",
    "hostports": "hostPort",
    "hostprobesandhostlifecycle": "probe or lifecycle host",
    "privileged": "privileged",
    "procmount": "procMount",
    "procmount_restricted": "procMount",
    "seccompprofile_baseline": "seccompProfile",
    "seccompprofile_restricted": "seccompProfile",
    "selinuxoptions": "seLinuxOptions",
    "sysctls": "forbidden sysctl",
    "windowshostprocess": "hostProcess",
    "allowprivilegeescalation": "allowPrivilegeEscalation",
    "capabilities_restricted": "unrestricted capabilities",
    "restrictedvolumes": "restricted volume types",
    "runasnonroot": "runAsNonRoot",
    "runasuser": "runAsUser",
}


def _versions(level: str) -> list[str]:
    return sorted((p.name for p in (ROOT / level).iterdir()), key=lambda v: int(v.split(".")[1]))


def _fixtures() -> list[tuple[str, str, str, Path]]:
    out = []
    for level in LEVELS:
        for version in _versions(level):
            for outcome in ("pass", "fail"):
                for f in sorted((ROOT / level / version / outcome).glob("*.yaml")):
                    out.append((level, version, outcome, f))
    return out


FIXTURES = _fixtures()


@cache
def _load(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def _pod(path: Path) -> dict[str, Any]:
    pod = _load(path.read_text())
    assert pod["kind"] == "Pod"
    return pod  # type: ignore[no-any-return]


def test_fixture_census() -> None:
    for level in LEVELS:
        assert len(_versions(level)) == 38
    assert len(FIXTURES) == 4537


@pytest.mark.parametrize(
    ("level", "version", "outcome", "path"),
    FIXTURES,
    ids=[f"{lv}/{v}/{o}/{p.name}" for lv, v, o, p in FIXTURES],
)
def test_fixture(level: str, version: str, outcome: str, path: Path) -> None:
    pod = _pod(path)
    result = evaluate_pod(
        pod.get("metadata") or {}, pod["spec"], Level(level), parse_version(version)
    )
    assert result.allowed == (outcome == "pass"), result.message()
    if outcome == "fail":
        text = result.message()
        assert "unknown forbidden reason" not in text
        prefix = re.sub(r"\d+$", "", path.stem)
        assert EXPECTED_SUB[prefix] in text, text
        for v in result.violations:
            assert v.offenders, f"{v.check} gave no offending field"


def test_latest_and_future_versions_clamp_to_newest() -> None:
    for level in LEVELS:
        for outcome in ("pass", "fail"):
            for f in sorted((ROOT / level / "v1.37" / outcome).glob("*.yaml")):
                pod = _pod(f)
                verdicts = {
                    evaluate_pod(
                        pod.get("metadata") or {}, pod["spec"], Level(level), parse_version(v)
                    ).allowed
                    for v in ("v1.37", "latest", "v1.99")
                }
                assert verdicts == {outcome == "pass"}, f


def test_version_matters_negative_control() -> None:
    flipped = 0
    for level, _version, outcome, path in FIXTURES:
        pod = _pod(path)
        at_latest = evaluate_pod(
            pod.get("metadata") or {}, pod["spec"], Level(level), parse_version("latest")
        )
        flipped += at_latest.allowed != (outcome == "pass")
    assert flipped == 441


def _wrap(pod: dict[str, Any], kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    template = {"metadata": pod.get("metadata") or {}, "spec": pod["spec"]}
    if kind == "Deployment":
        obj = {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {"name": "w"},
            "spec": {"template": template},
        }
    else:
        obj = {
            "apiVersion": "batch/v1",
            "kind": kind,
            "metadata": {"name": "w"},
            "spec": {"jobTemplate": {"spec": {"template": template}}},
        }
    return obj, template


@pytest.mark.parametrize("kind", ["Deployment", "CronJob"])
def test_workload_parity(kind: str) -> None:
    from stockade.inventory import Origin, Resource, pod_template

    for level, version, outcome, path in FIXTURES[::7]:
        obj, _ = _wrap(_pod(path), kind)
        pt = pod_template(Resource.from_object(obj, Origin("x")))
        assert pt is not None
        result = evaluate_pod(pt.meta, pt.spec, Level(level), parse_version(version))
        assert result.allowed == (outcome == "pass"), path
