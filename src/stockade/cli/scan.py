"""``stockade scan``: manifests (or a cluster) in, findings out."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from stockade.cli.output import write_report
from stockade.cli.source import (
    CLUSTER,
    CONTEXT,
    KUBECONFIG,
    NAMESPACE,
    cluster_options,
    cluster_progress,
)
from stockade.cli.table import render_table
from stockade.errors import ConfigError, UsageError
from stockade.policy.config import Config, load_config
from stockade.policy.gate import FAIL_ON_CHOICES, gate
from stockade.report import OutputFormat, reporter_for
from stockade.rules.catalogue import load_catalogue
from stockade.scan import ScanSettings, scan_load_result
from stockade.sources.files import DEFAULT_MAX_FILE_BYTES, LoadOptions, LoadResult
from stockade.sources.nodefiles import load_node
from stockade.sources.select import load_inventory


class ScanFormat(StrEnum):
    """Formats of ``stockade scan``."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


def _merge_cli(
    config: Config,
    fail_on: str | None,
    allowed_registries: list[str],
    disable: list[str],
    enable: list[str],
    skip_namespaces: list[str],
) -> Config:
    data = config.model_dump()
    if fail_on is not None:
        if fail_on not in FAIL_ON_CHOICES:
            raise UsageError(
                f"--fail-on {fail_on!r} is not one of {', '.join(FAIL_ON_CHOICES)}",
                "Example: --fail-on critical, or --fail-on never to always exit 0.",
            )
        data["fail_on"] = fail_on
    data["images"]["allowed_registries"] = [
        *data["images"]["allowed_registries"],
        *allowed_registries,
    ]
    data["rules"]["disable"] = [*data["rules"]["disable"], *disable]
    data["rules"]["enable"] = [*data["rules"]["enable"], *enable]
    data["namespaces"]["skip"] = [*data["namespaces"]["skip"], *skip_namespaces]
    return Config.model_validate(data)


def scan(
    paths: list[str] = typer.Argument(
        None, help="Files, directories, globs, snapshots, or - for stdin."
    ),
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
    fmt: ScanFormat = typer.Option(ScanFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to a file."),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 at or above: low, medium, high (default), critical, never."
    ),
    config_path: Path | None = typer.Option(None, "--config", "-c", help="Configuration file."),
    allowed_registry: list[str] = typer.Option(
        [], "--allowed-registry", help="Allowed image registry or repository prefix (repeatable)."
    ),
    disable: list[str] = typer.Option([], "--disable", help="Rule id to turn off (repeatable)."),
    enable: list[str] = typer.Option(
        [], "--enable", help="Opt-in rule id to turn on (repeatable)."
    ),
    skip_namespace: list[str] = typer.Option(
        [], "--skip-namespace", help="Namespace not to scan (repeatable)."
    ),
    max_file_size: int = typer.Option(
        DEFAULT_MAX_FILE_BYTES, "--max-file-size", help="Largest file read, in bytes."
    ),
    no_render: bool = typer.Option(
        False, "--no-render", help="Do not run kubectl kustomize / helm template."
    ),
    explain: bool = typer.Option(False, "--explain", help="Table: add how to fix each rule."),
    node: Path | None = typer.Option(
        None,
        "--node",
        help="Node root (/ on the node, or a copy): read static pods, kubelet config and flags.",
    ),
) -> int:
    """Scan Kubernetes manifests, a snapshot or a live cluster and report security findings."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    if not paths and live is None and node is None:
        raise UsageError(
            "nothing to scan",
            "Give files or directories, e.g. `stockade scan k8s/`, - for stdin, or --cluster.",
        )
    config, _ = load_config(config_path, paths or [])
    config = _merge_cli(config, fail_on, allowed_registry, disable, enable, skip_namespace)
    registry = load_catalogue()
    unknown = config.unknown_rule_ids(set(registry.ids()))
    if unknown:
        raise ConfigError(
            f"unknown rule id(s): {', '.join(unknown)}",
            "List the rules with `stockade rules list`.",
        )
    options = LoadOptions(max_file_bytes=max_file_size, render=not no_render)
    loaded, inventory = LoadResult(), None
    if paths or live is not None:
        with cluster_progress(live is not None) as observer:
            source = load_inventory(paths or [], live, load_options=options, observer=observer)
        loaded, inventory = source.loaded, source.inventory
    if node is not None:
        loaded.extend(load_node(node, options))
        inventory = None  # rebuilt from everything loaded
    result = scan_load_result(
        loaded, ScanSettings(config=config, hardening=node is not None), inventory
    )
    if fmt is ScanFormat.TABLE:
        if output is not None:
            with output.open("w", encoding="utf-8") as fh:
                render_table(result, Console(file=fh, no_color=True, width=160), explain=explain)
        else:
            render_table(result, Console(highlight=False), explain=explain)
    else:
        write_report(reporter_for(OutputFormat(fmt.value)), result, registry, output)
        if output is not None or not sys.stdout.isatty():
            from stockade.cli.table import summary_line

            Console(stderr=True, highlight=False).print(summary_line(result), soft_wrap=True)
    return gate(result, config.fail_on)
