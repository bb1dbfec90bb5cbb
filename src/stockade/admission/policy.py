"""What the webhook applies: the scan config plus mode, threshold and exemptions, as one value.

An `AdmissionPolicy` is immutable; a config reload builds a new one and swaps the reference, so a
request is always judged by one consistent policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from stockade.admission.review import AdmissionRequest
from stockade.errors import ConfigError
from stockade.model import Severity
from stockade.policy.config import Config, read_config
from stockade.policy.gate import FAIL_ON_CHOICES
from stockade.rules.catalogue import load_catalogue
from stockade.rules.registry import Registry
from stockade.scan import RuleSet, ScanSettings, select_rules

MODE_LABEL = "stockade.dev/mode"
ADMISSION_CAPABILITIES = frozenset({"secret-values"})
"""What an AdmissionReview provides: the full object, Secret data included; no manifest file."""


class Mode(StrEnum):
    """What a namespace's violations lead to."""

    ENFORCE = "enforce"  # deny
    WARN = "warn"  # allow, with warnings shown to the client
    AUDIT = "audit"  # allow, log only


@dataclass(frozen=True, slots=True)
class AdmissionPolicy:
    """Config, default mode, threshold and exemptions in force."""

    config: Config
    registry: Registry
    default_mode: Mode
    fail_on: str
    exempt_namespaces: frozenset[str]
    exempt_users: frozenset[str]
    exempt_groups: frozenset[str]
    source: str | None = None
    scan_config: Config | None = None
    """The config the scan runs with: ``config`` restricted to rules whose severity (after the
    config's overrides) reaches the threshold, since no other rule can change a decision."""
    scan_settings: ScanSettings | None = None
    """What each request is scanned with, the rules of the scan config among it: built once per
    policy rather than once per request (None: built per request, `stockade.admission.judge`)."""

    @property
    def effective_config(self) -> Config:
        """The config each request is scanned with."""
        return self.scan_config or self.config

    @classmethod
    def build(
        cls,
        config: Config,
        own_namespace: str | None = None,
        mode: str | None = None,
        fail_on: str | None = None,
        source: str | None = None,
    ) -> AdmissionPolicy:
        """Combine config and flags: a flag beats ``admission:`` which beats the defaults."""
        registry = load_catalogue()
        unknown = config.unknown_rule_ids(set(registry.ids()))
        if unknown:
            raise ConfigError(
                f"unknown rule id(s) in the configuration: {', '.join(unknown)}",
                "List the rules with `stockade rules list`.",
            )
        chosen_mode = mode or config.admission.mode or Mode.WARN.value
        if chosen_mode not in Mode.__members__.values():
            raise ConfigError(
                f"mode {chosen_mode!r} is not one of enforce, warn, audit",
                "Example: --mode warn for a first rollout, then --mode enforce.",
            )
        threshold = fail_on or config.admission.fail_on or config.fail_on
        if threshold not in FAIL_ON_CHOICES:
            raise ConfigError(
                f"--fail-on {threshold!r} is not one of {', '.join(FAIL_ON_CHOICES)}",
                "Example: --fail-on high.",
            )
        ex = config.admission.exemptions
        namespaces = set(ex.namespaces)
        if own_namespace:
            namespaces.add(own_namespace)
        scan_config = _decisive(config, registry, threshold)
        return cls(
            scan_config=scan_config,
            scan_settings=admission_settings(scan_config, registry, RuleSet(registry, scan_config)),
            config=config,
            registry=registry,
            default_mode=Mode(chosen_mode),
            fail_on=threshold,
            exempt_namespaces=frozenset(namespaces),
            exempt_users=frozenset(ex.usernames),
            exempt_groups=frozenset(ex.groups),
            source=source,
        )

    def mode_for(self, labels: Mapping[str, str] | None) -> Mode:
        """The namespace's label when it names a mode, else the default."""
        value = (labels or {}).get(MODE_LABEL)
        if isinstance(value, str) and value in Mode.__members__.values():
            return Mode(value)
        return self.default_mode

    def exemption(self, request: AdmissionRequest, namespace: str) -> str | None:
        """Why the request is exempt (``namespace``, ``username``, ``group``), or None."""
        if namespace and namespace in self.exempt_namespaces:
            return "namespace"
        if request.username in self.exempt_users:
            return "username"
        if self.exempt_groups.intersection(request.groups):
            return "group"
        return None


def admission_settings(
    config: Config, registry: Registry, rule_set: RuleSet | None
) -> ScanSettings:
    """Scan settings for objects from AdmissionReviews: the full object, Secret data included,
    and no manifest file (so nothing to locate)."""
    return ScanSettings(
        config=config,
        registry=registry,
        capabilities=ADMISSION_CAPABILITIES,
        locate=False,
        rule_set=rule_set,
    )


def _decisive(config: Config, registry: Registry, fail_on: str) -> Config:
    if fail_on == "never":
        return config.model_copy(update={"rules": config.rules.model_copy(update={"only": []})})
    rank = Severity(fail_on).rank
    ids = [
        r.id
        for r in select_rules(registry, config)
        if Severity(config.severity.get(r.id, r.meta.severity)).rank >= rank
    ]
    return config.model_copy(update={"rules": config.rules.model_copy(update={"only": ids})})


def load_policy(
    path: Path | None,
    own_namespace: str | None = None,
    mode: str | None = None,
    fail_on: str | None = None,
) -> AdmissionPolicy:
    """Read the config file (or defaults) and build the policy; `ConfigError` when invalid."""
    if path is None:
        return AdmissionPolicy.build(Config(), own_namespace, mode, fail_on)
    return AdmissionPolicy.build(read_config(path), own_namespace, mode, fail_on, str(path))
