"""Verdicts for every pod-bearing resource of an inventory, as PSA would give them.

Pods are judged as ``enforce`` judges them; Deployments, CronJobs and the other workload kinds
through their pod template, as PSA's ``warn`` and ``audit`` modes do (the template's metadata
and spec, exactly like a pod's).
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.inventory import Inventory, PodTemplate
from stockade.model import FieldPath
from stockade.pss.evaluator import evaluate_pod
from stockade.pss.levels import Level, PssVersion
from stockade.pss.namespaces import NamespacePolicy, enforce_policy
from stockade.pss.result import PssEvaluation


@dataclass(frozen=True, slots=True)
class WorkloadVerdict:
    """The PSS verdict on one pod template, at the policy it was judged by."""

    template: PodTemplate
    policy: NamespacePolicy | None
    level: Level
    version: PssVersion
    evaluation: PssEvaluation

    @property
    def allowed(self) -> bool:
        """No check denied the pod template."""
        return self.evaluation.allowed

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """File, line, kind, namespace, name: a stable order for reports."""
        r = self.template.resource
        return (r.origin.file, r.origin.line or 0, r.kind, r.effective_namespace(), r.name or "")

    def to_json(self, *, with_policy: bool = False) -> dict[str, object]:
        """The JSON contract of one result; ``with_policy`` adds the level and version used."""
        r = self.template.resource
        out: dict[str, object] = {
            "file": r.origin.file,
            "line": r.origin.line,
            "kind": r.kind,
            "namespace": r.effective_namespace(),
            "name": r.name,
            "allowed": self.allowed,
            "violations": [
                {"check": v.check, "message": v.message} for v in self.evaluation.violations
            ],
        }
        if with_policy:
            out["level"] = self.level.value
            out["version"] = str(self.version)
        return out


def absolute_path(template: PodTemplate, path: FieldPath) -> FieldPath:
    """An offender's path (relative to a virtual pod) as a path in the template's resource."""
    if path and path[0] == "spec":
        return (*template.spec_path, *path[1:])
    if path and path[0] == "metadata":
        return (*template.meta_path, *path[1:])
    return path


def evaluate_inventory(
    inventory: Inventory,
    level: Level,
    version: PssVersion,
    *,
    namespace_labels: bool = False,
) -> tuple[list[WorkloadVerdict], list[NamespacePolicy]]:
    """Judge every pod template at ``level``/``version``, or at each namespace's enforce labels.

    With ``namespace_labels``, ``level`` and ``version`` apply to namespaces without an enforce
    label; the returned policies say which namespaces those were.
    """
    policies: dict[str, NamespacePolicy] = {}
    verdicts: list[WorkloadVerdict] = []
    for template in inventory.pod_templates():
        policy: NamespacePolicy | None = None
        lv, ver = level, version
        if namespace_labels:
            ns = template.namespace
            policy = policies.get(ns)
            if policy is None:
                declared = inventory.get("Namespace", None, ns)
                labels = dict(declared.labels) if declared is not None else None
                policy = policies[ns] = enforce_policy(ns, labels, level, version)
            lv, ver = policy.level, policy.version
        evaluation = evaluate_pod(template.meta, template.spec, lv, ver)
        verdicts.append(WorkloadVerdict(template, policy, lv, ver, evaluation))
    verdicts.sort(key=WorkloadVerdict.sort_key)
    return verdicts, [policies[k] for k in sorted(policies)]
