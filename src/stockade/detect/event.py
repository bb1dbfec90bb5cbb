"""One Kubernetes audit event (``audit.k8s.io`` ``Event``), read without copying.

Spec (``apiserver-audit.v1`` reference): ``level`` (None, Metadata, Request, RequestResponse),
``auditID`` (shared by the stage events of one request), ``stage`` (RequestReceived,
ResponseStarted, ResponseComplete, Panic), ``requestURI``, ``verb``, ``user`` (UserInfo),
``impersonatedUser``, ``sourceIPs``, ``userAgent``, ``objectRef`` (resource, namespace, name,
apiGroup, apiVersion, subresource), ``responseStatus`` (a Status; ``code``), ``requestObject``
(Request level and above; a patch body for patches), ``responseObject`` (RequestResponse),
``requestReceivedTimestamp``, ``stageTimestamp`` and ``annotations``. ``audit.k8s.io/v1beta1``
events also carry ``timestamp`` and ``metadata.creationTimestamp``; events written without an
``apiVersion`` are accepted in both shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

AUDIT_API_VERSIONS = frozenset(
    {None, "audit.k8s.io/v1", "audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1"}
)
LEVELS = ("None", "Metadata", "Request", "RequestResponse")
_LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}
DECISION_ANNOTATION = "authorization.k8s.io/decision"


class NotAnAuditEvent(ValueError):
    """The decoded document is not an audit ``Event``."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


