"""Levels, versions, ``latest``, and the check catalogue's invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from stockade.pss import (
    CHECKS,
    LATEST,
    NEWEST_MINOR,
    Level,
    evaluate_pod,
    parse_level,
    parse_version,
)
from stockade.pss.evaluator import Check, Versioned, validate
from stockade.pss.result import allowed

from tests.pss.podspec import evaluate, plain_pod


def test_versions_parse_and_clamp() -> None:
    assert parse_version("v1.0").minor == 0
    assert str(parse_version("v1.30")) == "v1.30"
    assert str(LATEST) == "latest"
    assert parse_version("latest").effective_minor == NEWEST_MINOR == 37
    assert parse_version("v1.99").effective_minor == 37
    assert str(parse_version("v1.99")) == "v1.99"


@pytest.mark.parametrize("text", ["", "1.30", "v1.030", "v2.0", "v1.30 ", "v1.30\n", "Latest"])
def test_bad_versions_are_clear_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match=r"use latest or v1\.N"):
        parse_version(text)


def test_levels_parse_exactly() -> None:
    assert parse_level("restricted") is Level.RESTRICTED
    with pytest.raises(ValueError, match="privileged, baseline or restricted"):
        parse_level("Restricted")


def test_evaluation_keeps_the_version_as_written() -> None:
    result = evaluate(plain_pod(), "restricted", "latest")
    assert result.message().startswith('violates PodSecurity "restricted:latest": ')


def test_violations_in_psa_order_and_never_unknown() -> None:
    pod = plain_pod()
    pod["spec"].update(hostPID=True)
    pod["spec"]["containers"][0]["securityContext"] = {"privileged": True, "runAsUser": 0}
    result = evaluate(pod, "restricted", "v1.30")
    ids = [v.check for v in result.violations]
    baseline = [i for i in ids if i in {c.id for c in CHECKS if c.level is Level.BASELINE}]
    assert ids[: len(baseline)] == sorted(baseline)
    assert ids[len(baseline) :] == sorted(ids[len(baseline) :])
    assert ids == [
        "hostNamespaces",
        "privileged",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
    ]
    assert all(v.reason and v.detail for v in result.violations)
    assert "unknown forbidden reason" not in result.message()


def test_catalogue_is_valid_and_names_the_issue_checks() -> None:
    validate(CHECKS)
    ids = {c.id for c in CHECKS}
    assert {
        "privileged",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "capabilities_baseline",
        "appArmorProfile",
        "seLinuxOptions",
        "procMount",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
        "restrictedVolumes",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
        "capabilities_restricted",
    } <= ids


def _noop(meta: object, spec: object) -> object:
    return allowed("x")


@pytest.mark.parametrize(
    "bad",
    [
        (Check("a", Level.BASELINE, (Versioned(0, _noop),)),) * 2,  # type: ignore[arg-type]
        (Check("a", Level.BASELINE, (Versioned(5, _noop), Versioned(5, _noop))),),  # type: ignore[arg-type]
        (Check("a", Level.BASELINE, (Versioned(0, _noop, ("b",)),)),),  # type: ignore[arg-type]
        (Check("a", Level.RESTRICTED, (Versioned(0, _noop, ("nope",)),)),),  # type: ignore[arg-type]
        (Check("a", Level.PRIVILEGED, (Versioned(0, _noop),)),),  # type: ignore[arg-type]
    ],
)
def test_catalogue_validation_rejects_misuse(bad: tuple[Check, ...]) -> None:
    with pytest.raises(ValueError):
        validate(bad)


# --- property: restricted-allowed implies baseline-allowed, for non-Windows pods ----------------


# Values are drawn mostly from the restricted-safe side so that restricted-allowed pods (the
# premise of the property) are common; None stands for an unset field.
def _mostly(good: object, *bad: object) -> st.SearchStrategy[object]:
    return st.sampled_from([good, good, good, *bad])


_sc = st.fixed_dictionaries(
    {
        "privileged": _mostly(None, True, False),
        "allowPrivilegeEscalation": _mostly(False, True, None),
        "runAsNonRoot": _mostly(True, False, None),
        "runAsUser": _mostly(None, 0, 1000),
        "procMount": _mostly(None, "Default", "Unmasked"),
        "capabilities": _mostly(
            {"drop": ["ALL"]},
            {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
            {"drop": ["ALL"], "add": ["CHOWN"]},
            {"add": ["NET_RAW"]},
            {"drop": ["NET_RAW"]},
            None,
        ),
        "seccompProfile": _mostly(
            {"type": "RuntimeDefault"}, {"type": "Localhost"}, {"type": "Unconfined"}, None
        ),
        "appArmorProfile": _mostly(None, {"type": "RuntimeDefault"}, {"type": "Unconfined"}),
        "seLinuxOptions": _mostly(None, {"type": "container_t"}, {"type": "spc_t"}, {"user": "u"}),
        "windowsOptions": _mostly(None, {"hostProcess": True}, {"hostProcess": False}),
    },
)
_container = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b"]), "securityContext": _sc},
    optional={
        "ports": st.lists(
            st.fixed_dictionaries({"hostPort": st.sampled_from([0, 80])}), max_size=1
        ),
    },
)
_spec = st.fixed_dictionaries(
    {"containers": st.lists(_container, min_size=1, max_size=2), "securityContext": _sc},
    optional={
        "initContainers": st.lists(_container, max_size=1),
        "hostNetwork": _mostly(None, True, False),
        "hostUsers": _mostly(None, True, False),
        "os": st.just({"name": "linux"}),
        "volumes": st.lists(
            st.sampled_from(
                [{"name": "v"}, {"name": "h", "hostPath": {}}, {"name": "n", "nfs": {}}]
            ),
            max_size=2,
        ),
    },
)
_annotations = st.dictionaries(
    st.sampled_from(
        [
            "container.apparmor.security.beta.kubernetes.io/a",
            "seccomp.security.alpha.kubernetes.io/pod",
        ]
    ),
    st.sampled_from(["runtime/default", "unconfined", ""]),
    max_size=2,
)


@settings(max_examples=300, deadline=None)
@given(spec=_spec, annotations=_annotations, minor=st.integers(0, 40))
def test_restricted_allowed_implies_baseline_allowed(
    spec: dict[str, Any], annotations: dict[str, str], minor: int
) -> None:
    meta = {"annotations": annotations}
    version = parse_version(f"v1.{minor}")
    if evaluate_pod(meta, spec, Level.RESTRICTED, version).allowed:
        assert evaluate_pod(meta, spec, Level.BASELINE, version).allowed


def test_property_domain_reaches_restricted_allowed() -> None:
    # The property says nothing unless its domain holds restricted-allowed pods.
    found = find(
        _spec,
        lambda spec: evaluate_pod({}, spec, Level.RESTRICTED, LATEST).allowed,
        settings=settings(database=None, max_examples=5000, derandomize=True),
    )
    assert evaluate_pod({}, found, Level.BASELINE, LATEST).allowed
