"""Node files: command-line flags, kubelet systemd drop-ins and flags files, and ``--node ROOT``.

Kubernetes components read flags the pflag way: ``--name=value`` or ``--name value``; a boolean
flag never takes the next word as its value (``--profiling false`` leaves ``false`` as a stray
argument), and a repeated flag keeps its last value (list flags such as
``--enable-admission-plugins`` are read by the caller). etcd also accepts ``-name``.

The kubelet's flags usually come from a systemd drop-in (kubeadm's ``10-kubeadm.conf``)::

    Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
    EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
    ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS

and from environment files (``KUBELET_KUBEADM_ARGS="--flag=value ..."``). Each line that carries
flags becomes one ``KubeletFlags`` resource (a Stockade kind, see `FLAGS_API_VERSION`) whose
origin is that line, so findings point at the line that set the flag. ``rank`` orders the
variables as ``ExecStart`` expands them: a later flag overrides an earlier one.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stockade.inventory.resource import Origin, Resource

if TYPE_CHECKING:
    from stockade.sources.files import LoadResult

FLAGS_API_VERSION = "node.stockade.dev/v1"
FLAGS_KIND = "KubeletFlags"

BOOL_FLAGS = frozenset(
    {
        "allow-privileged",
        "anonymous-auth",
        "authentication-token-webhook",
        "auto-tls",
        "client-cert-auth",
        "enable-bootstrap-token-auth",
        "make-iptables-util-chains",
        "peer-auto-tls",
        "peer-client-cert-auth",
        "profiling",
        "protect-kernel-defaults",
        "rotate-certificates",
        "rotate-server-certificates",
        "seccomp-default",
        "service-account-extend-token-expiration",
        "service-account-lookup",
        "use-service-account-credentials",
        "enable-pprof",
        "strict-reconfig-check",
    }
)
"""Boolean flags of the components checked here: they never consume the next word."""

# Order in which kubeadm's ExecStart expands the variables; a later flag wins.
_VARIABLE_RANK = {
    "KUBELET_KUBECONFIG_ARGS": 10,
    "KUBELET_CONFIG_ARGS": 20,
    "KUBELET_SYSTEM_PODS_ARGS": 25,
    "KUBELET_NETWORK_ARGS": 25,
    "KUBELET_DNS_ARGS": 25,
    "KUBELET_AUTHZ_ARGS": 25,
    "KUBELET_CADVISOR_ARGS": 25,
    "KUBELET_CERTIFICATE_ARGS": 25,
    "KUBELET_ARGS": 25,
    "KUBELET_KUBEADM_ARGS": 30,
    "KUBELET_EXTRA_ARGS": 40,
}
_EXEC_RANK = 50

_ASSIGN = re.compile(r"""^\s*(?:Environment\s*=\s*)?(["']?)(KUBELET_[A-Z0-9_]*ARGS)\s*=(.*)$""")
_EXEC = re.compile(r"^\s*ExecStart\s*=\s*\S*kubelet\b(.*)$")
_FLAGS_SUFFIXES = (".conf", ".env", ".flags")


@dataclass(frozen=True, slots=True)
class RawFlag:
    """One flag as written: name without dashes, value (None for a bare boolean), word index."""

    name: str
    value: str | None
    index: int


def split_flags(words: Sequence[Any]) -> list[RawFlag]:
    """Flags in a command line, in order (repeated flags kept; non-flag words ignored)."""
    out: list[RawFlag] = []
    i = 0
    while i < len(words):
        word = words[i]
        if not isinstance(word, str) or not word.startswith("-") or word in ("-", "--"):
            i += 1
            continue
        body = word.lstrip("-")
        if "=" in body:
            name, _, value = body.partition("=")
            out.append(RawFlag(name, value, i))
            i += 1
            continue
        nxt = words[i + 1] if i + 1 < len(words) else None
        if (
            body not in BOOL_FLAGS
            and isinstance(nxt, str | int | float | bool)
            and not str(nxt).startswith("-")
        ):
            out.append(RawFlag(body, str(nxt), i))
            i += 2
            continue
        out.append(RawFlag(body, None, i))
        i += 1
    return out


def is_flags_text(name: str, text: str) -> bool:
    """Whether a file is a kubelet drop-in or flags file (by name, then by content)."""
    base = Path(name).name
    if not (base.endswith(_FLAGS_SUFFIXES) or "." not in base):
        return False
    return any(_ASSIGN.match(line) or _EXEC.match(line) for line in text.splitlines())


def _words(text: str) -> list[str]:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def flag_resources(text: str, file: str) -> list[Resource]:
    """One ``KubeletFlags`` resource per line of ``text`` that sets kubelet flags."""
    out: list[Resource] = []
    base = Path(file).name or file
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        assign = _ASSIGN.match(line)
        if assign:
            quote, variable, value = assign.group(1), assign.group(2), assign.group(3).rstrip()
            if quote and value.endswith(quote):
                value = value[: -len(quote)]  # Environment="NAME=--a --b": the pair closes here
            rank = _VARIABLE_RANK.get(variable, 25)
        else:
            exec_line = _EXEC.match(line)
            if not exec_line:
                continue
            variable, value, rank = "ExecStart", exec_line.group(1), _EXEC_RANK
        words = _words(value)
        flags = [
            {"name": f.name, "value": f.value}
            for f in split_flags(words)
            if not f.name.startswith("$")
        ]
        if not flags and variable == "ExecStart":
            continue
        obj = {
            "apiVersion": FLAGS_API_VERSION,
            "kind": FLAGS_KIND,
            "metadata": {"name": f"{base}#{variable}"},
            "variable": variable,
            "rank": rank,
            "flags": flags,
        }
        out.append(Resource.from_object(obj, Origin(file, lineno, lineno)))
    return out


# Standard locations below ``--node ROOT`` (kubeadm and the distribution packages).
MANIFEST_DIRS = ("etc/kubernetes/manifests",)
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".manifest")
KUBELET_CONFIGS = ("var/lib/kubelet/config.yaml",)
KUBE_PROXY_CONFIGS = ("var/lib/kube-proxy/config.conf", "etc/kubernetes/kube-proxy-config.yaml")
KUBELET_FLAG_FILES = (
    "etc/systemd/system/kubelet.service.d/*.conf",
    "usr/lib/systemd/system/kubelet.service.d/*.conf",
    "lib/systemd/system/kubelet.service.d/*.conf",
    "var/lib/kubelet/kubeadm-flags.env",
    "etc/default/kubelet",
    "etc/sysconfig/kubelet",
)
REFERENCED_FLAGS = {
    "kube-apiserver": (
        "encryption-provider-config",
        "audit-policy-file",
        "admission-control-config-file",
        "authorization-config",
        "authentication-config",
    ),
    "kubelet": ("config", "config-dir"),
    "etcd": ("config-file",),
}
"""Flags whose value names a configuration file that ``--node`` reads too."""


