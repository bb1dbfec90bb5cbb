"""The rule catalogue: each rule is frozen metadata plus one pure function.

A rule never parses, prints, reads files or config: it receives an extracted subject (a pod
template, a resource or the inventory) and a `RuleContext`, and yields `Violation`s. The runner
(`stockade.scan`) adds id, severity, resource, location and fingerprint. The same catalogue
serves manifest scans, live clusters and the admission webhook.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml

from stockade.model import Category, Severity, Violation

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRAMEWORK_KEYS = ("cis", "nsa", "owasp", "owasp_2022", "mitre", "ms_matrix")
PSS_LEVELS = ("baseline", "restricted")


class Target(StrEnum):
    """What a rule function receives as its subject."""

    POD = "pod"  # a PodTemplate, for every pod-bearing kind
    RESOURCE = "resource"  # a Resource of one of the rule's kinds
    INVENTORY = "inventory"  # the whole Inventory; violations name their resource


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Everything about a rule except its logic."""

    id: str
    title: str
    severity: Severity
    category: Category
    remediation: str
    target: Target
    kinds: frozenset[str] = frozenset()
    frameworks: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    needs: frozenset[str] = frozenset()
    """Data the rule needs beyond object specs, e.g. ``{"secret-values"}``; a source that cannot
    provide it reports the rule as not evaluated instead of passing it."""
    default_enabled: bool = True
    reports_on: frozenset[str] = frozenset()
    """For an inventory rule: kinds every violation is derived from. With none of them in the
    inventory the rule has nothing to report and the runner skips it (a one-object admission
    review never pays for the RBAC index). Empty: always run."""


_T = TypeVar("_T")


class RuleContext:
    """What a rule may consult besides its subject: the inventory, settings and shared engines."""

    def __init__(self, inventory: Any, settings: Any = None) -> None:
        self.inventory = inventory
        self.settings = settings
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, build: Callable[[], _T]) -> _T:
        """Build an engine (an RBAC index, a network model) once per scan and share it."""
        if key not in self._memo:
            self._memo[key] = build()
        value: _T = self._memo[key]
        return value


RuleFn = Callable[[Any, RuleContext], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule."""

    meta: RuleMeta
    fn: RuleFn

    @property
    def id(self) -> str:
        """The rule id."""
        return self.meta.id


@cache
def framework_table() -> dict[str, dict[str, Any]]:
    """Framework mappings by rule id, from the packaged data file."""
    text = resources.files("stockade.data").joinpath("frameworks.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    rules: dict[str, dict[str, Any]] = data["rules"]
    return rules


def frameworks_for(
    rule_id: str, extra: dict[str, Any] | None = None, pss: str | None = None
) -> dict[str, Any]:
    """The framework ids a rule's findings carry: the data file, then explicit overrides."""
    base = framework_table().get(rule_id, {})
    out: dict[str, Any] = {k: list(base.get(k, [])) for k in FRAMEWORK_KEYS}
    for k, v in (extra or {}).items():
        out[k] = v
    if pss is not None:
        out["pss"] = pss
    return out


class Registry:
    """All rules by id, validated like the PSA evaluator validates its checks."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> None:
        """Register a rule; ids are unique and never reused."""
        if rule.id in self._rules:
            raise ValueError(f"duplicate rule id {rule.id!r}")
        self._rules[rule.id] = rule

    def get(self, rule_id: str) -> Rule | None:
        """A rule by id."""
        return self._rules.get(rule_id)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._rules)

    def ids(self) -> list[str]:
        """Every rule id, sorted."""
        return sorted(self._rules)

    def validate(self) -> list[str]:
        """Problems with the catalogue (empty when sound)."""
        problems: list[str] = []
        for r in self:
            m = r.meta
            if not _ID.match(m.id):
                problems.append(f"{m.id}: id is not kebab-case")
            if not m.title.strip():
                problems.append(f"{m.id}: no title")
            if len(m.remediation.strip()) < 20:
                problems.append(f"{m.id}: remediation missing or too short")
            if m.target is Target.RESOURCE and not m.kinds:
                problems.append(f"{m.id}: resource rule without kinds")
            if m.reports_on and m.target is not Target.INVENTORY:
                problems.append(f"{m.id}: reports_on is for inventory rules")
            pss = m.frameworks.get("pss")
            if pss is not None and pss not in PSS_LEVELS:
                problems.append(f"{m.id}: unknown PSS level {pss!r}")
            for key in m.frameworks:
                if key not in (*FRAMEWORK_KEYS, "pss"):
                    problems.append(f"{m.id}: unknown framework {key!r}")
        return problems


REGISTRY = Registry()


def rule(
    *,
    id: str,
    title: str,
    severity: Severity,
    category: Category,
    remediation: str,
    target: Target,
    kinds: Iterable[str] = (),
    frameworks: dict[str, Any] | None = None,
    pss: str | None = None,
    description: str = "",
    needs: Iterable[str] = (),
    default_enabled: bool = True,
    reports_on: Iterable[str] = (),
    registry: Registry | None = None,
) -> Callable[[RuleFn], RuleFn]:
    """Register the decorated function as a rule with this metadata."""

    def decorate(fn: RuleFn) -> RuleFn:
        meta = RuleMeta(
            id=id,
            title=title,
            severity=severity,
            category=category,
            remediation=" ".join(remediation.split()),
            target=target,
            kinds=frozenset(kinds),
            frameworks=frameworks_for(id, frameworks, pss),
            description=" ".join(description.split()) or (fn.__doc__ or "").strip(),
            needs=frozenset(needs),
            default_enabled=default_enabled,
            reports_on=frozenset(reports_on),
        )
        (registry if registry is not None else REGISTRY).add(Rule(meta, fn))
        return fn

    return decorate
