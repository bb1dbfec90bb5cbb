"""User detection rules in YAML, with conditions in CEL (the Common Expression Language).

CEL is the language Kubernetes itself uses (ValidatingAdmissionPolicy, CRD validation), so a
condition reads like one written for the API server. Expressions are compiled when the file
is loaded: a syntax error stops the run with the file, rule and parser message, never later.

Variables a condition can use: ``event`` (the audit Event as JSON, without Secret data or
issued tokens), and the shortcuts ``user``, ``groups``, ``verb``, ``resource``,
``subresource``, ``ns`` (``namespace`` is reserved in CEL), ``name``, ``code`` (0 when
unknown), ``dryRun`` and
``system`` (the user is a control-plane, node or kube-system identity). Messages are
templates over a fixed set of request fields, so an alert can never echo a body value.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cel
import yaml

from stockade.detect.event import LEVELS, AuditEvent
from stockade.detect.registry import (
    COMPLETE,
    MITRE_ID,
    RULE_ID,
    AuditRule,
    DetectContext,
    Hit,
    Outcome,
    Unevaluated,
)
from stockade.detect.settings import DetectSettings
from stockade.errors import ConfigError
from stockade.model import Severity

MESSAGE_FIELDS = frozenset(
    {
        "user",
        "verb",
        "group",
        "resource",
        "subresource",
        "namespace",
        "name",
        "code",
        "sourceIP",
        "userAgent",
        "auditID",
        "stage",
    }
)
SHORTCUTS = frozenset(
    {
        "user",
        "groups",
        "verb",
        "resource",
        "subresource",
        "ns",
        "name",
        "code",
        "dryRun",
        "system",
    }
)
_RULE_KEYS = frozenset(
    {
        "id",
        "title",
        "severity",
        "mitre",
        "remediation",
        "description",
        "match",
        "condition",
        "message",
        "stages",
        "include_failed",
        "include_dry_run",
        "include_system",
        "needs_level",
    }
)
_MATCH_KEYS = frozenset({"verbs", "resources"})
_STAGES = frozenset({"ResponseStarted", "ResponseComplete", "Panic"})
_EVENT_FIELD = re.compile(r"\bevent\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_BARE_EVENT = re.compile(r"\bevent\b(?!\s*\.)")
# Macro variables (``list.exists(c, …)``) are reported as variables by the compiler.
_MACRO_VARS = re.compile(
    r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,"
)
_HINT = "See docs/detect.md, section 'Your own rules'."


def _redacted_body(body: Any) -> Any:
    """A body without secret values: Secret data, SecretList items' data, TokenRequest tokens."""
    if not isinstance(body, dict):
        return body
    kind = body.get("kind")
    if kind == "Secret":
        return {k: v for k, v in body.items() if k not in ("data", "stringData")}
    if kind in ("SecretList", "List") and isinstance(body.get("items"), list):
        return {**body, "items": [_redacted_body(i) for i in body["items"]]}
    if kind == "TokenRequest" and isinstance(body.get("status"), dict):
        status = {k: v for k, v in body["status"].items() if k != "token"}
        return {**body, "status": status}
    return body


@dataclass(frozen=True, slots=True)
class CelCondition:
    """A compiled condition and the parts of the event it reads (to convert only those)."""

    source: str
    program: Any
    variables: frozenset[str]
    event_fields: frozenset[str] | None  # None: the whole event

    def activation(self, event: AuditEvent, ctx: DetectContext) -> dict[str, Any]:
        """The variables the expression uses, built from the event."""
        act: dict[str, Any] = {}
        if "event" in self.variables:
            raw = event.raw
            keys = raw.keys() if self.event_fields is None else self.event_fields
            view: dict[str, Any] = {}
            for k in keys:
                if k in raw:
                    v = raw[k]
                    view[k] = _redacted_body(v) if k in ("requestObject", "responseObject") else v
            act["event"] = view
        for var in self.variables & SHORTCUTS:
            act[var] = _shortcut(var, event, ctx)
        return act

    def matches(self, event: AuditEvent, ctx: DetectContext) -> bool | str:
        """True/False, or a reason string when the condition could not be evaluated."""
        try:
            value = self.program.execute(self.activation(event, ctx))
        except KeyError:
            return False  # a field the event does not have: the condition does not hold
        except (RuntimeError, TypeError, ValueError) as exc:
            return f"condition raised {type(exc).__name__}; check it against the Event fields"
        if not isinstance(value, bool):
            return f"condition returned {type(value).__name__}, not a boolean"
        return value