def _under(root: Path, node_path: str) -> Path:
    return root / node_path.lstrip("/")


def _static_pod_flags(resources: Iterable[Resource]) -> dict[str, list[str]]:
    """Referenced file paths per flag, from the static pods and kubelet flags loaded so far."""
    refs: dict[str, list[str]] = {}
    for res in resources:
        if res.kind == FLAGS_KIND:
            for f in res.obj.get("flags", []):
                if f.get("name") in REFERENCED_FLAGS["kubelet"] and f.get("value"):
                    refs.setdefault("kubelet:" + f["name"], []).append(f["value"])
            continue
        if res.kind != "Pod":
            continue
        for c in res.spec.get("containers") or []:
            if not isinstance(c, dict):
                continue
            words = [*(c.get("command") or []), *(c.get("args") or [])]
            if not words or not isinstance(words[0], str):
                continue
            binary = Path(words[0]).name
            for f in split_flags(words):
                if f.name in REFERENCED_FLAGS.get(binary, ()) and f.value:
                    refs.setdefault(f"{binary}:{f.name}", []).append(f.value)
    return refs


def load_node(root: Path, opts: Any = None) -> LoadResult:
    """Everything a node holds at the standard locations below ``root``.

    Missing locations are not errors (a worker has no static pods, a managed node may have no
    drop-in): what was not found is reported by the control-plane checks as not evaluated.
    """
    from stockade.model import ScanError
    from stockade.sources.files import LoadResult, load_file

    result = LoadResult()
    if not root.is_dir():
        result.errors.append(
            ScanError(str(root), None, "node root is not a directory", "Give --node / or a copy.")
        )
        return result
    seen: set[Path] = set()

    def load(path: Path) -> None:
        resolved = path.resolve()
        if resolved in seen or not path.is_file():
            return
        seen.add(resolved)
        result.extend(load_file(path, opts))

    for d in MANIFEST_DIRS:
        directory = root / d
        if directory.is_dir():
            for p in sorted(directory.iterdir()):
                if p.name.endswith(MANIFEST_SUFFIXES):
                    load(p)
    for pattern in KUBELET_FLAG_FILES:
        for p in sorted(root.glob(pattern)):
            text = _read_text(p)
            if text is not None and is_flags_text(p.name, text):
                seen.add(p.resolve())
                result.resources.extend(flag_resources(text, str(p)))
                result.files += 1
    refs = _static_pod_flags(result.resources)
    for c in KUBELET_CONFIGS:
        if not refs.get("kubelet:config"):
            load(root / c)
    for node_dir in refs.get("kubelet:config-dir", []):
        directory = _under(root, node_dir)
        if directory.is_dir():
            for p in sorted(directory.iterdir()):
                if p.name.endswith(".conf"):
                    load(p)
    for c in KUBE_PROXY_CONFIGS:
        load(root / c)
    for key, values in refs.items():
        for value in values:
            if key == "kubelet:config-dir":
                continue
            if key == "etcd:config-file":
                path = _under(root, value)
                if path.is_file() and path.resolve() not in seen:
                    seen.add(path.resolve())
                    result.extend(load_etcd_config(path))
            else:
                load(_under(root, value))
    return result


