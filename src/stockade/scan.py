"""The pipeline: inventory -> rules -> findings -> waivers -> located, sorted result.

Every front end (files, a live cluster, a snapshot, the admission webhook, the audit detector)
calls `scan_inventory`; only the source differs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from stockade.controlplane.visibility import HARDENING_NEEDS, observe
from stockade.inventory.index import Inventory
from stockade.inventory.resource import Resource
from stockade.memory import cyclic_gc_paused
from stockade.model import (
    Finding,
    Location,
    NotEvaluated,
    ResourceRef,
    ScanError,
    ScanResult,
    Severity,
    Violation,
    fingerprint,
    render_path,
)
from stockade.policy.config import Config
from stockade.policy.waivers import apply_waivers
from stockade.rules.catalogue import load_catalogue
from stockade.rules.registry import Registry, Rule, RuleContext, Target
from stockade.sources.coverage import UnreadableKind, not_evaluated_for
from stockade.sources.files import LoadOptions, LoadResult, load_paths
from stockade.sources.live import last_change
from stockade.sources.locate import Locator

FILE_CAPABILITIES = frozenset({"secret-values", "files"})
"""What manifests on disk provide; a live cluster lists Secrets as metadata only."""


@dataclass(slots=True)
class ScanSettings:
    """Everything a scan needs besides its resources."""

    config: Config = field(default_factory=Config)
    registry: Registry | None = None
    capabilities: frozenset[str] = FILE_CAPABILITIES
    locate: bool = True
    hardening: bool = False
    """The user asked for node or cluster hardening (``--node``, a cluster scan): control-plane
    and kubelet checks that cannot run are reported as not evaluated. Otherwise they are
    reported only when the input shows some node or control-plane configuration."""
    rule_set: RuleSet | None = None
    """The rules of ``config`` and ``registry`` selected once (`RuleSet`), for callers that scan
    many small inventories with one config; ignored unless built from these two objects."""


def select_rules(registry: Registry, config: Config) -> list[Rule]:
    """Rules enabled by default and the config, in id order."""
    only = set(config.rules.only) if config.rules.only is not None else None
    disabled = set(config.rules.disable)
    enabled = set(config.rules.enable)
    out = []
    for r in registry:
        if only is not None:
            if r.id in only:
                out.append(r)
            continue
        if r.id in disabled:
            continue
        if r.meta.default_enabled or r.id in enabled:
            out.append(r)
    return out


class RuleSet:
    """The rules a config selects from a registry, with what depends only on them kept.

    A scan selects its rules and splits them by the capabilities its source provides; a caller
    that runs many scans with one config (the admission webhook, once per request) builds this
    once per config and passes it in `ScanSettings.rule_set`.
    """

    def __init__(self, registry: Registry, config: Config) -> None:
        self.registry = registry
        self.config = config
        self.rules: tuple[Rule, ...] = tuple(select_rules(registry, config))
        self.known_ids: frozenset[str] = frozenset(registry.ids())
        self._split: dict[frozenset[str], tuple[list[Rule], list[Rule]]] = {}
        self._gaps: dict[frozenset[str], list[tuple[Rule, frozenset[str], str | None]]] = {}

    def split(self, capabilities: frozenset[str]) -> tuple[list[Rule], list[Rule]]:
        """(runnable, unmet): rules whose needs ``capabilities`` meet, and the others; in order."""
        found = self._split.get(capabilities)
        if found is None:
            runnable = [r for r in self.rules if r.meta.needs <= capabilities]
            unmet = [r for r in self.rules if not r.meta.needs <= capabilities]
            # NOTE: the number of distinct capability sets is small (source kinds times the
            # components an input shows); the bound only guards against the unforeseen.
            if len(self._split) < 64:
                self._split[capabilities] = (runnable, unmet)
            found = (runnable, unmet)
        return found

    def gaps(self, capabilities: frozenset[str]) -> list[tuple[Rule, frozenset[str], str | None]]:
        """The unmet rules with what they miss, and why they are not evaluated; the reason is
        None when they miss only node or control-plane inputs (it then depends on the scan)."""
        found = self._gaps.get(capabilities)
        if found is None:
            found = []
            for r in self.split(capabilities)[1]:
                missing = r.meta.needs - capabilities
                reason = None
                if not missing <= HARDENING_NEEDS:
                    reason = (
                        f"needs {', '.join(sorted(missing))}, which this source does not provide"
                    )
                found.append((r, missing, reason))
            if len(self._gaps) < 64:
                self._gaps[capabilities] = found
        return found


def stable_key(obj: Any, path: Sequence[str | int]) -> str:
    """A path that survives reordering: list items with a name are named, not numbered."""
    parts: list[str] = []
    node = obj
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                parts.append(f"[name={item['name']}]")
            else:
                parts.append(f"[{part}]")
            node = item
        else:
            parts.append(f".{part}")
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts)


@cache
def _in_order(kinds: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(kinds))


def _subjects(rule: Rule, inventory: Inventory) -> Iterable[Any]:
    meta = rule.meta
    if meta.target is Target.POD:
        return inventory.pod_templates()
    if meta.target is Target.RESOURCE:
        return inventory.of_kind(*_in_order(meta.kinds))
    if meta.reports_on and not inventory.has_any(meta.reports_on):
        return ()
    return (inventory,)


def _subject_resource(subject: Any) -> Resource | None:
    if isinstance(subject, Resource):
        return subject
    res = getattr(subject, "resource", None)
    return res if isinstance(res, Resource) else None


def run_rules(
    inventory: Inventory, rules: Sequence[Rule], ctx: RuleContext
) -> tuple[list[tuple[Rule, Resource, Violation]], list[ScanError]]:
    """Evaluate rules; a rule that fails on one object is an error entry, never a crash."""
    hits: list[tuple[Rule, Resource, Violation]] = []
    errors: list[ScanError] = []
    for rule in rules:
        for subject in _subjects(rule, inventory):
            owner = _subject_resource(subject)
            try:
                for v in rule.fn(subject, ctx):
                    res = v.resource if isinstance(v.resource, Resource) else owner
                    if res is not None:
                        hits.append((rule, res, v))
            except Exception as exc:
                where = owner.origin if owner is not None else None
                errors.append(
                    ScanError(
                        where.file if where else "<inventory>",
                        where.line if where else None,
                        f"rule {rule.id} could not evaluate "
                        f"{owner.display() if owner else 'the inventory'}: {type(exc).__name__}",
                        "The object has an unexpected shape; the other rules still ran.",
                    )
                )
    return hits, errors


class _FindingMaker:
    """Builds findings; what is the same for every finding of a rule or a resource is computed
    once (tens of thousands of findings per scan)."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._severity: dict[str, Severity] = {}
        self._refs: dict[int, ResourceRef] = {}

    def __call__(
        self,
        rule: Rule,
        res: Resource,
        v: Violation,
        line: int | None,
        managed_by: dict[str, Any] | None = None,
    ) -> Finding:
        meta = rule.meta
        severity = self._severity.get(meta.id)
        if severity is None:
            severity = Severity(self._config.severity.get(meta.id, meta.severity))
            self._severity[meta.id] = severity
        ref = self._refs.get(id(res))
        if ref is None:
            ref = self._refs[id(res)] = res.ref
        key = v.key if v.key is not None else stable_key(res.obj, v.path)
        return Finding(
            rule=meta.id,
            title=meta.title,
            severity=severity,
            category=meta.category,
            resource=ref,
            location=Location(res.origin.file, line, render_path(v.path)),
            message=v.message,
            remediation=meta.remediation,
            frameworks=meta.frameworks,
            fingerprint=fingerprint(meta.id, ref, key),
            evidence=v.evidence,
            managed_by=managed_by,
        )


