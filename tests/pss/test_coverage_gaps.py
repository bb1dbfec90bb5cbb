"""Rules of the PSA policy code that no official fixture exercises (the fixture README's list)."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.pss import Level, evaluate_pod, parse_version, run_check

from tests.pss.podspec import checks, evaluate, plain_pod, restricted_pod, sc

# --- AppArmor fields (the fixtures test only the annotation) ---------------------------------


@pytest.mark.parametrize("version", ["v1.0", "v1.29", "v1.30", "latest"])
def test_apparmor_field_unconfined_denied_at_every_version(version: str) -> None:
    pod = restricted_pod()
    sc(pod, "pod")["appArmorProfile"] = {"type": "Unconfined"}
    result = evaluate(pod, "baseline", version)
    assert [v.check for v in result.violations] == ["appArmorProfile"]
    v = result.violations[0]
    assert v.message == (
        'forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")'
    )
    assert v.offenders[0].path == ("spec", "securityContext", "appArmorProfile", "type")


@pytest.mark.parametrize("profile", ["RuntimeDefault", "Localhost"])
def test_apparmor_field_allowed_types(profile: str) -> None:
    pod = restricted_pod()
    sc(pod, "app")["appArmorProfile"] = {"type": profile, "localhostProfile": "x"}
    assert checks(pod, "restricted") == []


def test_apparmor_fields_and_annotations_combine_in_one_detail() -> None:
    pod = restricted_pod()
    sc(pod, "pod")["appArmorProfile"] = {"type": "Unconfined"}
    sc(pod, "init")["appArmorProfile"] = {"type": "Bogus"}
    pod["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/ghost": "other",
        "container.apparmor.security.beta.kubernetes.io/empty": "",
    }
    (v,) = evaluate(pod, "baseline").violations
    assert v.reason == "forbidden AppArmor profiles"
    assert v.detail == (
        'pod and container "init" and annotations must not set AppArmor profile type to '
        '"Bogus", "Unconfined", '
        '"container.apparmor.security.beta.kubernetes.io/app="unconfined"", '
        '"container.apparmor.security.beta.kubernetes.io/ghost="other""'
    )
    paths = {o.path for o in v.offenders}
    assert (
        "metadata",
        "annotations",
        "container.apparmor.security.beta.kubernetes.io/ghost",
    ) in paths
    assert ("spec", "initContainers", 0, "securityContext", "appArmorProfile", "type") in paths


def test_apparmor_annotation_value_is_go_quoted() -> None:
    pod = restricted_pod()
    pod["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/app": 'say "hi"'
    }
    (v,) = evaluate(pod, "baseline").violations
    assert 'app="say \\"hi\\""' in v.detail


# --- ephemeral containers ----------------------------------------------------------------------


def test_ephemeral_containers_are_checked() -> None:
    pod = restricted_pod()
    pod["spec"]["ephemeralContainers"] = [
        {"name": "debug", "image": "busybox", "securityContext": {"privileged": True}}
    ]
    result = evaluate(pod, "restricted", "v1.30")
    assert [v.check for v in result.violations] == [
        "privileged",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
    ]
    priv = result.violations[0]
    assert priv.detail == 'container "debug" must not set securityContext.privileged=true'
    assert priv.offenders[0].path == (
        "spec",
        "ephemeralContainers",
        0,
        "securityContext",
        "privileged",
    )
    assert priv.offenders[0].container == "debug"


# --- SELinux container_engine_t (v1.31+) -------------------------------------------------------


def test_selinux_container_engine_t_allowed_from_v1_31() -> None:
    pod = restricted_pod()
    sc(pod, "app")["seLinuxOptions"] = {"type": "container_engine_t", "level": "s0:c1"}
    assert checks(pod, "baseline", "v1.30") == ["seLinuxOptions"]
    assert evaluate(pod, "baseline", "v1.30").violations[0].detail == (
        'container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t"'
    )
    assert checks(pod, "baseline", "v1.31") == []
    assert checks(pod, "restricted", "latest") == []


# --- hostUsers: false (v1.35+) -----------------------------------------------------------------


def _user_namespaced_root_pod() -> dict[str, Any]:
    pod = restricted_pod()
    pod["spec"]["hostUsers"] = False
    sc(pod, "pod").pop("runAsNonRoot")
    sc(pod, "pod")["runAsUser"] = 0
    return pod


def test_host_users_false_relaxes_run_as_non_root_and_run_as_user_from_v1_35() -> None:
    pod = _user_namespaced_root_pod()
    assert checks(pod, "restricted", "v1.34") == ["runAsNonRoot", "runAsUser"]
    assert checks(pod, "restricted", "v1.35") == []
    pod["spec"]["hostUsers"] = True
    assert checks(pod, "restricted", "v1.35") == ["runAsNonRoot", "runAsUser"]
    del pod["spec"]["hostUsers"]
    assert checks(pod, "restricted", "latest") == ["runAsNonRoot", "runAsUser"]


def test_host_users_false_relaxes_baseline_proc_mount_but_not_restricted() -> None:
    pod = restricted_pod()
    pod["spec"]["hostUsers"] = False
    sc(pod, "app")["procMount"] = "Unmasked"
    assert checks(pod, "baseline", "v1.34") == ["procMount"]
    assert checks(pod, "baseline", "v1.35") == []
    result = evaluate(pod, "restricted", "v1.35")
    assert [v.check for v in result.violations] == ["procMount_restricted"]
    assert result.violations[0].message == (
        'procMount (container "app" must not set securityContext.procMount to "Unmasked")'
    )


# --- Windows -----------------------------------------------------------------------------------


def _windows_pod() -> dict[str, Any]:
    pod = plain_pod()
    pod["spec"]["os"] = {"name": "windows"}
    pod["spec"]["securityContext"] = {"runAsNonRoot": True}
    return pod


@pytest.mark.parametrize("version", ["v1.25", "v1.26", "v1.27", "v1.28", "v1.29", "latest"])
def test_windows_pod_exempt_from_linux_only_checks_from_v1_25(version: str) -> None:
    assert checks(_windows_pod(), "restricted", version) == []


@pytest.mark.parametrize("version", ["v1.22", "v1.24"])
def test_windows_pod_not_exempt_before_v1_25(version: str) -> None:
    assert checks(_windows_pod(), "restricted", version) == [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    ]


def test_only_spec_os_marks_a_windows_pod() -> None:
    pod = _windows_pod()
    del pod["spec"]["os"]
    pod["spec"]["nodeSelector"] = {"kubernetes.io/os": "windows"}
    pod["spec"]["runtimeClassName"] = "windows"
    assert "allowPrivilegeEscalation" in checks(pod, "restricted", "latest")


def test_windows_pod_still_fails_run_as_non_root_and_run_as_user() -> None:
    pod = _windows_pod()
    pod["spec"]["securityContext"] = {"runAsUser": 0}
    result = evaluate(pod, "restricted", "latest")
    assert [v.check for v in result.violations] == ["runAsNonRoot", "runAsUser"]


def test_windows_restricted_allows_what_baseline_denies() -> None:
    pod = _windows_pod()
    pod["spec"]["containers"][0]["securityContext"] = {
        "capabilities": {"add": ["NET_RAW"]},
        "seccompProfile": {"type": "Unconfined"},
    }
    assert checks(pod, "baseline", "v1.25") == ["capabilities_baseline", "seccompProfile_baseline"]
    assert checks(pod, "restricted", "v1.25") == []
    # Before v1.25 the restricted checks apply and replace the baseline ones.
    assert checks(pod, "restricted", "v1.24") == [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    ]


def test_windows_host_process_applies_whatever_the_os() -> None:
    pod = _windows_pod()
    pod["spec"]["securityContext"]["windowsOptions"] = {"hostProcess": True}
    pod["spec"]["hostNetwork"] = True
    result = evaluate(pod, "restricted", "latest")
    assert [v.message for v in result.violations] == [
        "host namespaces (hostNetwork=true)",
        "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)",
    ]


# --- seccomp annotations vs fields -------------------------------------------------------------


def test_seccomp_annotations_ignored_from_v1_19() -> None:
    pod = plain_pod()
    pod["metadata"]["annotations"] = {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}
    assert checks(pod, "baseline", "v1.18") == ["seccompProfile_baseline"]
    assert checks(pod, "baseline", "v1.19") == []


def test_seccomp_fields_ignored_before_v1_19() -> None:
    pod = plain_pod()
    pod["spec"]["securityContext"] = {"seccompProfile": {"type": "Unconfined"}}
    assert checks(pod, "baseline", "v1.18") == []
    result = evaluate(pod, "baseline", "v1.19")
    assert [v.message for v in result.violations] == [
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'
    ]


def test_seccomp_container_annotations_count_only_for_existing_containers() -> None:
    pod = plain_pod()
    prefix = "container.seccomp.security.alpha.kubernetes.io/"
    pod["metadata"]["annotations"] = {prefix + "ghost": "unconfined", prefix + "app": ""}
    (v,) = evaluate(pod, "baseline", "v1.18").violations
    assert v.detail == f'forbidden annotation {prefix}app=""'
    assert v.offenders[0].path == ("metadata", "annotations", prefix + "app")


# --- volumes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        {"csi": {"driver": "x"}},
        {"ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
        {"image": {"reference": "registry.example/data:1"}},
        {},
        {"someFutureSource": {}},
    ],
)
def test_allowed_volume_sources(source: dict[str, Any]) -> None:
    pod = restricted_pod()
    pod["spec"]["volumes"] = [{"name": "v", **source}]
    assert checks(pod, "restricted", "v1.0") == []
    assert checks(pod, "restricted") == []


def test_restricted_volume_detail_names_volumes_and_types() -> None:
    pod = restricted_pod()
    pod["spec"]["volumes"] = [
        {"name": "a", "nfs": {"server": "s", "path": "/"}},
        {"name": "ok", "emptyDir": {}},
        {"name": "b", "photonPersistentDisk": {"pdID": "x"}},
        {"name": "c", "hostPath": {"path": "/"}},
    ]
    (v,) = evaluate(pod, "restricted").violations
    assert v.message == (
        'restricted volume types (volumes "a", "b", "c" use restricted volume types '
        '"hostPath", "nfs", "photonPersistentDisk")'
    )
    assert [o.path for o in v.offenders] == [
        ("spec", "volumes", 0, "nfs"),
        ("spec", "volumes", 2, "photonPersistentDisk"),
        ("spec", "volumes", 3, "hostPath"),
    ]
    # Baseline only knows hostPath.
    (b,) = evaluate(pod, "baseline").violations
    assert b.message == 'hostPath volumes (volume "c")'


# --- host ports, runAsNonRoot, privileged level ------------------------------------------------


def test_host_port_zero_is_unset() -> None:
    pod = restricted_pod()
    pod["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 0}]
    assert checks(pod, "baseline") == []
    pod["spec"]["containers"][0]["ports"].append({"containerPort": 81, "hostPort": 8081})
    pod["spec"]["initContainers"][0]["ports"] = [{"containerPort": 1, "hostPort": 80}]
    (v,) = evaluate(pod, "baseline").violations
    assert v.message == 'hostPort (containers "init", "app" use hostPorts 80, 8081)'
    assert [o.path for o in v.offenders] == [
        ("spec", "initContainers", 0, "ports", 0, "hostPort"),
        ("spec", "containers", 0, "ports", 1, "hostPort"),
    ]


def test_pod_run_as_non_root_false_denied_even_if_every_container_sets_true() -> None:
    pod = restricted_pod()
    sc(pod, "pod")["runAsNonRoot"] = False
    sc(pod, "init")["runAsNonRoot"] = True
    sc(pod, "app")["runAsNonRoot"] = True
    (v,) = evaluate(pod, "restricted").violations
    assert v.message == "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"
    assert v.offenders[0].path == ("spec", "securityContext", "runAsNonRoot")


def test_run_as_non_root_unset_names_pod_or_containers() -> None:
    pod = restricted_pod()
    del sc(pod, "pod")["runAsNonRoot"]
    sc(pod, "init")["runAsNonRoot"] = True
    (v,) = evaluate(pod, "restricted").violations
    assert v.message == (
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)'
    )


def test_privileged_level_allows_everything() -> None:
    pod = plain_pod()
    pod["spec"].update(hostNetwork=True, hostPID=True, volumes=[{"name": "h", "hostPath": {}}])
    pod["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    assert checks(pod, "baseline") == ["hostNamespaces", "hostPathVolumes", "privileged"]
    for version in ("v1.0", "v1.25", "latest"):
        assert evaluate(pod, "privileged", version).allowed


def test_run_check_follows_the_version() -> None:
    pod = plain_pod()
    meta, spec = pod["metadata"], pod["spec"]
    assert run_check("allowPrivilegeEscalation", meta, spec, parse_version("v1.7")).allowed
    result = run_check("allowPrivilegeEscalation", meta, spec, parse_version("v1.8"))
    assert not result.allowed
    assert result.offenders[0].path == (
        "spec",
        "containers",
        0,
        "securityContext",
        "allowPrivilegeEscalation",
    )
    with pytest.raises(KeyError):
        run_check("noSuchCheck", meta, spec, parse_version("latest"))


def test_malformed_values_count_as_unset_not_crash() -> None:
    spec = {
        "securityContext": "oops",
        "containers": ["not a mapping", {"name": "c", "securityContext": {"capabilities": 3}}],
        "volumes": "nope",
    }
    result = evaluate_pod({}, spec, Level.RESTRICTED, parse_version("latest"))
    assert {v.check for v in result.violations} == {
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "runAsNonRoot",
        "seccompProfile_restricted",
    }
