"""``stockade pss``: which workloads Pod Security Admission would reject, and why."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.text import Text

from stockade.cli.output import write_output
from stockade.errors import UsageError
from stockade.inventory import Inventory, PodTemplate
from stockade.pss import evaluate_pod, parse_level, parse_version
from stockade.pss.namespaces import NamespacePolicy, namespace_policy
from stockade.sources.files import LoadOptions, load_paths


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
    paths: list[str] = typer.Argument(None, help="Files, directories, globs, or - for stdin."),
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
) -> int:
    """Evaluate every pod template exactly as Pod Security Admission would."""
    if not paths:
        raise UsageError("nothing to check", "Give files or directories, e.g. `stockade pss k8s/`.")
    try:
        default = NamespacePolicy(parse_level(level), parse_version(version), "default")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    loaded = load_paths(paths, LoadOptions())
    inventory = Inventory(loaded.resources)
    results = []
    for pt in sorted(
        inventory.pod_templates(),
        key=lambda p: (p.resource.origin.file, p.resource.origin.line or 0),
    ):
        policy = default
        if namespace_labels:
            policy = namespace_policy(inventory.namespace_labels(pt.namespace), default)
        results.append(_result(pt, policy))
    report = {
        "level": "namespace-labels" if namespace_labels else default.level.value,
        "version": "namespace-labels" if namespace_labels else str(default.version),
        "results": results,
        "errors": [e.to_json() for e in loaded.errors],
    }
    if fmt is PssFormat.JSON:
        write_output(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n", output)
    else:
        _table(
            report,
            Console(highlight=False)
            if output is None
            else Console(file=output.open("w"), no_color=True, width=160),
        )
    if loaded.errors:
        return 2
    return 1 if any(not r["allowed"] for r in results) else 0


def _table(report: dict[str, Any], console: Console) -> None:
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
