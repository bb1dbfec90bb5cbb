"""The kubelet's effective configuration: flags over the config file over the defaults.

The kubelet has two sets of defaults. A field omitted from a ``KubeletConfiguration`` file takes
the config-file default (``pkg/kubelet/apis/config/v1beta1/defaults.go``); a kubelet started
without ``--config`` takes the flag defaults. They differ where it matters:

======================================  ==========  ============
setting                                 file        flags only
======================================  ==========  ============
authentication.anonymous.enabled        false       true
authentication.webhook.enabled          true        false
authorization.mode                      Webhook     AlwaysAllow
readOnlyPort                            0           10255
rotateCertificates                      false       false
======================================  ==========  ============

A flag given on the command line overrides the file, as the kubelet does. Flags come from
``KubeletFlags`` resources (systemd drop-ins and flags files, see `stockade.sources.nodefiles`),
applied in the order ``ExecStart`` expands them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from stockade.controlplane.flags import Flag, FlagSet, parse_bool, parse_duration, parse_int
from stockade.inventory.index import Inventory
from stockade.inventory.resource import Resource
from stockade.model import FieldPath
from stockade.sources.nodefiles import FLAGS_KIND

KUBELET_CONFIG_KIND = "KubeletConfiguration"


@dataclass(frozen=True, slots=True)
class Field:
    """A kubelet setting: its flag, its config-file path, both defaults and its type."""

    flag: str
    path: FieldPath
    file_default: Any
    flag_default: Any
    type: str = "str"  # bool | int | duration | str | list | gate


FIELDS: dict[str, Field] = {
    "anonymous-auth": Field(
        "anonymous-auth", ("authentication", "anonymous", "enabled"), False, True, "bool"
    ),
    "webhook-authn": Field(
        "authentication-token-webhook",
        ("authentication", "webhook", "enabled"),
        True,
        False,
        "bool",
    ),
    "authorization-mode": Field(
        "authorization-mode", ("authorization", "mode"), "Webhook", "AlwaysAllow"
    ),
    "client-ca-file": Field(
        "client-ca-file", ("authentication", "x509", "clientCAFile"), None, None
    ),
    "read-only-port": Field("read-only-port", ("readOnlyPort",), 0, 10255, "int"),
    "streaming-idle-timeout": Field(
        "streaming-connection-idle-timeout",
        ("streamingConnectionIdleTimeout",),
        "4h0m0s",
        "4h0m0s",
        "duration",
    ),
    "protect-kernel-defaults": Field(
        "protect-kernel-defaults", ("protectKernelDefaults",), False, False, "bool"
    ),
    "make-iptables-util-chains": Field(
        "make-iptables-util-chains", ("makeIPTablesUtilChains",), True, True, "bool"
    ),
    "event-qps": Field("event-qps", ("eventRecordQPS",), 50, 50, "int"),
    "tls-cert-file": Field("tls-cert-file", ("tlsCertFile",), None, None),
    "tls-private-key-file": Field("tls-private-key-file", ("tlsPrivateKeyFile",), None, None),
    "server-tls-bootstrap": Field(
        "rotate-server-certificates", ("serverTLSBootstrap",), False, False, "bool"
    ),
    "rotate-certificates": Field(
        "rotate-certificates", ("rotateCertificates",), False, False, "bool"
    ),
    "tls-cipher-suites": Field("tls-cipher-suites", ("tlsCipherSuites",), None, None, "list"),
    "pod-pids-limit": Field("pod-max-pids", ("podPidsLimit",), -1, -1, "int"),
    "seccomp-default": Field("seccomp-default", ("seccompDefault",), False, False, "bool"),
    "hostname-override": Field("hostname-override", (), None, None),
    "rotate-server-cert-gate": Field(
        "feature-gates", ("featureGates", "RotateKubeletServerCertificate"), True, True, "gate"
    ),
}


@dataclass(frozen=True, slots=True)
class Setting:
    """An effective value and where it comes from: a flag, the file, or a default."""

    value: Any
    source: str  # "flag" | "file" | "file-default" | "flag-default"
    resource: Resource
    path: FieldPath
    written: str | None = None
    """The flag or field as written (``--read-only-port=10255``), for messages."""

    @property
    def is_default(self) -> bool:
        """Whether no flag or field set it."""
        return self.source.endswith("default")

    def where(self) -> str:
        """How the value came about, for a finding message."""
        if self.source == "flag":
            return f"flag {self.written}"
        if self.source == "file":
            return f"config field {self.written}"
        if self.source == "file-default":
            return "not set; the config-file default applies"
        return "not set; the flag default applies (no config file)"


def _convert(raw: Any, kind: str) -> Any:
    """A flag's text or a file's value as the kubelet reads it; the raw text when invalid."""
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        parsed = parse_bool(None if raw is None else str(raw))
        return raw if parsed is None else parsed
    if kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        parsed_int = parse_int(str(raw))
        return raw if parsed_int is None else parsed_int
    if kind == "duration":
        parsed_d = parse_duration(str(raw))
        return raw if parsed_d is None else parsed_d
    if kind == "list":
        if isinstance(raw, list):
            return [str(x) for x in raw]
        return [p.strip() for p in str(raw).split(",") if p.strip()]
    return raw if isinstance(raw, str) or raw is None else str(raw)


def _gate(flags: list[Flag], gate: str) -> tuple[Any, Flag] | None:
    """The value of one gate in ``--feature-gates=A=true,B=false`` (the last occurrence wins)."""
    found: tuple[Any, Flag] | None = None
    for f in flags:
        for part in f.text.split(","):
            key, _, value = part.strip().partition("=")
            if key == gate:
                found = (_convert(value, "bool"), f)
    return found


@dataclass(frozen=True, slots=True)
class Kubelet:
    """One kubelet: its config file (if any) and its flags, merged on demand."""

    config: Resource | None
    flags: FlagSet
    anchor: Resource
    dropins: tuple[Resource, ...] = ()
    """KubeletConfiguration drop-ins from ``--config-dir``, in the order the kubelet applies."""

    def get(self, key: str) -> Setting:
        """The effective value of a setting from `FIELDS`."""
        spec = FIELDS[key]
        if spec.type == "gate":
            gate = _gate(self.flags.all(spec.flag), str(spec.path[-1]))
            if gate is not None:
                value, gate_flag = gate
                return Setting(
                    value, "flag", gate_flag.resource, gate_flag.path, gate_flag.display()
                )
        else:
            flag = self.flags.last(spec.flag)
            if flag is not None:
                value = (
                    _convert(self.flags.items(spec.flag), "list")
                    if spec.type == "list"
                    else _convert(flag.text, spec.type)
                )
                return Setting(value, "flag", flag.resource, flag.path, flag.display())
        if self.config is not None:
            # Drop-ins (--config-dir) apply over the main file in name order: the last wins.
            for cfg in reversed((self.config, *self.dropins)):
                node: Any = cfg.obj
                for part in spec.path:
                    node = node.get(part) if isinstance(node, dict) else None
                if spec.path and node is not None:
                    written = f"{'.'.join(str(p) for p in spec.path)}: {node}"
                    kind = "bool" if spec.type == "gate" else spec.type
                    return Setting(_convert(node, kind), "file", cfg, spec.path, written)
            default = (
                _convert(spec.file_default, spec.type)
                if spec.type == "duration"
                else spec.file_default
            )
            return Setting(default, "file-default", self.config, spec.path or ("kind",))
        default = (
            _convert(spec.flag_default, spec.type) if spec.type == "duration" else spec.flag_default
        )
        return Setting(default, "flag-default", self.anchor, ("flags",))


def _flag_resources(inventory: Inventory) -> list[Resource]:
    found = inventory.of_kind(FLAGS_KIND)
    return sorted(
        found, key=lambda r: (int(r.obj.get("rank", 25)), r.origin.file, r.origin.line or 0)
    )


def kubelet_flags(inventory: Inventory) -> FlagSet:
    """Every kubelet flag in the input, in the order the kubelet reads them."""
    flags: list[Flag] = []
    for res in _flag_resources(inventory):
        for i, f in enumerate(res.obj.get("flags") or []):
            if isinstance(f, dict) and isinstance(f.get("name"), str):
                value = f.get("value")
                flags.append(
                    Flag(f["name"], None if value is None else str(value), res, ("flags", i))
                )
    return FlagSet(flags)


def find_kubelets(inventory: Inventory) -> list[Kubelet]:
    """The kubelets the input describes.

    Each KubeletConfiguration is a kubelet (flags in the input apply to every one). Flags
    without any config file describe a flags-only kubelet, unless they name a ``--config``
    file that is not in the input: then nothing can be judged (see `missing_config`).
    """
    flags = kubelet_flags(inventory)
    configs = inventory.of_kind(KUBELET_CONFIG_KIND)
    drop_dir = flags.value("config-dir")
    dropins: list[Resource] = []
    if drop_dir:
        dropins = sorted(
            (c for c in configs if _in_dir(c.origin.file, drop_dir)), key=lambda c: c.origin.file
        )
        configs = [c for c in configs if c not in dropins]
    if configs:
        return [Kubelet(cfg, flags, cfg, tuple(dropins)) for cfg in configs]
    if dropins:
        return [Kubelet(dropins[0], flags, dropins[0], tuple(dropins[1:]))]
    if flags.flags and "config" not in flags:
        return [Kubelet(None, flags, flags.flags[0].resource)]
    return []


def _in_dir(file: str, node_dir: str) -> bool:
    """Whether ``file`` sits directly in the node directory ``node_dir`` (matched by suffix)."""
    parent = PurePosixPath(file.replace("\\", "/")).parent.parts
    want = PurePosixPath(node_dir.rstrip("/").lstrip("/")).parts
    return bool(want) and parent[-len(want) :] == want


def missing_config(inventory: Inventory) -> str | None:
    """The ``--config`` path of a kubelet whose config file is not in the input, if any."""
    if inventory.of_kind(KUBELET_CONFIG_KIND):
        return None
    return kubelet_flags(inventory).value("config")
