"""``stockade pss``: which workloads Pod Security Admission would reject, and why."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.text import Text

from stockade.cli.output import write_output
from stockade.cli.source import (
    CLUSTER,
    CONTEXT,
    KUBECONFIG,
    NAMESPACE,
    cluster_options,
    gaps,
    read_source,
    unreadable_lines,
)
from stockade.errors import UsageError
from stockade.inventory import Inventory, PodTemplate
from stockade.inventory.podspec import POD_BEARING_KINDS
from stockade.pss import evaluate_pod, parse_level, parse_version
from stockade.pss.namespaces import NamespacePolicy, namespace_policy
from stockade.sources.coverage import UnreadableKind
from stockade.sources.files import DEFAULT_MAX_FILE_BYTES, LoadOptions


class PssFormat(StrEnum):
    """Formats of ``stockade pss``."""

    TABLE = "table"
    JSON = "json"


def _result(pt: PodTemplate, policy: NamespacePolicy) -> dict[str, Any]:
    res = pt.resource
    evaluation = evaluate_pod(pt.meta, pt.spec, policy.level, policy.version)
    return {
        "file": res.origin.file,
        "line": res.origin.line,
        "kind": res.kind,
        "namespace": res.effective_namespace(),
        "name": res.name,
        "level": policy.level.value,
        "version": str(policy.version),
        "policy_source": policy.source,
        "allowed": evaluation.allowed,
        "violations": [{"check": v.check, "message": v.message} for v in evaluation.violations],
    }


def pss(
    paths: list[str] = typer.Argument(
        None, help="Files, directories, globs, snapshots, or - for stdin."
    ),
    level: str = typer.Option(
        "restricted", "--level", "-l", help="privileged, baseline or restricted."
    ),
    version: str = typer.Option(
        "latest", "--version", "-v", help="Policy version: v1.N or latest."
    ),
    namespace_labels: bool = typer.Option(
        False,
        "--namespace-labels",
        help="Use each Namespace's pod-security.kubernetes.io/enforce[-version] labels; "
        "--level/--version apply to namespaces without them.",
    ),
    fmt: PssFormat = typer.Option(PssFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to a file."),
    max_file_size: int = typer.Option(
        DEFAULT_MAX_FILE_BYTES, "--max-file-size", help="Largest file read, in bytes."
    ),
    no_render: bool = typer.Option(
        False, "--no-render", help="Do not run kubectl kustomize / helm template."
    ),
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
) -> int:
    """Evaluate every pod template exactly as Pod Security Admission would."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    if not paths and live is None:
        raise UsageError(
            "nothing to check",
            "Give files or directories, e.g. `stockade pss k8s/`, or --cluster.",
        )
    try:
        default = NamespacePolicy(parse_level(level), parse_version(version), "default")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    options = LoadOptions(max_file_bytes=max_file_size, render=not no_render)
    source = read_source(paths, live, options)
    loaded, inventory = source.loaded, source.inventory
    # Verdicts depend on the pod-bearing kinds; with --namespace-labels, on Namespaces too.
    kinds = POD_BEARING_KINDS | {"Namespace"} if namespace_labels else POD_BEARING_KINDS
    missing = gaps(source, kinds)
    results = []
    policies: dict[str, NamespacePolicy] = {}
    for pt in sorted(
        inventory.pod_templates(),
        key=lambda p: (p.resource.origin.file, p.resource.origin.line or 0),
    ):
        policy = default
        if namespace_labels:
            policy = policies.get(pt.namespace) or policies.setdefault(
                pt.namespace, _policy_of(inventory, pt.namespace, default)
            )
        results.append(_result(pt, policy))
    report: dict[str, Any] = {
        "level": "namespace-labels" if namespace_labels else default.level.value,
        "version": "namespace-labels" if namespace_labels else str(default.version),
        "results": results,
        "errors": [e.to_json() for e in loaded.errors],
    }
    missing.document(report)
    if namespace_labels:
        report["namespaces"] = [
            {
                "namespace": ns,
                "level": p.level.value,
                "version": str(p.version),
                "policy_source": p.source,
                "note": p.note,
            }
            for ns, p in sorted(policies.items())
        ]
    if fmt is PssFormat.JSON:
        write_output(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n", output)
    elif output is None:
        _table(report, Console(highlight=False))
    else:
        with output.open("w", encoding="utf-8") as fh:
            _table(report, Console(file=fh, no_color=True, width=160))
    if loaded.errors:
        return 2
    return 1 if any(not r["allowed"] for r in results) else 0


def _policy_of(inventory: Inventory, namespace: str, default: NamespacePolicy) -> NamespacePolicy:
    """The namespace's enforce labels; a namespace absent from the inputs gets the default."""
    if inventory.get("Namespace", None, namespace) is None:
        return replace(
            default,
            note=f"Namespace not among the inputs: evaluated at "
            f"{default.level.value}:{default.version}",
        )
    return namespace_policy(inventory.namespace_labels(namespace), default)


def _table(report: dict[str, Any], console: Console) -> None:
    unreadable = [UnreadableKind.from_json(u) for u in report.get("unreadable", [])]
    for line in unreadable_lines(unreadable):
        console.print(Text.assemble(("incomplete: ", "yellow"), line), soft_wrap=True)
    denied = [r for r in report["results"] if not r["allowed"]]
    for r in denied:
        where = f"{r['file']}:{r['line']}" if r["line"] else r["file"]
        console.print(
            Text.assemble(
                ("DENY ", "bold red"),
                (f"{r['kind']}/{r['namespace']}/{r['name']}", "bold"),
                "  ",
                (where, "dim"),
                (f"  [{r['level']}:{r['version']}]", "dim"),
            ),
            soft_wrap=True,
        )
        for v in r["violations"]:
            console.print(
                Text.assemble("  ", (v["check"], "yellow"), f": {v['message']}"), soft_wrap=True
            )
    for ns in report.get("namespaces", []):
        if ns["note"]:
            console.print(
                Text.assemble(("note ", "cyan"), (f"namespace {ns['namespace']}", "bold"))
                + Text(f": {ns['note']}"),
                soft_wrap=True,
            )
    for e in report["errors"]:
        console.print(
            Text(f"error: {e['file']}:{e['line'] or ''}: {e['message']}", style="red"),
            soft_wrap=True,
        )
    console.print(
        f"{len(report['results'])} pod templates, {len(denied)} would be rejected, "
        f"{len(report['results']) - len(denied)} allowed",
        soft_wrap=True,
    )
