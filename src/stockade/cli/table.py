"""The terminal table: findings grouped by resource, coloured on a terminal, a summary line."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from stockade.model import Finding, ScanResult, Severity

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def severity_badge(sev: Severity) -> Text:
    """A fixed-width coloured severity label."""
    return Text(f"{sev.value.upper():<8}", style=SEVERITY_STYLE[sev])


def render_table(result: ScanResult, console: Console, *, explain: bool = False) -> None:
    """Print findings grouped by resource, then errors, then a summary line."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in result.findings:
        file = f.location.file or "<cluster>"
        groups[(file, f.resource.display())].append(f)
    for (file, resource), findings in groups.items():
        first = min((f.location.line or 0) for f in findings)
        where = f"{file}:{first}" if first else file
        console.print(Text.assemble((resource, "bold"), "  ", (where, "dim")))
        for f in sorted(findings, key=lambda f: (-f.severity.rank, f.rule, f.location.line or 0)):
            head = Text("  ")
            head.append_text(severity_badge(f.severity))
            head.append(f" {f.rule}", style="bold" if f.waiver is None else "dim")
            if f.location.line:
                head.append(f"  line {f.location.line}", style="dim")
            head.append(f"  {f.location.path}", style="dim")
            console.print(head, soft_wrap=True)
            body = Text("            " + f.message, style="" if f.waiver is None else "dim")
            if f.waiver is not None:
                body.append(f"  [waived: {f.waiver.reason}]", style="green")
            console.print(body, soft_wrap=True)
        console.print()
    rules = {f.rule: f for f in result.active()}
    if rules and explain:
        console.print(Text("How to fix", style="bold underline"))
        for rule_id in sorted(rules):
            f = rules[rule_id]
            console.print(Text.assemble(("  " + rule_id, "bold"), f" — {f.title}"))
            console.print(f"    {escape(f.remediation)}", highlight=False)
        console.print()
    if result.errors:
        console.print(Text("Input errors", style="bold red"))
        for e in result.errors:
            where = f"{e.file}:{e.line}" if e.line else e.file
            console.print(Text.assemble("  ", (where, "bold"), f": {e.message}"))
            if e.hint:
                console.print(Text(f"    {e.hint}", style="dim"))
        console.print()
    for n in result.not_evaluated:
        console.print(
            Text(f"not evaluated: {', '.join(n.rules)}: {n.reason}", style="yellow"),
            highlight=False,
        )
    for exc in result.exceptions:
        if exc["status"] != "active":
            console.print(
                Text(
                    f"exception {exc['id']} is {exc['status']} (owner {exc['owner']})",
                    style="yellow",
                )
            )
    console.print(summary_line(result), highlight=False, soft_wrap=True)


def summary_line(result: ScanResult) -> Text:
    """``42 resources, 17 findings (1 critical, …), 2 waived, 0 errors``."""
    counts = result.by_severity()
    text = Text(f"{result.resources} resources, {len(result.active())} findings (")
    parts = [s for s in reversed(list(Severity))]
    for i, sev in enumerate(parts):
        text.append(
            f"{counts[sev.value]} {sev.value}",
            style=SEVERITY_STYLE[sev] if counts[sev.value] else "dim",
        )
        if i < len(parts) - 1:
            text.append(", ")
    text.append(f"), {len(result.waived())} waived, {len(result.errors)} errors")
    if result.skipped_documents:
        text.append(f", {result.skipped_documents} non-Kubernetes documents skipped")
    return text
