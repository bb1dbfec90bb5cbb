"""Audit-log detection: high-risk events in Kubernetes audit logs, explained as alerts.

Example::

    from stockade.detect import builtin_rules, detect, read_sources
    result = detect(read_sources(["audit.log"]), builtin_rules())
    for alert in result.alerts:
        print(alert.rule, alert.user, alert.message)
"""

from stockade.detect.alert import Alert
from stockade.detect.catalogue import BUILTIN_IDS, builtin_rules
from stockade.detect.engine import Detector, DetectResult, detect
from stockade.detect.event import AuditEvent
from stockade.detect.readers import ReadItem, read_lines, read_source, read_sources
from stockade.detect.registry import AuditRule
from stockade.detect.settings import DetectSettings

__all__ = [
    "BUILTIN_IDS",
    "Alert",
    "AuditEvent",
    "AuditRule",
    "DetectResult",
    "DetectSettings",
    "Detector",
    "ReadItem",
    "builtin_rules",
    "detect",
    "read_lines",
    "read_source",
    "read_sources",
]
