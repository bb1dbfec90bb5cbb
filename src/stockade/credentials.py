"""Recognising credentials in plain values without ever repeating them.

A value is a credential when it matches the shape of a known secret (private keys, cloud keys,
vendor tokens, JWTs, passwords inside connection strings), or when it sits under a secret-like
name and is not a placeholder, a path or a reference. Detections carry a kind and a length,
never the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")),
    (
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b"),
    ),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Stripe secret key", re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}\b")),
    ("OpenAI-style API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b")),
    (
        "JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    ("password in URL", re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:([^/\s@]{3,})@[^\s/]+")),
)

_SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|credential|"
    r"auth[_-]?key|access[_-]?key|client[_-]?secret|signing[_-]?key|encryption[_-]?key)",
    re.IGNORECASE,
)
_PASSWORD_NAME = re.compile(r"(pass(word|wd|phrase)?|pwd)$", re.IGNORECASE)
_NOT_A_VALUE_NAME = re.compile(
    r"(_FILE|_PATH|_DIR|_NAME|_REF|_URL|_ENDPOINT|_ENABLED|_TTL|_TIMEOUT|_LENGTH|_TYPE|_HEADER)$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|<[^>]*>|%[^%]+%|\*+|x+|changeme|change-me|"
    r"replace[-_]?me|your[-_].*|example|dummy|redacted|none|null|nil|todo|test|placeholder)$",
    re.IGNORECASE,
)
_BOOL_OR_NUMBER = re.compile(
    r"^(true|false|yes|no|on|off|-?\d+(\.\d+)?[a-zA-Z]{0,2})$", re.IGNORECASE
)
_PATH_LIKE = re.compile(r"^(/|\./|~/|[a-zA-Z]:\\)")
_URL_NO_CREDS = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^@\s]*$")
_ASSIGNMENT = re.compile(
    r"(?i)\b([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key)[A-Za-z0-9_.-]*)"
    r"\s*[:=]\s*[\"']?([^\s\"',;]{8,})"
)
_PASSWORD_IN_URL_PLACEHOLDER = re.compile(r"^(\$|\{|<|%|\*)")


@dataclass(frozen=True, slots=True)
class Detection:
    """A value that looks like a credential: what kind, and how long (never the value)."""

    kind: str
    length: int

    def evidence(self) -> str:
        """Redacted evidence: the kind and the length only."""
        return f"{self.kind}; value redacted ({self.length} characters)"


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def match_pattern(value: str) -> str | None:
    """The kind of known credential ``value`` contains, if any."""
    for kind, pattern in _PATTERNS:
        m = pattern.search(value)
        if m is None:
            continue
        if kind == "password in URL" and _PASSWORD_IN_URL_PLACEHOLDER.match(m.group(1)):
            continue
        return kind
    return None


def _plain_value(value: str) -> bool:
    v = value.strip()
    return not (
        _PLACEHOLDER.match(v)
        or _BOOL_OR_NUMBER.match(v)
        or _PATH_LIKE.match(v)
        or _URL_NO_CREDS.match(v)
        or " " in v
    )


def classify(name: str | None, value: str, min_entropy: float = 3.5) -> Detection | None:
    """Whether ``value`` (stored under ``name``) is a credential, and of what kind."""
    if not value or len(value) < 8:
        return None
    kind = match_pattern(value)
    if kind is not None:
        return Detection(kind, len(value))
    if name is None or not _SECRET_NAME.search(name) or _NOT_A_VALUE_NAME.search(name):
        return None
    if not _plain_value(value):
        return None
    if _PASSWORD_NAME.search(name):
        return Detection(f"literal password under {name!r}", len(value))
    if shannon_entropy(value) >= min_entropy:
        return Detection(f"high-entropy value under {name!r}", len(value))
    return None


def scan_text(text: str, min_entropy: float = 3.5) -> Detection | None:
    """A credential inside a larger text (a config file in a ConfigMap)."""
    kind = match_pattern(text)
    if kind is not None:
        return Detection(kind, len(text))
    for m in _ASSIGNMENT.finditer(text):
        value = m.group(2)
        if _plain_value(value) and shannon_entropy(value) >= min_entropy:
            return Detection(f"high-entropy value assigned to {m.group(1)!r}", len(value))
    return None