def _lines(hits: list[tuple[Rule, Resource, Violation]], texts: dict[str, str]) -> list[int | None]:
    """The line of each hit's field, composing each document with findings once."""
    locator = Locator(texts)
    lines: list[int | None] = [h[1].origin.line for h in hits]
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, (_, res, _) in enumerate(hits):
        if not res.origin.live and res.origin.line is not None:
            by_file[res.origin.file].append(i)
    for file, idxs in by_file.items():
        for i in idxs:
            _, res, v = hits[i]
            o = res.origin
            lines[i] = locator.line(
                file, o.line or 1, o.end_line or o.line or 1, (*o.base, *v.path)
            )
        locator.forget(file)
    return lines


def scan_inventory(
    inventory: Inventory,
    settings: ScanSettings | None = None,
    *,
    texts: dict[str, str] | None = None,
    unreadable: Sequence[UnreadableKind] = (),
) -> ScanResult:
    """Run the catalogue over an inventory and return located, waived, sorted findings.

    ``unreadable`` kinds (a cluster refused or lacks them) put every rule that reads them in
    ``not_evaluated``: their findings on what was read are kept, but they never count as passing.
    """
    with cyclic_gc_paused():
        return _scan_inventory(inventory, settings, texts=texts, unreadable=unreadable)


