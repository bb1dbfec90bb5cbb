"""The JSON report: the documented contract in docs/json-output.md, keys sorted.

Findings are written one at a time, so memory does not double for large reports.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from stockade import __version__
from stockade.model import ScanResult
from stockade.report.streaming import write_json
from stockade.rules.registry import Registry


def _fields(result: ScanResult) -> dict[str, Any]:
    active = result.active()
    out: dict[str, Any] = {
        "tool": {"name": "stockade", "version": __version__},
        "summary": {
            "resources": result.resources,
            "files": result.files,
            "skipped_documents": result.skipped_documents,
            "findings": len(active),
            "waived": len(result.findings) - len(active),
            "errors": len(result.errors),
            "by_severity": result.by_severity(),
        },
        "errors": [e.to_json() for e in result.errors],
        "not_evaluated": [n.to_json() for n in result.not_evaluated],
    }
    if result.exceptions:
        out["exceptions"] = result.exceptions
    return out


def result_to_json(result: ScanResult) -> dict[str, Any]:
    """The report as plain data."""
    return {**_fields(result), "findings": [f.to_json() for f in result.findings]}


class JsonReporter:
    """JSON, indented, with sorted keys for stable diffs."""

    def write(self, result: ScanResult, registry: Registry, out: BinaryIO) -> None:
        """Write the report to a binary stream."""
        write_json(out, _fields(result), {"findings": (f.to_json() for f in result.findings)})

    def format(self, result: ScanResult, registry: Registry) -> str:
        """The whole report."""
        buf = io.BytesIO()
        self.write(result, registry, buf)
        return buf.getvalue().decode()
