"""The JSON report: the documented contract in docs/json-output.md, keys sorted."""

from __future__ import annotations

from typing import Any

import orjson

from stockade import __version__
from stockade.model import ScanResult
from stockade.rules.registry import Registry


def result_to_json(result: ScanResult) -> dict[str, Any]:
    """The report as plain data."""
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
        "findings": [f.to_json() for f in result.findings],
        "errors": [e.to_json() for e in result.errors],
        "not_evaluated": [n.to_json() for n in result.not_evaluated],
    }
    if result.exceptions:
        out["exceptions"] = result.exceptions
    return out


class JsonReporter:
    """JSON, indented, with sorted keys for stable diffs."""

    def format(self, result: ScanResult, registry: Registry) -> str:
        """The whole report."""
        data = result_to_json(result)
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