def _shortcut(var: str, event: AuditEvent, ctx: DetectContext) -> Any:
    if var == "user":
        return event.username
    if var == "groups":
        return event.groups
    if var == "verb":
        return event.verb
    if var == "resource":
        return event.resource
    if var == "subresource":
        return event.subresource
    if var == "ns":
        return event.namespace
    if var == "name":
        return event.name
    if var == "code":
        return event.code or 0
    if var == "dryRun":
        return event.dry_run
    return ctx.settings.is_system(event.username)


def compile_condition(source: str, where: str) -> CelCondition:
    """Compile a CEL expression; a syntax error is a `ConfigError` naming ``where``."""
    try:
        program = cel.compile(source)
    except ValueError as exc:
        first = str(exc).splitlines()
        raise ConfigError(f"{where}: invalid CEL condition: {' '.join(first[:3])}", _HINT) from None
    variables = frozenset(program.references().get("variables", ()))
    variables -= frozenset(_MACRO_VARS.findall(source))
    unknown = sorted(variables - SHORTCUTS - {"event"})
    if unknown:
        raise ConfigError(
            f"{where}: unknown variable(s) {', '.join(unknown)} in condition",
            "Use event.<field> or one of: " + ", ".join(sorted(SHORTCUTS)) + ".",
        )
    fields: frozenset[str] | None = frozenset(_EVENT_FIELD.findall(source))
    if _BARE_EVENT.search(source):
        fields = None
    return CelCondition(source, program, variables, fields)


def _message_fields(event: AuditEvent) -> dict[str, str]:
    ips = event.source_ips
    return {
        "user": event.username,
        "verb": event.verb,
        "group": event.group,
        "resource": event.resource,
        "subresource": event.subresource,
        "namespace": event.namespace,
        "name": event.name,
        "code": str(event.code or ""),
        "sourceIP": ips[-1] if ips else "",
        "userAgent": event.user_agent,
        "auditID": event.audit_id,
        "stage": event.stage,
    }


def _check_template(template: str, where: str) -> None:
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid message template: {exc}", _HINT) from None
    bad = sorted({n for n in names if n not in MESSAGE_FIELDS})
    if bad:
        raise ConfigError(
            f"{where}: message uses unknown field(s) {', '.join(bad) or '{}'}",
            "Message fields: " + ", ".join(sorted(MESSAGE_FIELDS)) + ".",
        )


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings", _HINT)
    return value


