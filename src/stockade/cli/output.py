"""Writing reports to stdout or a file."""

from __future__ import annotations

import sys
from pathlib import Path

from stockade.model import ScanResult
from stockade.report import Reporter
from stockade.rules.registry import Registry


def write_output(text: str, output: Path | None) -> None:
    """Write text to ``output`` or stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


def write_report(
    reporter: Reporter, result: ScanResult, registry: Registry, output: Path | None
) -> None:
    """Stream a report to ``output`` or stdout without building it whole in memory."""
    if output is not None:
        with output.open("wb") as fh:
            reporter.write(result, registry, fh)
        return
    sys.stdout.flush()
    reporter.write(result, registry, sys.stdout.buffer)
    sys.stdout.buffer.flush()
