"""Settings of the detector: who counts as a system identity, deployers, windows, thresholds."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import translate
from typing import Any

from stockade.errors import ConfigError

# NOTE: control-plane components, kubelets and kube-system controllers. Service accounts of
# other namespaces are not system identities: a stolen pod token is exactly what to watch.
DEFAULT_SYSTEM_IDENTITIES = (
    "system:apiserver",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:kube-proxy",
    "system:volume-scheduler",
    "system:node:*",
    "system:serviceaccount:kube-system:*",
)
# Paths that default RBAC (system:public-info-viewer) opens to everyone, probed constantly.
DEFAULT_PUBLIC_PATHS = ("/healthz*", "/livez*", "/readyz*", "/version", "/version/")
# Kubelet paths that metrics scrapers read through nodes/proxy.
DEFAULT_METRICS_PATHS = ("/metrics*", "/stats/summary*", "/stats", "/stats/")


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    parts = [translate(p) for p in patterns]
    return re.compile("|".join(parts) if parts else r"(?!)")


def parse_duration(value: Any, what: str) -> float:
    """``90``, ``"90s"``, ``"15m"``, ``"24h"``, ``"7d"`` to seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{what}: expected a duration, got {value!r}", "Use e.g. 60s, 15m, 24h.")
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value))
    if not match:
        raise ConfigError(f"{what}: {value!r} is not a duration", "Use e.g. 60s, 15m, 24h, 7d.")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return float(match.group(1)) * unit


@dataclass(slots=True)
class DetectSettings:
    """Tunable parts of the built-in rules. Patterns are shell-style globs (``*``)."""

    system_identities: tuple[str, ...] = DEFAULT_SYSTEM_IDENTITIES
    deployers: tuple[str, ...] = ()
    public_paths: tuple[str, ...] = DEFAULT_PUBLIC_PATHS
    metrics_paths: tuple[str, ...] = DEFAULT_METRICS_PATHS
    privileged_roles: tuple[str, ...] = ("cluster-admin", "admin")
    learning_window: float = 3600.0
    burst_threshold: int = 10
    burst_window: float = 60.0
    state_limit: int = 100_000
    disabled: tuple[str, ...] = ()
    _system_re: re.Pattern[str] = field(init=False, repr=False)
    _deployer_re: re.Pattern[str] = field(init=False, repr=False)
    _public_re: re.Pattern[str] = field(init=False, repr=False)
    _metrics_re: re.Pattern[str] = field(init=False, repr=False)
    _system_cache: dict[str, bool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.burst_threshold < 2:
            raise ConfigError("burst_threshold must be at least 2", "Use e.g. 10.")
        if self.state_limit < 100:
            raise ConfigError("state_limit must be at least 100", "Use e.g. 100000.")
        self._system_re = _compile(self.system_identities)
        self._deployer_re = _compile(self.deployers)
        self._public_re = _compile(self.public_paths)
        self._metrics_re = _compile(self.metrics_paths)
        self._system_cache = {}

    def is_system(self, username: str) -> bool:
        """Whether a user name is a control-plane, node or kube-system controller identity."""
        cached = self._system_cache.get(username)
        if cached is None:
            cached = self._system_re.match(username) is not None
            if len(self._system_cache) < 10_000:
                self._system_cache[username] = cached
        return cached

    def is_deployer(self, username: str, groups: Iterable[str]) -> bool:
        """Whether the user (or one of its groups, as ``group:NAME``) is an allowed deployer."""
        if self._deployer_re.match(username):
            return True
        return any(self._deployer_re.match(f"group:{g}") for g in groups)

    def is_public_path(self, path: str) -> bool:
        """Whether a non-resource path is one default RBAC opens to anonymous users."""
        return self._public_re.match(path) is not None

    def is_metrics_path(self, path: str) -> bool:
        """Whether a kubelet path (after ``/proxy``) is one metrics scrapers read."""
        return self._metrics_re.match(path) is not None

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "settings") -> DetectSettings:
        """Build from the ``settings:`` mapping of a detection rules file."""
        known = {
            "system_identities",
            "deployers",
            "public_paths",
            "metrics_paths",
            "privileged_roles",
            "learning_window",
            "burst_threshold",
            "burst_window",
            "state_limit",
            "disabled",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"{source}: unknown setting(s) {', '.join(unknown)}",
                "Known settings: " + ", ".join(sorted(known)) + ".",
            )
        kwargs: dict[str, Any] = {}
        for key in (
            "system_identities",
            "deployers",
            "public_paths",
            "metrics_paths",
            "privileged_roles",
            "disabled",
        ):
            if key in data:
                value = data[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"{source}: {key} must be a list of strings")
                kwargs[key] = tuple(value)
        for key in ("learning_window", "burst_window"):
            if key in data:
                kwargs[key] = parse_duration(data[key], f"{source}: {key}")
        for key in ("burst_threshold", "state_limit"):
            if key in data:
                value = data[key]
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ConfigError(f"{source}: {key} must be an integer")
                kwargs[key] = value
        return cls(**kwargs)
