"""``stockade detect``: audit logs in, alerts out; ``detect rules``; ``detect serve``."""

from __future__ import annotations

import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from stockade.cli.errors import command
from stockade.cli.exit_codes import ExitCode
from stockade.detect import BUILTIN_IDS, Detector, DetectSettings, builtin_rules, read_sources
from stockade.detect.alert import Alert
from stockade.detect.follow import follow
from stockade.detect.registry import AuditRule
from stockade.detect.userrules import load_rules_file
from stockade.errors import UsageError
from stockade.model import Severity

_FILES_COMMAND = "files"


class _FilesByDefault(TyperGroup):
    """``stockade detect FILE…`` runs the hidden ``files`` command; names route as usual."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [_FILES_COMMAND, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_FilesByDefault,
    help="Detect high-risk events in Kubernetes audit logs: stockade detect FILE… "
    "(JSON lines, .gz, or - for stdin).",
    no_args_is_help=True,
)


class DetectFormat(StrEnum):
    """Formats of ``stockade detect``."""

    TABLE = "table"
    JSON = "json"


def _rules_and_settings(
    rules_file: Path | None, deployers: list[str], disable: list[str]
) -> tuple[list[AuditRule], DetectSettings]:
    rules: list[AuditRule] = list(builtin_rules())
    settings = DetectSettings()
    if rules_file is not None:
        loaded = load_rules_file(rules_file, set(BUILTIN_IDS))
        rules.extend(loaded.rules)
        if loaded.settings is not None:
            settings = loaded.settings
    known = {r.id for r in rules}
    unknown = sorted(set(disable) - known)
    if unknown:
        raise UsageError(
            f"--disable: no detection rule {', '.join(unknown)}",
            "List the rules with `stockade detect rules`.",
        )
    if deployers or disable:
        settings = DetectSettings(
            system_identities=settings.system_identities,
            deployers=(*settings.deployers, *deployers),
            public_paths=settings.public_paths,
            metrics_paths=settings.metrics_paths,
            privileged_roles=settings.privileged_roles,
            learning_window=settings.learning_window,
            burst_threshold=settings.burst_threshold,
            burst_window=settings.burst_window,
            state_limit=settings.state_limit,
            disabled=(*settings.disabled, *disable),
        )
    return rules, settings


def _alert_line(alert: Alert) -> str:
    res = alert.resource + (f"/{alert.subresource}" if alert.subresource else "")
    target = "/".join(p for p in (alert.namespace, alert.name) if p)
    return (
        f"{alert.time} {alert.severity.value.upper():8} {alert.rule} {alert.user} "
        f"{alert.verb} {res} {target} :: {alert.message}"
    )


def _render_table(alerts: list[Alert], doc: dict[str, Any], console: Console) -> None:
    if alerts:
        table = Table(title=f"{len(alerts)} alerts in {doc['events']} events")
        for col in ("time", "severity", "rule", "user", "message"):
            table.add_column(col, overflow="fold")
        for a in alerts:
            table.add_row(
                escape(a.time), a.severity.value, a.rule, escape(a.user), escape(a.message)
            )
        console.print(table)
    else:
        console.print(f"No alerts in {doc['events']} events.")
    for ne in doc["not_evaluated"]:
        console.print(
            f"not evaluated: {', '.join(ne['rules'])}: {escape(ne['reason'])} "
            f"({ne['events']} events)"
        )
    for err in doc["errors"]:
        where = f"{err['file']}:{err['line']}" if err.get("line") else str(err.get("file"))
        console.print(f"error: {escape(where)}: {escape(err['message'])}")


def _exit_code(alerts: list[Alert], errors: int, fail_on: str) -> int:
    if errors:
        return ExitCode.ERRORS
    if fail_on != "never":
        threshold = Severity(fail_on).rank
        if any(a.severity.rank >= threshold for a in alerts):
            return ExitCode.FINDINGS
    return ExitCode.OK


@app.command(_FILES_COMMAND, hidden=True)
@command
def detect_files(
    paths: list[str] = typer.Argument(..., help="Audit logs (JSON lines, .gz) or - for stdin."),
    fmt: DetectFormat = typer.Option(
        DetectFormat.TABLE, "--format", "-f", help="table, or json (the documented contract)."
    ),
    follow_logs: bool = typer.Option(
        False,
        "--follow",
        help="Keep reading what is appended (survives rotation); alerts are printed as they come.",
    ),
    rules_file: Path | None = typer.Option(
        None, "--rules", help="YAML file of extra rules (CEL) and settings."
    ),
    deployer: list[str] = typer.Option(
        [],
        "--deployer",
        help="Identity allowed to change images (glob; group:NAME for groups). Repeatable.",
    ),
    disable: list[str] = typer.Option([], "--disable", help="Rule id to turn off (repeatable)."),
    fail_on: str = typer.Option(
        "high",
        "--fail-on",
        help="Exit 1 for alerts at or above: low, medium, high, critical, never.",
    ),
) -> None:
    """Read audit logs and print alerts."""
    if fail_on not in ("low", "medium", "high", "critical", "never"):
        raise UsageError(
            f"--fail-on {fail_on!r} is not a severity", "Use low, medium, high, critical or never."
        )
    rules, settings = _rules_and_settings(rules_file, deployer, disable)
    detector = Detector(rules, settings)
    if follow_logs:
        _follow(detector, paths, fmt)
        return
    alerts: list[Alert] = []
    for item in read_sources(paths):
        alerts.extend(detector.feed(item))
    result = detector.result(alerts)
    doc = result.to_json()
    if fmt is DetectFormat.JSON:
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _render_table(alerts, doc, Console(highlight=False))
    raise typer.Exit(_exit_code(alerts, len(result.errors), fail_on))


def _follow(detector: Detector, paths: list[str], fmt: DetectFormat) -> None:
    if "-" in paths:
        raise UsageError("--follow reads files, not stdin", "Pipe without --follow instead.")
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    for item in follow(paths, stop=lambda: bool(stopping)):
        if item.error is not None:
            sys.stderr.write(
                f"stockade: {item.error.file}:{item.error.line}: {item.error.message}\n"
            )
        for alert in detector.feed(item):
            line = (
                orjson.dumps(alert.to_json()).decode()
                if fmt is DetectFormat.JSON
                else _alert_line(alert)
            )
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


@app.command("rules")
@command
def list_rules(
    fmt: DetectFormat = typer.Option(DetectFormat.TABLE, "--format", "-f", help="Output format."),
    rules_file: Path | None = typer.Option(None, "--rules", help="Also list these user rules."),
) -> None:
    """List detection rules with their MITRE ATT&CK technique ids."""
    rules, _ = _rules_and_settings(rules_file, [], [])
    if fmt is DetectFormat.JSON:
        sys.stdout.write(
            orjson.dumps([r.to_json() for r in rules], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        return
    console = Console(highlight=False)
    table = Table(title=f"{len(rules)} detection rules")
    for col in ("id", "severity", "MITRE ATT&CK", "needs level", "title"):
        table.add_column(col, overflow="fold")
    for r in rules:
        table.add_row(r.id, r.severity.value, ", ".join(r.mitre), r.needs_level, escape(r.title))
    console.print(table)
    console.print(
        "Not visible in audit logs (needs runtime or network telemetry): shells "
        "inside containers (T1059, except exec commands), instance metadata "
        "(T1552.005), network scanning (T1046), direct kubelet API calls."
    )


@app.command("serve")
@command
def serve(
    tls_cert: Path = typer.Option(..., "--tls-cert", help="Server certificate (PEM)."),
    tls_key: Path = typer.Option(..., "--tls-key", help="Server private key (PEM)."),
    port: int = typer.Option(8444, "--port", help="Port to listen on."),
    host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on."),
    spool: Path = typer.Option(..., "--spool", help="Spool directory (durable queue + alerts)."),
    client_ca: Path | None = typer.Option(
        None,
        "--client-ca",
        help="Require client certificates signed by this CA (the API server's).",
    ),
    rules_file: Path | None = typer.Option(None, "--rules", help="Extra rules and settings."),
    deployer: list[str] = typer.Option([], "--deployer", help="Allowed image deployer."),
    max_pending: int = typer.Option(
        1000, "--max-pending", help="Spooled batches before answering 429."
    ),
) -> None:
    """HTTPS receiver for the API server's audit webhook backend."""
    from stockade.detect.server import run_server

    for path in (tls_cert, tls_key, *([client_ca] if client_ca else [])):
        if not path.is_file():
            raise UsageError(f"{path}: no such file", "Give PEM files for TLS.")
    rules, settings = _rules_and_settings(rules_file, deployer, [])

    def emit(alert: Alert) -> None:
        sys.stdout.write(orjson.dumps(alert.to_json()).decode() + "\n")
        sys.stdout.flush()

    run_server(
        spool_dir=spool,
        rules=rules,
        settings=settings,
        host=host,
        port=port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        client_ca=client_ca,
        max_pending=max_pending,
        on_alert=emit,
    )
