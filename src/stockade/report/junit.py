"""JUnit XML: one test case per rule and resource, failed when the rule found something."""

from __future__ import annotations

from collections import defaultdict
from typing import BinaryIO
from xml.etree import ElementTree as ET

from stockade.model import Finding, ScanResult
from stockade.rules.registry import Registry


class JunitReporter:
    """JUnit XML for CI systems that show test reports."""

    def format(self, result: ScanResult, registry: Registry) -> str:
        """The whole report."""
        cases: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for f in result.findings:
            cases[(f.rule, f.resource.display())].append(f)
        suite = ET.Element(
            "testsuite",
            name="stockade",
            tests=str(len(cases) + len(result.errors)),
            failures=str(sum(1 for fs in cases.values() if any(f.waiver is None for f in fs))),
            errors=str(len(result.errors)),
            skipped=str(sum(1 for fs in cases.values() if all(f.waiver for f in fs))),
        )
        for (rule_id, resource), findings in sorted(cases.items()):
            case = ET.SubElement(suite, "testcase", classname=rule_id, name=resource)
            active = [f for f in findings if f.waiver is None]
            if not active:
                ET.SubElement(
                    case,
                    "skipped",
                    message="waived: " + (findings[0].waiver.reason if findings[0].waiver else ""),
                )
                continue
            worst = max(active, key=lambda f: f.severity.rank)
            failure = ET.SubElement(
                case,
                "failure",
                message=f"[{worst.severity}] {worst.title}",
                type=worst.severity.value,
            )
            failure.text = (
                "\n".join(
                    f"{f.location.file}:{f.location.line} {f.location.path}: {f.message}"
                    for f in active
                )
                + f"\nRemediation: {worst.remediation}"
            )
        for i, err in enumerate(result.errors):
            case = ET.SubElement(suite, "testcase", classname="input", name=f"{err.file}#{i}")
            e = ET.SubElement(case, "error", message=err.message)
            e.text = f"{err.file}:{err.line or ''} {err.message}" + (
                f"\n{err.hint}" if err.hint else ""
            )
        suites = ET.Element("testsuites")
        suites.append(suite)
        ET.indent(suites)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(suites, encoding="unicode")
            + "\n"
        )

    def write(self, result: ScanResult, registry: Registry, out: BinaryIO) -> None:
        """Write the report to a binary stream."""
        out.write(self.format(result, registry).encode())
