"""PSS semantics the official fixtures do not exercise, written from the policy text."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.pss import Level, evaluate_pod, parse_level, parse_version, run_check

RESTRICTED_OK: dict[str, Any] = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {
            "name": "app",
            "image": "example/app:1",
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
        }
    ],
}


def spec(**changes: Any) -> dict[str, Any]:
    s = copy.deepcopy(RESTRICTED_OK)
    s.update(changes)
    return s


def verdict(
    s: dict[str, Any], level: str, version: str = "latest", meta: dict[str, Any] | None = None
) -> bool:
    return evaluate_pod(meta or {}, s, parse_level(level), parse_version(version)).allowed


def checks(
    s: dict[str, Any], level: str, version: str = "latest", meta: dict[str, Any] | None = None
) -> set[str]:
    return {
        v.check
        for v in evaluate_pod(meta or {}, s, parse_level(level), parse_version(version)).violations
    }


def test_base_is_allowed_everywhere() -> None:
    for v in ("v1.0", "v1.22", "v1.30", "latest"):
        assert verdict(spec(), "restricted", v)


def test_apparmor_fields_apply_at_every_version() -> None:
    s = spec()
    s["containers"][0]["securityContext"]["appArmorProfile"] = {"type": "Unconfined"}
    assert checks(s, "baseline", "v1.0") == {"appArmorProfile"}
    s["containers"][0]["securityContext"]["appArmorProfile"] = {
        "type": "Localhost",
        "localhostProfile": "p",
    }
    assert verdict(s, "baseline", "v1.0")
    s2 = spec(
        securityContext={
            **RESTRICTED_OK["securityContext"],
            "appArmorProfile": {"type": "Unconfined"},
        }
    )
    assert checks(s2, "baseline") == {"appArmorProfile"}


def test_apparmor_annotations_any_key_and_empty_allowed() -> None:
    meta = {"annotations": {"container.apparmor.security.beta.kubernetes.io/ghost": "unconfined"}}
    assert checks(spec(), "baseline", meta=meta) == {"appArmorProfile"}
    meta = {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": ""}}
    assert verdict(spec(), "baseline", meta=meta)


def test_ephemeral_containers_are_checked() -> None:
    s = spec(
        ephemeralContainers=[
            {"name": "debug", "image": "busybox", "securityContext": {"privileged": True}}
        ]
    )
    result = evaluate_pod({}, s, Level.BASELINE, parse_version("latest"))
    assert [v.check for v in result.violations] == ["privileged"]
    assert result.violations[0].offenders[0].path == (
        "spec",
        "ephemeralContainers",
        0,
        "securityContext",
        "privileged",
    )


def test_selinux_container_engine_t_from_1_31() -> None:
    s = spec()
    s["containers"][0]["securityContext"]["seLinuxOptions"] = {"type": "container_engine_t"}
    assert not verdict(s, "baseline", "v1.30")
    assert verdict(s, "baseline", "v1.31")


def test_host_users_false_relaxations_from_1_35() -> None:
    s = spec(
        hostUsers=False,
        securityContext={"seccompProfile": {"type": "RuntimeDefault"}, "runAsUser": 0},
    )
    assert checks(s, "restricted", "v1.34") == {"runAsNonRoot", "runAsUser"}
    assert verdict(s, "restricted", "v1.35")
    s["containers"][0]["securityContext"]["procMount"] = "Unmasked"
    assert verdict(s, "baseline", "v1.35")
    assert checks(s, "restricted", "v1.35") == {"procMount_restricted"}


def test_windows_exemptions_from_1_25_only() -> None:
    windows = {
        "os": {"name": "windows"},
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "app", "image": "x"}],
    }
    assert checks(windows, "restricted", "v1.24") == {
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    }
    for v in ("v1.25", "v1.26", "v1.27", "v1.28", "latest"):
        assert verdict(windows, "restricted", v), v


def test_windows_pod_still_needs_run_as_non_root() -> None:
    windows = {"os": {"name": "windows"}, "containers": [{"name": "app", "image": "x"}]}
    assert checks(windows, "restricted", "latest") == {"runAsNonRoot"}


def test_restricted_can_allow_windows_pod_that_baseline_denies() -> None:
    windows = {
        "os": {"name": "windows"},
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "Unconfined"}},
        "containers": [
            {"name": "app", "image": "x", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}
        ],
    }
    assert not verdict(windows, "baseline")
    assert verdict(windows, "restricted")


def test_seccomp_annotations_ignored_from_1_19_fields_ignored_before() -> None:
    meta = {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}
    s = spec()
    assert not verdict(s, "baseline", "v1.18", meta)
    assert verdict(s, "baseline", "v1.19", meta)
    s2 = spec(securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "Unconfined"}})
    assert verdict(s2, "baseline", "v1.18")
    assert not verdict(s2, "baseline", "v1.19")


def test_allowed_volume_types_and_source_less_default() -> None:
    s = spec(
        volumes=[
            {"name": "a", "csi": {"driver": "secrets-store.csi.k8s.io"}},
            {"name": "b", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
            {"name": "c", "image": {"reference": "example/data:1"}},
            {"name": "d"},
        ]
    )
    assert verdict(s, "restricted")
    s["volumes"].append({"name": "e", "nfs": {"server": "nfs", "path": "/"}})
    result = evaluate_pod({}, s, Level.RESTRICTED, parse_version("latest"))
    assert result.violations[0].detail == 'volume "e" uses restricted volume type "nfs"'


def test_host_port_zero_is_allowed() -> None:
    s = spec()
    s["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 0}]
    assert verdict(s, "baseline")


def test_pod_run_as_non_root_false_with_containers_true_is_denied() -> None:
    s = spec(securityContext={"runAsNonRoot": False, "seccompProfile": {"type": "RuntimeDefault"}})
    s["containers"][0]["securityContext"]["runAsNonRoot"] = True
    result = evaluate_pod({}, s, Level.RESTRICTED, parse_version("latest"))
    assert [v.check for v in result.violations] == ["runAsNonRoot"]
    assert result.violations[0].detail == "pod must not set securityContext.runAsNonRoot=false"


def test_privileged_level_allows_everything() -> None:
    s = spec(hostPID=True, volumes=[{"name": "h", "hostPath": {"path": "/"}}])
    assert verdict(s, "privileged")


def test_messages_are_worded_like_the_api_server() -> None:
    s = spec(hostNetwork=True, hostPID=True)
    s["containers"][0]["securityContext"] = {"privileged": True}
    result = evaluate_pod({}, s, Level.RESTRICTED, parse_version("v1.30"))
    text = result.message()
    assert text.startswith(
        'violates PodSecurity "restricted:v1.30": host namespaces (hostNetwork=true, hostPID=true), privileged (container "app" must not set securityContext.privileged=true)'
    )
    assert (
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)'
        in text
    )


def test_bad_versions_and_levels_are_clear_errors() -> None:
    for bad in ("1.30", "v2.0", "v1.01", ""):
        with pytest.raises(ValueError, match=r"use latest or v1\.N"):
            parse_version(bad)
    with pytest.raises(ValueError, match="privileged, baseline or restricted"):
        parse_level("strict")


def test_run_check_single() -> None:
    assert run_check("runAsUser", {}, spec(), parse_version("v1.22")).allowed  # not yet a check
    bad = spec(securityContext={"runAsUser": 0})
    assert not run_check("runAsUser", {}, bad, parse_version("v1.23")).allowed


containers = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c"]), "image": st.just("x")},
    optional={
        "securityContext": st.fixed_dictionaries(
            {},
            optional={
                "privileged": st.booleans(),
                "allowPrivilegeEscalation": st.booleans(),
                "runAsNonRoot": st.booleans(),
                "runAsUser": st.sampled_from([0, 1000]),
                "procMount": st.sampled_from(["Default", "Unmasked"]),
                "capabilities": st.fixed_dictionaries(
                    {},
                    optional={
                        "add": st.lists(st.sampled_from(["NET_RAW", "CHOWN", "NET_BIND_SERVICE"])),
                        "drop": st.lists(st.sampled_from(["ALL", "NET_RAW"])),
                    },
                ),
                "seccompProfile": st.fixed_dictionaries(
                    {"type": st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"])}
                ),
            },
        )
    },
)
pods = st.fixed_dictionaries(
    {"containers": st.lists(containers, min_size=1, max_size=3)},
    optional={
        "hostNetwork": st.booleans(),
        "hostUsers": st.booleans(),
        "securityContext": st.fixed_dictionaries(
            {},
            optional={
                "runAsNonRoot": st.booleans(),
                "seccompProfile": st.fixed_dictionaries(
                    {"type": st.sampled_from(["RuntimeDefault", "Unconfined"])}
                ),
            },
        ),
        "volumes": st.lists(
            st.sampled_from(
                [
                    {"name": "e", "emptyDir": {}},
                    {"name": "h", "hostPath": {"path": "/x"}},
                    {"name": "n", "nfs": {}},
                ]
            ),
            max_size=2,
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(pod=pods, minor=st.integers(min_value=0, max_value=40))
def test_restricted_allowed_implies_baseline_allowed(pod: dict[str, Any], minor: int) -> None:
    version = parse_version(f"v1.{minor}")
    if evaluate_pod({}, pod, Level.RESTRICTED, version).allowed:
        assert evaluate_pod({}, pod, Level.BASELINE, version).allowed