ETCD_CONFIG_KIND = "EtcdConfiguration"


def load_etcd_config(path: Path) -> LoadResult:
    """etcd's ``--config-file`` (plain YAML, no apiVersion/kind) as an ``EtcdConfiguration``
    resource (a Stockade kind) whose fields keep their places in the file."""
    from stockade.model import ScanError
    from stockade.sources.files import LoadResult
    from stockade.sources.yamlload import DecodeError, load_yaml

    text = _read_text(path)
    if text is None:
        return LoadResult(
            errors=[
                ScanError(str(path), None, "cannot read etcd config file", "Check permissions.")
            ],
            files=1,
        )
    docs = list(load_yaml(text))
    first = docs[0] if docs else None
    if isinstance(first, DecodeError):
        return LoadResult(
            errors=[ScanError(str(path), first.line, first.message, first.hint)], files=1
        )
    if first is None or not isinstance(first.data, dict):
        return LoadResult(
            errors=[
                ScanError(
                    str(path),
                    1,
                    "etcd config file is not a YAML mapping",
                    "etcd reads a mapping of flag names to values.",
                )
            ],
            files=1,
        )
    obj = {
        **first.data,
        "apiVersion": FLAGS_API_VERSION,
        "kind": ETCD_CONFIG_KIND,
        "metadata": {"name": path.name},
    }
    res = Resource.from_object(obj, Origin(str(path), first.line, first.end_line))
    return LoadResult(resources=[res], files=1)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
