"""SARIF 2.1.0, as code-scanning services read it.

Paths are relative to the working directory (forward slashes) so findings land on the right
line in pull requests; waived findings are kept as suppressed results; input errors become
tool notifications.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from stockade import __version__
from stockade.model import Finding, ScanResult, Severity
from stockade.rules.registry import Registry, RuleMeta

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
# GitHub's security-severity scale: critical >= 9.0, high >= 7.0, medium >= 4.0.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}


def artifact_uri(file: str | None) -> str | None:
    """A relative, forward-slash URI for a file when it is below the working directory."""
    if not file or file.startswith("<"):
        return None
    p = Path(file)
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve()) if p.is_absolute() else p
    except ValueError:
        return p.resolve().as_uri()
    return rel.as_posix() if os.sep == "/" else str(rel).replace(os.sep, "/")


def _rule_descriptor(meta: RuleMeta) -> dict[str, Any]:
    tags = ["security", meta.category.value]
    for key in ("cis", "nsa", "owasp", "mitre"):
        tags.extend(f"{key}:{v}" for v in meta.frameworks.get(key, []))
    if meta.frameworks.get("pss"):
        tags.append(f"pss:{meta.frameworks['pss']}")
    return {
        "id": meta.id,
        "name": "".join(part.capitalize() for part in meta.id.split("-")),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.description or meta.title},
        "help": {"text": meta.remediation, "markdown": f"**Fix:** {meta.remediation}"},
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "security-severity": _SECURITY_SEVERITY[meta.severity],
        },
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {}
    uri = artifact_uri(f.location.file)
    if uri is not None:
        physical["artifactLocation"] = {"uri": uri}
        if f.location.line:
            physical["region"] = {"startLine": f.location.line}
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": f.resource.display(),
                "fullyQualifiedName": f"{f.resource.display()}:{f.location.path}",
                "kind": "resource",
            }
        ]
    }
    if physical:
        location["physicalLocation"] = physical
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.resource.display()}: {f.message}"},
        "locations": [location],
        "partialFingerprints": {"stockade/v1": f.fingerprint},
        "properties": {"severity": f.severity.value, "path": f.location.path},
    }
    if f.rule in index:
        out["ruleIndex"] = index[f.rule]
    if f.waiver is not None:
        out["suppressions"] = [
            {
                "kind": "inSource" if f.waiver.source == "annotation" else "external",
                "justification": f.waiver.reason,
            }
        ]
    return out


class SarifReporter:
    """SARIF 2.1.0 log with one run."""

    def format(self, result: ScanResult, registry: Registry) -> str:
        """The whole report."""
        used = sorted({f.rule for f in result.findings})
        metas = [r.meta for r in registry if r.id in used]
        index = {m.id: i for i, m in enumerate(metas)}
        notifications = [
            {
                "level": "error",
                "message": {"text": e.message + (f" — {e.hint}" if e.hint else "")},
                **(
                    {
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": uri},
                                    **({"region": {"startLine": e.line}} if e.line else {}),
                                }
                            }
                        ]
                    }
                    if (uri := artifact_uri(e.file))
                    else {}
                ),
            }
            for e in result.errors
        ]
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "stockade",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "rules": [_rule_descriptor(m) for m in metas],
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "toolExecutionNotifications": notifications,
                        }
                    ],
                    "results": [_result(f, index) for f in result.findings],
                    "columnKind": "unicodeCodePoints",
                }
            ],
        }
        return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"

    def write(self, result: ScanResult, registry: Registry, out: BinaryIO) -> None:
        """Write the report to a binary stream."""
        out.write(self.format(result, registry).encode())