def build_rule(spec: Any, where: str, taken: set[str]) -> AuditRule:
    """One user rule from its YAML mapping; every problem is a `ConfigError`."""
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: a rule must be a mapping", _HINT)
    unknown = sorted(set(spec) - _RULE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}",
            "Rule keys: " + ", ".join(sorted(_RULE_KEYS)) + ".",
        )
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise ConfigError(f"{where}: id must be kebab-case (e.g. namespace-deleted)", _HINT)
    where = f"{where} ({rule_id})"
    if rule_id in taken:
        raise ConfigError(f"{where}: rule id already used", "Rule ids must be unique.")
    for key in ("title", "remediation", "condition"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise ConfigError(f"{where}: {key} is required", _HINT)
    try:
        severity = Severity(str(spec.get("severity", "medium")))
    except ValueError:
        raise ConfigError(f"{where}: severity must be low, medium, high or critical") from None
    mitre = _str_list(spec.get("mitre", []), f"{where}: mitre")
    bad = [m for m in mitre if not MITRE_ID.match(m)]
    if bad:
        raise ConfigError(
            f"{where}: not ATT&CK technique ids: {', '.join(bad)}",
            "Use ids such as T1609 or T1552.007.",
        )
    match = spec.get("match", {})
    if not isinstance(match, dict) or set(match) - _MATCH_KEYS:
        raise ConfigError(f"{where}: match takes only verbs and resources", _HINT)
    verbs = _str_list(match["verbs"], f"{where}: match.verbs") if "verbs" in match else None
    resources = None
    if "resources" in match:
        resources = [
            (r.partition("/")[0], r.partition("/")[2])
            for r in _str_list(match["resources"], f"{where}: match.resources")
        ]
    stages = frozenset(_str_list(spec.get("stages", sorted(COMPLETE)), f"{where}: stages"))
    if not stages or stages - _STAGES:
        raise ConfigError(f"{where}: stages must be among {', '.join(sorted(_STAGES))}")
    needs = spec.get("needs_level", "Metadata")
    if needs not in LEVELS[1:]:
        raise ConfigError(f"{where}: needs_level must be Metadata, Request or RequestResponse")
    message = spec.get("message", "{user} {verb} {resource} {namespace}/{name}")
    if not isinstance(message, str):
        raise ConfigError(f"{where}: message must be a string", _HINT)
    _check_template(message, where)
    condition = compile_condition(spec["condition"], where)
    flags = {}
    for key in ("include_failed", "include_dry_run", "include_system"):
        value = spec.get(key, key == "include_system")
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false")
        flags[key] = value

    def evaluate(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
        if not event.level_at_least(needs):
            yield Unevaluated(f"logged at {event.level} level; the rule needs {needs}")
            return
        verdict = condition.matches(event, ctx)
        if isinstance(verdict, str):
            yield Unevaluated(verdict)
        elif verdict:
            yield Hit(message.format_map(_message_fields(event)))

    return AuditRule(
        id=rule_id,
        title=spec["title"].strip(),
        severity=severity,
        mitre=tuple(mitre),
        remediation=spec["remediation"].strip(),
        description=str(spec.get("description", spec["title"])).strip(),
        function=evaluate,
        resources=frozenset((r[0], r[1]) for r in resources) if resources is not None else None,
        verbs=frozenset(verbs) if verbs is not None else None,
        stages=stages,
        skip_failed=not flags["include_failed"],
        skip_dry_run=not flags["include_dry_run"],
        skip_system=not flags["include_system"],
        needs_level=needs,
        builtin=False,
    )


@dataclass(frozen=True, slots=True)
class RulesFile:
    """What a rules file holds: user rules and, optionally, settings for the built-ins."""

    rules: tuple[AuditRule, ...]
    settings: DetectSettings | None


def parse_rules(text: str, source: str, builtin_ids: set[str]) -> RulesFile:
    """Parse a rules file's text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}{line}: invalid YAML", _HINT) from None
    if data is None:
        data = {}
    if not isinstance(data, dict) or set(data) - {"rules", "settings"}:
        raise ConfigError(f"{source}: expected a mapping with 'rules' and/or 'settings'", _HINT)
    settings = None
    if "settings" in data:
        if not isinstance(data["settings"], dict):
            raise ConfigError(f"{source}: settings must be a mapping", _HINT)
        settings = DetectSettings.from_mapping(data["settings"], f"{source}: settings")
    specs = data.get("rules", [])
    if not isinstance(specs, list):
        raise ConfigError(f"{source}: rules must be a list", _HINT)
    taken = set(builtin_ids)
    rules: list[AuditRule] = []
    for i, spec in enumerate(specs):
        rule = build_rule(spec, f"{source}: rules[{i}]", taken)
        taken.add(rule.id)
        rules.append(rule)
    return RulesFile(tuple(rules), settings)


def load_rules_file(path: Path, builtin_ids: set[str]) -> RulesFile:
    """Read and parse a rules file (``stockade detect --rules FILE``)."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read rules file {path}: {exc.strerror}", "Check the --rules path."
        ) from None
    return parse_rules(text, str(path), builtin_ids)
