"""``stockade pss``: which workloads Pod Security Admission would reject, and why."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.text import Text

from stockade.cli.exit_codes import ExitCode
from stockade.cli.output import write_output
from stockade.errors import UsageError
from stockade.inventory import Inventory
from stockade.model import ScanError
from stockade.pss import Level, PssVersion, parse_level, parse_version
from stockade.pss.namespaces import NamespacePolicy
from stockade.pss.workloads import WorkloadVerdict, evaluate_inventory
from stockade.sources.files import DEFAULT_MAX_FILE_BYTES, LoadOptions, load_paths


class PssFormat(StrEnum):
    """Formats of ``stockade pss``."""

    TABLE = "table"
    JSON = "json"


def _parse(level: str, version: str) -> tuple[Level, PssVersion]:
    try:
        return parse_level(level), parse_version(version)
    except ValueError as exc:
        raise UsageError(str(exc), "Example: --level restricted --version v1.30") from None


def _json(
    level: Level,
    version: PssVersion,
    verdicts: list[WorkloadVerdict],
    policies: list[NamespacePolicy],
    errors: list[ScanError],
    namespace_labels: bool,
) -> str:
    doc: dict[str, object] = {
        "level": level.value,
        "version": str(version),
        "results": [v.to_json(with_policy=namespace_labels) for v in verdicts],
        "errors": [e.to_json() for e in errors],
    }
    if namespace_labels:
        doc["namespaces"] = [p.to_json() for p in policies]
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def _table(
    console: Console,
    level: Level,
    version: PssVersion,
    verdicts: list[WorkloadVerdict],
    policies: list[NamespacePolicy],
    errors: list[ScanError],
) -> None:
    for v in verdicts:
        r = v.template.resource
        where = f"{r.origin.file}:{r.origin.line}" if r.origin.line else r.origin.file
        verdict = Text("allowed", style="green") if v.allowed else Text("DENIED", style="bold red")
        head = Text.assemble(
            verdict, "  ", (r.display(), "bold"), "  ", (f"{v.level.value}:{v.version}", "cyan")
        )
        head.append(f"  {where}", style="dim")
        console.print(head, soft_wrap=True)
        for violation in v.evaluation.violations:
            console.print(
                Text.assemble("    ", (violation.check, "bold"), "  ", violation.message),
                soft_wrap=True,
            )
    notes = [n for p in policies for n in p.notes]
    if notes:
        console.print(Text("Namespaces", style="bold"))
        for note in notes:
            console.print(f"  {note}", highlight=False, markup=False, soft_wrap=True)
    if errors:
        console.print(Text("Input errors", style="bold red"))
        for e in errors:
            where = f"{e.file}:{e.line}" if e.line else e.file
            hint = f" ({e.hint})" if e.hint else ""
            console.print(f"  {where}: {e.message}{hint}", markup=False, soft_wrap=True)
    denied = sum(not v.allowed for v in verdicts)
    policy = "namespace labels" if policies else f"{level.value}:{version}"
    console.print(
        f"{denied} of {len(verdicts)} pod templates would be denied ({policy}); "
        f"{len(errors)} input errors",
        highlight=False,
        soft_wrap=True,
    )


def pss(
    paths: list[str] = typer.Argument(None, help="Files, directories, globs, or - for stdin."),
    level: str = typer.Option(
        "restricted", "--level", "-l", help="privileged, baseline or restricted."
    ),
    version: str = typer.Option(
        "latest", "--version", "-v", help="Policy version v1.0 … v1.37, or latest."
    ),
    namespace_labels: bool = typer.Option(
        False,
        "--namespace-labels",
        help="Judge each namespace at its pod-security.kubernetes.io/enforce[-version] labels; "
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
) -> int:
    """Exact Pod Security Admission verdicts for pods and workload templates, offline."""
    lv, ver = _parse(level, version)
    if not paths:
        raise UsageError(
            "nothing to check",
            "Give files or directories, e.g. `stockade pss k8s/ --level restricted`, or - for stdin.",
        )
    loaded = load_paths(paths, LoadOptions(max_file_bytes=max_file_size, render=not no_render))
    verdicts, policies = evaluate_inventory(
        Inventory(loaded.resources), lv, ver, namespace_labels=namespace_labels
    )
    if fmt is PssFormat.JSON:
        write_output(_json(lv, ver, verdicts, policies, loaded.errors, namespace_labels), output)
    elif output is not None:
        with output.open("w", encoding="utf-8") as fh:
            _table(
                Console(file=fh, no_color=True, width=160),
                lv,
                ver,
                verdicts,
                policies,
                loaded.errors,
            )
    else:
        _table(Console(highlight=False), lv, ver, verdicts, policies, loaded.errors)
    if loaded.errors:
        return ExitCode.ERRORS
    if any(not v.allowed for v in verdicts):
        return ExitCode.FINDINGS
    return ExitCode.OK
