"""Control-plane components (kube-apiserver, kube-controller-manager, kube-scheduler, etcd) in an
inventory, recognised by content: a Pod in kube-system (or without a namespace, or carrying the
mirror-pod annotation) whose container runs the component's binary (a static pod manifest from
``/etc/kubernetes/manifests``), or is named after the component (``kube-apiserver-<node>``) as
a live cluster or snapshot lists the mirror pods. An application's own etcd in its namespace is
not the cluster's and is left alone.

Flags come from the container's ``command`` (after the binary) and ``args``, both forms
``--flag=value`` and ``--flag value``. etcd also reads ``ETCD_<FLAG>`` environment variables; a
flag given on the command line wins over the variable, as etcd does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from stockade.controlplane.flags import Flag, FlagSet
from stockade.inventory.index import Inventory
from stockade.inventory.resource import Resource
from stockade.model import FieldPath
from stockade.sources.nodefiles import ETCD_CONFIG_KIND, split_flags

APISERVER = "kube-apiserver"
CONTROLLER_MANAGER = "kube-controller-manager"
SCHEDULER = "kube-scheduler"
ETCD = "etcd"
COMPONENTS = (APISERVER, CONTROLLER_MANAGER, SCHEDULER, ETCD)


@dataclass(frozen=True, slots=True)
class Component:
    """One running control-plane component: its pod, container and flags."""

    name: str
    resource: Resource
    container: str
    container_path: FieldPath
    flags: FlagSet
    config: Resource | None = None
    """etcd's ``--config-file`` when present: etcd then ignores its flags and variables."""

    @property
    def anchor_resource(self) -> Resource:
        """The object a missing setting should be added to."""
        return self.config or self.resource

    @property
    def anchor(self) -> FieldPath:
        """Where a missing flag should be added: the container's command (or args)."""
        if self.config is not None:
            return ()
        c = self.resource.spec.get("containers", [])[self.container_path[-1]]
        field = "command" if isinstance(c, dict) and c.get("command") else "args"
        return (*self.container_path, field)


def _binary(words: list[Any]) -> str | None:
    first = words[0] if words else None
    if isinstance(first, str) and first and not first.startswith("-"):
        # NOTE: string operations, not pathlib: this runs for every container in a cluster.
        return first.split(None, 1)[0].rpartition("/")[2] if first.strip() else None
    return None


_MIRROR = "kubernetes.io/config.mirror"


def _component_of(res: Resource, container: dict[str, Any]) -> str | None:
    # NOTE: only kube-system (or no namespace, as a bare static pod file may say) or a mirror
    # pod: an application's own etcd (a StatefulSet in its namespace) is not the cluster's.
    if res.namespace not in (None, "kube-system") and _MIRROR not in res.annotations:
        return None
    command = container.get("command") or []
    args = container.get("args") or []
    binary = _binary(command if isinstance(command, list) else []) or _binary(
        args if isinstance(args, list) else []
    )
    if binary in COMPONENTS:
        return binary
    name = container.get("name")
    if name in COMPONENTS and (res.name == name or res.name.startswith(f"{name}-")):
        return str(name)
    return None


def _flags_of(res: Resource, ci: int, container: dict[str, Any], component: str) -> FlagSet:
    base: FieldPath = ("spec", "containers", ci)
    flags: list[Flag] = []
    for field in ("command", "args"):
        words = container.get(field)
        if not isinstance(words, list):
            continue
        for raw in split_flags(words):
            flags.append(Flag(raw.name, raw.value, res, (*base, field, raw.index)))
    if component == ETCD:
        given = {f.name for f in flags}
        env_flags: list[Flag] = []
        for k, item in enumerate(container.get("env") or []):
            if not isinstance(item, dict):
                continue
            env = str(item.get("name", ""))
            if env.startswith("ETCD_") and isinstance(item.get("value"), str):
                flag = env[len("ETCD_") :].lower().replace("_", "-")
                if flag not in given:
                    env_flags.append(Flag(flag, item["value"], res, (*base, "env", k, "value")))
        flags = env_flags + flags
    return FlagSet(flags)


_ETCD_SECTIONS = {"client-transport-security": "", "peer-transport-security": "peer-"}


def etcd_config_flags(config: Resource) -> FlagSet:
    """etcd's YAML configuration file as flags: top-level keys are flag names; the TLS sections
    map to ``--cert-file`` ... and ``--peer-cert-file`` ..."""
    flags: list[Flag] = []
    for key, value in config.obj.items():
        if key in ("apiVersion", "kind", "metadata"):
            continue
        prefix = _ETCD_SECTIONS.get(str(key))
        if prefix is not None and isinstance(value, dict):
            for sub, v in value.items():
                flags.append(Flag(f"{prefix}{sub}", _text(v), config, (str(key), str(sub))))
        elif not isinstance(value, dict | list):
            flags.append(Flag(str(key), _text(value), config, (str(key),)))
    return FlagSet(flags)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def find_components(inventory: Inventory) -> dict[str, list[Component]]:
    """Every control-plane component in the inventory, by component name."""
    out: dict[str, list[Component]] = {name: [] for name in COMPONENTS}
    for res in inventory.of_kind("Pod"):
        containers = res.spec.get("containers")
        if not isinstance(containers, list):
            continue
        for ci, c in enumerate(containers):
            if not isinstance(c, dict):
                continue
            component = _component_of(res, c)
            if component is None:
                continue
            flags = _flags_of(res, ci, c, component)
            config = None
            config_file = flags.value("config-file") if component == ETCD else None
            if config_file is not None:
                config = referenced(inventory, (ETCD_CONFIG_KIND,), config_file)
                if config is not None:
                    flags = etcd_config_flags(config)
            out[component].append(
                Component(
                    component,
                    res,
                    str(c.get("name", "")),
                    ("spec", "containers", ci),
                    flags,
                    config,
                )
            )
    return out


def referenced(inventory: Inventory, kinds: tuple[str, ...], node_path: str) -> Resource | None:
    """The configuration object a flag points to: a resource of one of ``kinds`` loaded from a
    file whose path ends with the flag's path (as ``--node`` loads it), else the only such
    resource in the input (a file given to ``stockade scan`` directly), else None."""
    candidates = inventory.of_kind(*kinds)
    if not candidates:
        return None
    want = PurePosixPath(node_path.lstrip("/")).parts
    for res in candidates:
        parts = PurePosixPath(res.origin.file.replace("\\", "/")).parts
        if want and parts[-len(want) :] == want:
            return res
    return candidates[0] if len(candidates) == 1 else None
