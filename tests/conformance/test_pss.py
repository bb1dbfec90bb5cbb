"""The official Pod Security Admission fixtures: every verdict, at its own level and version."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from stockade.pss import Level, evaluate_pod, parse_version
from stockade.pss.result import MISSING_DETAILS

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


# The fixture README's prefix -> check id table, and its override table (restricted check,
# overridden baseline check, from minor version): at restricted a fixture made for an overridden
# baseline check is denied by the restricted check that replaces it.
CHECK_OF_PREFIX = {
    "apparmorprofile": "appArmorProfile",
    "capabilities_baseline": "capabilities_baseline",
    "hostnamespaces": "hostNamespaces",
    "hostpathvolumes": "hostPathVolumes",
    "hostports": "hostPorts",
    "hostprobesandhostlifecycle": "hostProbesAndHostLifecycle",
    "privileged": "privileged",
    "procmount": "procMount",
    "seccompprofile_baseline": "seccompProfile_baseline",
    "selinuxoptions": "seLinuxOptions",
    "sysctls": "sysctls",
    "windowshostprocess": "windowsHostProcess",
    "allowprivilegeescalation": "allowPrivilegeEscalation",
    "capabilities_restricted": "capabilities_restricted",
    "procmount_restricted": "procMount_restricted",
    "restrictedvolumes": "restrictedVolumes",
    "runasnonroot": "runAsNonRoot",
    "runasuser": "runAsUser",
    "seccompprofile_restricted": "seccompProfile_restricted",
}
OVERRIDES = {
    "hostPathVolumes": ("restrictedVolumes", 0),
    "seccompProfile_baseline": ("seccompProfile_restricted", 19),
    "capabilities_baseline": ("capabilities_restricted", 22),
    "procMount": ("procMount_restricted", 35),
}


def _resolves(pod: Any, path: tuple[str | int, ...]) -> bool:
    node = pod
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_dict or in_list):
            return False
        node = node[part]
    return True


def _designed_check(level: str, version: str, prefix: str) -> str:
    check = CHECK_OF_PREFIX[prefix]
    if level == "restricted" and check in OVERRIDES:
        replacement, since = OVERRIDES[check]
        if int(version.split(".")[1]) >= since:
            return replacement
    return check


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
        assert _designed_check(level, version, prefix) in {v.check for v in result.violations}
        for v in result.violations:
            assert v.offenders, f"{v.check} gave no offending field"
            for o in v.offenders:
                # Findings point at the line of the offending field, so the field must exist.
                assert o.detail in MISSING_DETAILS or _resolves(pod, o.path), (v.check, o)


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

    for level, version, outcome, path in FIXTURES:
        obj, _ = _wrap(_pod(path), kind)
        pt = pod_template(Resource.from_object(obj, Origin("x")))
        assert pt is not None
        result = evaluate_pod(pt.meta, pt.spec, Level(level), parse_version(version))
        assert result.allowed == (outcome == "pass"), path