def _scan_inventory(
    inventory: Inventory,
    settings: ScanSettings | None,
    *,
    texts: dict[str, str] | None,
    unreadable: Sequence[UnreadableKind],
) -> ScanResult:
    settings = settings or ScanSettings()
    config = settings.config
    registry = settings.registry or load_catalogue()
    skip = set(config.namespaces.skip)
    if skip:
        inventory = Inventory(
            r
            for r in inventory
            if not (inventory.is_namespaced(r) and r.effective_namespace() in skip)
        )
    rule_set = settings.rule_set
    if rule_set is None or rule_set.config is not config or rule_set.registry is not registry:
        rule_set = RuleSet(registry, config)
    ctx = RuleContext(inventory, config)
    seen = observe(inventory, ctx.memo)
    capabilities = frozenset(settings.capabilities | seen.provided)
    runnable = rule_set.split(capabilities)[0]
    hardening = settings.hardening or seen.any_node_config
    not_evaluated: list[NotEvaluated] = []
    by_reason: dict[str, list[str]] = defaultdict(list)  # hardening rules, grouped
    for r, missing, why in rule_set.gaps(capabilities):
        if why is not None:
            not_evaluated.append(NotEvaluated((r.id,), why))
        elif hardening:
            by_reason[seen.reason(missing)].append(r.id)
    not_evaluated += [
        NotEvaluated(tuple(ids), reason, "control-plane") for reason, ids in by_reason.items()
    ]
    not_evaluated.extend(not_evaluated_for(runnable, unreadable))
    hits, errors = run_rules(inventory, runnable, ctx)
    lines = _lines(hits, texts or {}) if settings.locate else [h[1].origin.line for h in hits]
    # Who last changed a live object, read from managedFields once per object.
    managers = {id(res): last_change(res.obj) for _, res, _ in hits if res.origin.live}
    make = _FindingMaker(config)
    findings = [
        make(rule, res, v, line, managers.get(id(res)))
        for (rule, res, v), line in zip(hits, lines, strict=True)
    ]
    resources = {id(res): res for _, res, _ in hits}
    outcome = apply_waivers(
        findings, resources, [id(res) for _, res, _ in hits], config, rule_set.known_ids
    )
    result = ScanResult(
        findings=sorted(outcome.findings, key=Finding.sort_key),
        errors=[*errors, *outcome.errors],
        not_evaluated=not_evaluated,
        resources=len(inventory),
    )
    result.exceptions = outcome.exceptions
    return result


def scan_load_result(
    loaded: LoadResult, settings: ScanSettings | None = None, inventory: Inventory | None = None
) -> ScanResult:
    """Scan what a loader produced (or its ``inventory``, already built), keeping its errors."""
    settings = settings or ScanSettings()
    if loaded.capabilities is not None:
        settings = replace(settings, capabilities=loaded.capabilities)
    result = scan_inventory(
        inventory if inventory is not None else Inventory(loaded.resources),
        settings,
        texts=loaded.texts,
        unreadable=loaded.unreadable,
    )
    result.errors = [*loaded.errors, *result.errors]
    result.skipped_documents = loaded.skipped
    result.files = loaded.files
    return result


def scan_paths(
    paths: Sequence[str],
    settings: ScanSettings | None = None,
    load_options: LoadOptions | None = None,
    stdin: bytes | None = None,
) -> ScanResult:
    """Load manifests from paths and scan them."""
    return scan_load_result(load_paths(paths, load_options, stdin=stdin), settings)
