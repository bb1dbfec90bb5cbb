"""``stockade rules``: the catalogue, listed and explained; also the generated docs."""

from __future__ import annotations

from enum import StrEnum

import orjson
import typer
from rich.console import Console
from rich.table import Table

from stockade.cli.errors import command
from stockade.errors import UsageError
from stockade.rules.catalogue import load_catalogue
from stockade.rules.docs import rule_to_json, rules_markdown

app = typer.Typer(help="List and explain the rule catalogue.", no_args_is_help=True)


class RulesFormat(StrEnum):
    """Formats of ``stockade rules list``."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


@app.command("list")
@command
def list_rules(
    fmt: RulesFormat = typer.Option(RulesFormat.TABLE, "--format", "-f", help="Output format."),
) -> None:
    """Every rule with its severity, category and frameworks."""
    registry = load_catalogue()
    if fmt is RulesFormat.JSON:
        data = [rule_to_json(r.meta) for r in registry]
        typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    if fmt is RulesFormat.MARKDOWN:
        typer.echo(rules_markdown(registry), nl=False)
        return
    table = Table(title=f"{len(registry)} rules")
    for col in ("id", "severity", "category", "title"):
        table.add_column(col)
    for r in registry:
        table.add_row(r.id, r.meta.severity.value, r.meta.category.value, r.meta.title)
    Console().print(table)


@app.command("show")
@command
def show_rule(rule_id: str = typer.Argument(..., help="Rule id.")) -> None:
    """One rule in full: what it checks, why, how to fix, framework mappings."""
    rule = load_catalogue().get(rule_id)
    if rule is None:
        raise UsageError(f"no rule {rule_id!r}", "List the rules with `stockade rules list`.")
    m = rule.meta
    console = Console(highlight=False)
    console.print(f"[bold]{m.id}[/bold] — {m.title}")
    console.print(
        f"severity: {m.severity.value}   category: {m.category.value}   target: {m.target.value}"
    )
    if m.description:
        console.print(f"checks: {m.description}")
    console.print(f"fix: {m.remediation}")
    for key, values in sorted(m.frameworks.items()):
        if values:
            console.print(f"{key}: {', '.join(values) if isinstance(values, list) else values}")