class AuditEvent:
    """A thin, typed view over a decoded audit event; the dict is kept as it came.

    ``stage``, ``verb``, ``username`` (the authenticated user; the impersonator when
    impersonation was used), ``resource``, ``subresource`` and ``namespace`` (objectRef
    fields, ``""`` when absent: non-resource requests, cluster-scoped objects, all-namespace
    lists) are plain attributes; everything else is read on demand.
    """

    __slots__ = ("_ref", "namespace", "raw", "resource", "stage", "subresource", "username", "verb")

    def __init__(self, raw: dict[str, Any]) -> None:
        # NOTE: the fields every rule dispatch needs are read once, eagerly; the rest lazily.
        self.raw = raw
        get = raw.get
        ref = get("objectRef")
        if type(ref) is not dict:
            ref = {}
        self._ref: dict[str, Any] = ref
        value = get("stage")
        self.stage: str = value if type(value) is str else ""
        value = get("verb")
        self.verb: str = value if type(value) is str else ""
        user = get("user")
        value = user.get("username") if type(user) is dict else None
        self.username: str = value if type(value) is str else ""
        value = ref.get("resource")
        self.resource: str = value if type(value) is str else ""
        value = ref.get("subresource")
        self.subresource: str = value if type(value) is str else ""
        value = ref.get("namespace")
        self.namespace: str = value if type(value) is str else ""

    @classmethod
    def parse(cls, doc: Any) -> AuditEvent:
        """Validate a decoded document as an audit ``Event``; raise `NotAnAuditEvent` if not."""
        if not isinstance(doc, dict):
            raise NotAnAuditEvent(f"expected a JSON object, got {type(doc).__name__}")
        kind = doc.get("kind")
        if kind is not None and kind != "Event":
            raise NotAnAuditEvent(f"data not recognized as a k8s audit event (kind {kind!r})")
        if doc.get("apiVersion") not in AUDIT_API_VERSIONS:
            raise NotAnAuditEvent(
                f"data not recognized as a k8s audit event (apiVersion {doc.get('apiVersion')!r})"
            )
        if not (
            isinstance(doc.get("auditID"), str)
            and isinstance(doc.get("stage"), str)
            and isinstance(doc.get("verb"), str)
        ):
            missing = [k for k in ("auditID", "stage", "verb") if not isinstance(doc.get(k), str)]
            raise NotAnAuditEvent(
                "data not recognized as a k8s audit event (missing " + ", ".join(missing) + ")"
            )
        return cls(doc)

    # -- request identity -------------------------------------------------------------------
    @property
    def audit_id(self) -> str:
        """The request's audit id, shared by its stage events."""
        return _str(self.raw.get("auditID"))

    @property
    def level(self) -> str:
        """The audit level the event was logged at."""
        return _str(self.raw.get("level")) or "Metadata"

    def level_at_least(self, level: str) -> bool:
        """Whether the event was logged at ``level`` or above (so its bodies are present)."""
        return _LEVEL_RANK.get(self.level, 1) >= _LEVEL_RANK[level]

    @property
    def request_uri(self) -> str:
        """The request URI as the client sent it."""
        return _str(self.raw.get("requestURI"))

    @property
    def user(self) -> dict[str, Any]:
        """The authenticated UserInfo."""
        return _dict(self.raw.get("user"))

    @property
    def groups(self) -> list[str]:
        """The authenticated user's groups."""
        groups = self.user.get("groups")
        return [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []

    @property
    def impersonated_user(self) -> dict[str, Any] | None:
        """The UserInfo the request was made as, when impersonation was used."""
        imp = self.raw.get("impersonatedUser")
        return imp if isinstance(imp, dict) else None

    @property
    def source_ips(self) -> list[str]:
        """Source IPs (all but the last can be set by the client)."""
        ips = self.raw.get("sourceIPs")
        return [ip for ip in ips if isinstance(ip, str)] if isinstance(ips, list) else []

    @property
    def user_agent(self) -> str:
        """The client-reported user agent (not to be trusted)."""
        return _str(self.raw.get("userAgent"))

    # -- object reference -------------------------------------------------------------------
    @property
    def group(self) -> str:
        """objectRef.apiGroup (``""`` for the core group)."""
        return _str(self._ref.get("apiGroup"))

    @property
    def name(self) -> str:
        """objectRef.name, else the name of the object in the bodies (generateName creates)."""
        name = _str(self._ref.get("name"))
        if name:
            return name
        for body in (self.response_object, self.request_object):
            if isinstance(body, dict):
                meta = _dict(body.get("metadata"))
                found = _str(meta.get("name"))
                if found:
                    return found
        return ""

    @property
    def has_object_ref(self) -> bool:
        """Whether the request was for a resource (not a non-resource URL such as /healthz)."""
        return bool(self._ref)

    # -- outcome ----------------------------------------------------------------------------
    @property
    def code(self) -> int | None:
        """responseStatus.code, when known."""
        status = self.raw.get("responseStatus")
        code = status.get("code") if type(status) is dict else None
        return code if type(code) is int else None

    @property
    def failed(self) -> bool:
        """Whether the request did not succeed (status 400 and above, or a panic)."""
        code = self.code
        if self.stage == "Panic":
            return True
        return code is not None and code >= 400

    @property
    def annotations(self) -> dict[str, Any]:
        """Audit annotations set by authentication, authorization and admission."""
        return _dict(self.raw.get("annotations"))

    @property
    def decision(self) -> str:
        """The authorization decision annotation: ``allow``, ``forbid`` or ``""``."""
        return _str(self.annotations.get(DECISION_ANNOTATION))

    @property
    def dry_run(self) -> bool:
        """Whether the request was a dry run (``dryRun=All``): nothing was persisted."""
        uri = self.request_uri
        if "dryRun=" not in uri:
            return False
        return any(v for v in self.query().get("dryRun", ()) if v)

    def query(self) -> dict[str, list[str]]:
        """The request URI's query parameters."""
        return parse_qs(urlsplit(self.request_uri).query)

    @property
    def path(self) -> str:
        """The request URI's path, without the query."""
        return self.request_uri.split("?", 1)[0]

    # -- bodies -----------------------------------------------------------------------------
    @property
    def request_object(self) -> Any:
        """The request body (object, patch document or None)."""
        return self.raw.get("requestObject")

    @property
    def response_object(self) -> Any:
        """The response body (the object as stored, or None)."""
        return self.raw.get("responseObject")

    # -- time -------------------------------------------------------------------------------
    @property
    def time(self) -> str:
        """When the request was received (falls back to the stage time, then v1beta1 fields)."""
        for key in ("requestReceivedTimestamp", "stageTimestamp", "timestamp"):
            value = self.raw.get(key)
            if isinstance(value, str) and value:
                return value
        return ""

    def timestamp(self) -> float | None:
        """``time`` as POSIX seconds, or None when missing or malformed."""
        return parse_time(self.time)


def parse_time(value: str) -> float | None:
    """RFC 3339 (with ``Z`` and up to nanoseconds) to POSIX seconds; None when malformed."""
    if not value:
        return None
    text = value
    if "." in text:
        # NOTE: MicroTime has 6 digits but some writers emit 9; Python accepts at most 6.
        head, _, rest = text.partition(".")
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[i:]}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
