"""``stockade.yaml``: which rules run, at what severity, and which findings are accepted.

Validated strictly with pydantic: an unknown key or a bad value is an error that names the file,
the line and the key, never a silent default.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stockade.errors import ConfigError
from stockade.model import Severity
from stockade.sources.locate import line_of

CONFIG_NAMES = ("stockade.yaml", "stockade.yml", ".stockade.yaml")
FailOn = Literal["low", "medium", "high", "critical", "never"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesConfig(_Strict):
    """Turning rules on and off."""

    disable: list[str] = Field(default_factory=list)
    enable: list[str] = Field(default_factory=list)
    only: list[str] | None = None


class ImagesConfig(_Strict):
    """Image policy."""

    allowed_registries: list[str] = Field(default_factory=list)
    """Registries (``ghcr.io``) or repository prefixes (``ghcr.io/acme``); empty = no allowlist."""


class NamespacesConfig(_Strict):
    """Namespaces whose resources are not scanned."""

    skip: list[str] = Field(default_factory=list)


class SecretsConfig(_Strict):
    """Tuning of plaintext-credential detection."""

    min_entropy: float = 3.5
    max_age_days: int = 90


class ExceptionConfig(_Strict):
    """An accepted risk: which findings, why, who owns and approved it, until when."""

    id: str
    rules: list[str]
    resources: list[str] = Field(default_factory=lambda: ["*"])
    """``Kind/namespace/name`` patterns (``*`` globs); cluster-scoped objects ``Kind/name``."""
    fingerprints: list[str] = Field(default_factory=list)
    reason: str
    owner: str
    approved_by: str | None = None
    expires: dt.date | None = None
    compensating_controls: list[str] = Field(default_factory=list)

    @field_validator("reason", "owner")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


AdmissionMode = Literal["enforce", "warn", "audit"]


class AdmissionExemptionsConfig(_Strict):
    """Requests the admission webhook never judges.

    The webhook's own namespace is always exempt in addition to these, so it cannot lock itself
    out of the cluster.
    """

    namespaces: list[str] = Field(default_factory=lambda: ["kube-system"])
    usernames: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class AdmissionConfig(_Strict):
    """The admission webhook: default mode, threshold and exemptions."""

    mode: AdmissionMode | None = None
    """Mode of namespaces without a ``stockade.dev/mode`` label; ``warn`` when unset."""
    fail_on: FailOn | None = None
    """Threshold at admission; the top-level ``fail_on`` when unset."""
    exemptions: AdmissionExemptionsConfig = Field(default_factory=AdmissionExemptionsConfig)


class Config(_Strict):
    """The whole configuration file."""

    version: Literal[1] = 1
    fail_on: FailOn = "high"
    rules: RulesConfig = Field(default_factory=RulesConfig)
    severity: dict[str, Severity] = Field(default_factory=dict)
    images: ImagesConfig = Field(default_factory=ImagesConfig)
    namespaces: NamespacesConfig = Field(default_factory=NamespacesConfig)
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)
    exceptions: list[ExceptionConfig] = Field(default_factory=list)
    admission: AdmissionConfig = Field(default_factory=AdmissionConfig)

    def unknown_rule_ids(self, known: set[str]) -> list[str]:
        """Rule ids the config names that no rule has (typos)."""
        named = [*self.rules.disable, *self.rules.enable, *(self.rules.only or []), *self.severity]
        for exc in self.exceptions:
            named.extend(exc.rules)
        return sorted({r for r in named if r not in known and r != "*"})


def _describe(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")


def parse_config(text: str, file: str) -> Config:
    """Parse and validate config text; errors name the file, line and key."""
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{file}{line}: invalid YAML in configuration",
            "Fix the syntax; see docs/configuration.md for the format.",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: configuration must be a mapping", "See docs/configuration.md.")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            found = line_of(text, loc)
            where = f"{file}:{found}" if found else file
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"{where}: {_describe(loc)}: {msg}")
        raise ConfigError(
            "invalid configuration:\n  " + "\n  ".join(lines),
            "See docs/configuration.md for every key and its allowed values.",
        ) from None


def load_config(path: Path | None, scan_roots: list[str]) -> tuple[Config, str | None]:
    """The config given by ``--config``, else ``stockade.yaml`` in the first scanned directory."""
    if path is None:
        for root in scan_roots:
            p = Path(root)
            if p.is_dir():
                for name in CONFIG_NAMES:
                    if (p / name).is_file():
                        path = p / name
                        break
            if path is not None:
                break
    if path is None:
        return Config(), None
    return read_config(path), str(path)


def read_config(path: Path) -> Config:
    """Read and validate one configuration file; `ConfigError` when unreadable or invalid."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read configuration {path}: {exc.strerror}", "Check the --config path."
        ) from None
    return parse_config(text, str(path))
