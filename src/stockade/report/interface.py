"""The reporter interface and the format enum, kept exhaustive by mypy."""

from __future__ import annotations

from enum import StrEnum
from typing import BinaryIO, Protocol, assert_never

from stockade.model import ScanResult
from stockade.rules.registry import Registry


class Reporter(Protocol):
    """Turns a scan result into text for one format."""

    def format(self, result: ScanResult, registry: Registry) -> str:
        """The whole report."""
        ...

    def write(self, result: ScanResult, registry: Registry, out: BinaryIO) -> None:
        """Write the report to a binary stream (large reports are streamed)."""
        ...


class OutputFormat(StrEnum):
    """Machine-readable formats; the table is rendered by the CLI."""

    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


def reporter_for(fmt: OutputFormat) -> Reporter:
    """The reporter of a format."""
    from stockade.report import json_report, junit, sarif

    if fmt is OutputFormat.JSON:
        return json_report.JsonReporter()
    if fmt is OutputFormat.SARIF:
        return sarif.SarifReporter()
    if fmt is OutputFormat.JUNIT:
        return junit.JunitReporter()
    assert_never(fmt)
