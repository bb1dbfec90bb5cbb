"""Manifest sources: files, directories, globs and stdin, turned into resources and error values.

Directories are walked recursively for ``.yaml``, ``.yml`` and ``.json`` files (``.gz`` too). A
directory holding a ``kustomization.yaml`` or a ``Chart.yaml`` is rendered instead
(`stockade.sources.render`). Documents without apiVersion/kind are counted as skipped; every
other problem becomes a `ScanError` and the scan goes on.
"""

from __future__ import annotations

import glob
import gzip
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stockade.inventory.resource import Origin, Resource
from stockade.memory import cyclic_gc_paused
from stockade.model import ScanError
from stockade.sources import render
from stockade.sources.coverage import LIVE_CAPABILITIES, UnreadableKind
from stockade.sources.snapshot import is_snapshot, read_snapshot
from stockade.sources.yamlload import DecodeError, Document, load_json, load_yaml

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".terraform"})
STDIN = "-"


@dataclass(slots=True)
class LoadResult:
    """What loading produced: resources, input errors, skipped documents, files read."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    skipped: int = 0
    files: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    """Text of sources that are not files on disk (stdin, rendered output), for line lookups."""
    unreadable: list[UnreadableKind] = field(default_factory=list)
    """Kinds a live source (a cluster, a snapshot) could not list."""
    capabilities: frozenset[str] | None = None
    """What the sources provide (`stockade.scan.ScanSettings.capabilities`); None = files only."""

    def extend(self, other: LoadResult) -> None:
        """Append another result (another source) to this one."""
        self.resources.extend(other.resources)
        self.errors.extend(other.errors)
        self.skipped += other.skipped
        self.files += other.files
        self.texts.update(other.texts)
        self.unreadable.extend(other.unreadable)
        if other.capabilities is not None:
            # Mixed sources provide only what every one of them provides.
            self.capabilities = (
                other.capabilities
                if self.capabilities is None
                else self.capabilities & other.capabilities
            )


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Limits and switches for loading."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    render: bool = True


# Configuration files of Kubernetes components and tools: they have apiVersion and kind but are
# read by a program, not applied to the API, and need no name.
TOOL_CONFIG_GROUPS = frozenset(
    {
        "apiserver.config.k8s.io",
        "apiserver.k8s.io",
        "audit.k8s.io",
        "client.authentication.k8s.io",
        "controllermanager.config.k8s.io",
        "install.istio.io",
        "kubeadm.k8s.io",
        "kubelet.config.k8s.io",
        "kubeproxy.config.k8s.io",
        "kubescheduler.config.k8s.io",
        "kustomize.config.k8s.io",
        "skaffold",
    }
)


def is_tool_config(data: dict[str, Any]) -> bool:
    """Whether a document is a component or tool configuration file rather than an API object."""
    api_version = str(data.get("apiVersion", ""))
    group = api_version.rpartition("/")[0]
    if group in TOOL_CONFIG_GROUPS:
        return True
    # A kubeconfig file: apiVersion v1, kind Config.
    return api_version == "v1" and data.get("kind") == "Config"


def _is_k8s_object(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
        and bool(data.get("kind"))
    )


def documents_to_resources(
    docs: Iterable[Document | DecodeError], file: str, *, live: bool = False
) -> LoadResult:
    """Turn decoded documents into resources; Lists are expanded item by item."""
    out = LoadResult(files=1)
    for doc in docs:
        if isinstance(doc, DecodeError):
            out.errors.append(ScanError(file, doc.line, doc.message, doc.hint))
            continue
        data = doc.data
        if data is None:
            continue  # an empty document, as between two "---"
        if not isinstance(data, dict):
            out.errors.append(
                ScanError(
                    file,
                    doc.line,
                    f"document {doc.index + 1} is a {type(data).__name__}, not a mapping",
                    "A Kubernetes manifest document is a mapping with apiVersion and kind.",
                )
            )
            continue
        if not _is_k8s_object(data):
            out.skipped += 1
            continue
        _add_object(out, data, Origin(file, doc.line, doc.end_line, doc.index, (), live))
    return out


def _add_object(out: LoadResult, data: dict[str, Any], origin: Origin) -> None:
    kind = data["kind"]
    items = data.get("items")
    if kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            item_origin = Origin(
                origin.file, origin.line, origin.end_line, origin.doc, ("items", i), origin.live
            )
            if not _is_k8s_object(item):
                if isinstance(item, dict) and kind != "List" and "metadata" in item:
                    # NOTE: typed lists (PodList, ...) may omit kind on items, as the API does.
                    item = {**item, "kind": kind[: -len("List")], "apiVersion": data["apiVersion"]}
                else:
                    out.errors.append(
                        ScanError(
                            origin.file,
                            origin.line,
                            f"{kind} item {i} has no apiVersion/kind",
                            "Each item of a List must be a Kubernetes object.",
                        )
                    )
                    continue
            _add_object(out, item, item_origin)
        return
    meta = data.get("metadata")
    if (data["apiVersion"], kind) in CONFIG_KINDS:
        # NOTE: component configuration files (KubeletConfiguration, EncryptionConfiguration,
        # ...) that the hardening checks read; they carry no name, so the file names them.
        if not isinstance(meta, dict) or not meta.get("name"):
            data = {**data, "metadata": {**(meta or {}), "name": config_name(origin.file)}}
        out.resources.append(Resource.from_object(data, origin))
        return
    if is_tool_config(data):
        out.skipped += 1
        return
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        out.errors.append(
            ScanError(
                origin.file,
                origin.line,
                f"{kind} has no metadata.name",
                "Every Kubernetes object needs metadata.name; add one so findings can name it.",
            )
        )
        return
    out.resources.append(Resource.from_object(data, origin))


CONFIG_KINDS = frozenset(
    {
        ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"),
        ("kubelet.config.k8s.io/v1", "KubeletConfiguration"),
        ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration"),
        ("apiserver.config.k8s.io/v1", "EncryptionConfiguration"),
        ("apiserver.config.k8s.io/v1", "AdmissionConfiguration"),
        ("apiserver.config.k8s.io/v1alpha1", "AdmissionConfiguration"),
        ("apiserver.k8s.io/v1alpha1", "AdmissionConfiguration"),
        ("apiserver.config.k8s.io/v1", "AuthorizationConfiguration"),
        ("apiserver.config.k8s.io/v1beta1", "AuthorizationConfiguration"),
        ("apiserver.config.k8s.io/v1", "AuthenticationConfiguration"),
        ("apiserver.config.k8s.io/v1beta1", "AuthenticationConfiguration"),
        ("audit.k8s.io/v1", "Policy"),
        ("pod-security.admission.config.k8s.io/v1", "PodSecurityConfiguration"),
        ("eventratelimit.admission.k8s.io/v1alpha1", "Configuration"),
    }
)
"""Component configuration kinds read from files: valid without metadata.name."""


def config_name(file: str) -> str:
    """The name given to a nameless configuration document: its file's base name."""
    return Path(file).name or file


def _decode(raw: bytes, display: str, opts: LoadOptions) -> LoadResult:
    name = display[:-3] if display.endswith(".gz") else display
    if is_snapshot(raw):
        # A snapshot is one machine-written document; the manifest size limit does not apply.
        resources, errors, unreadable = read_snapshot(raw, display)
        return LoadResult(
            resources, errors, files=1, unreadable=unreadable, capabilities=LIVE_CAPABILITIES
        )
    if len(raw) > opts.max_file_bytes:
        return _error(
            display,
            f"file is {len(raw):,} bytes, over the {opts.max_file_bytes:,}-byte limit",
            "Split the file, or raise the limit with --max-file-size.",
        )
    if b"\x00" in raw[:8192]:
        return _error(display, "binary file (contains NUL bytes)", "Only YAML and JSON are read.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return _error(display, "not UTF-8 text", "Save the file as UTF-8.", line)
    if name.endswith(".json"):
        return documents_to_resources(load_json(text), display)
    from stockade.sources import nodefiles  # late: nodefiles loads files through this module

    if nodefiles.is_flags_text(name, text):
        return LoadResult(resources=nodefiles.flag_resources(text, display), files=1)
    return documents_to_resources(load_yaml(text), display)


def _error(file: str, message: str, hint: str, line: int | None = None) -> LoadResult:
    return LoadResult(errors=[ScanError(file, line, message, hint)], files=1)


def load_bytes(raw: bytes, display: str, opts: LoadOptions | None = None) -> LoadResult:
    """Load manifests from bytes already read (stdin, a rendered chart)."""
    out = _decode(raw, display, opts or LoadOptions())
    if out.resources:
        out.texts[display] = raw.decode("utf-8-sig", "replace")
    return out


def load_file(
    path: Path, opts: LoadOptions | None = None, display: str | None = None
) -> LoadResult:
    """Load one manifest file (``.gz`` is decompressed, bounded by the size limit)."""
    opts = opts or LoadOptions()
    shown = display or str(path)
    try:
        with path.open("rb") as plain:
            magic = plain.read(2)
        opener = gzip.open if path.suffix == ".gz" or magic == b"\x1f\x8b" else open
        with opener(path, "rb") as fh:
            raw = fh.read(opts.max_file_bytes + 1)
            if len(raw) > opts.max_file_bytes and is_snapshot(raw):
                raw += fh.read()
        if len(raw) > opts.max_file_bytes and not is_snapshot(raw):
            return _error(
                shown,
                f"file is over the {opts.max_file_bytes:,}-byte limit",
                "Split the file, or raise the limit with --max-file-size.",
            )
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _error(shown, f"cannot read file: {reason}", "Check the path and permissions.")
    return _decode(raw, shown, opts)


def _is_manifest_name(name: str) -> bool:
    base = name[:-3] if name.endswith(".gz") else name
    return base.endswith(MANIFEST_SUFFIXES)


def _walk(root: Path) -> Iterator[Path]:
    """Files and render roots below ``root``, sorted, without descending into render roots."""
    if render.render_kind(root) is not None:
        yield root
        return
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in _SKIP_DIRS and not entry.name.startswith("."):
                yield from _walk(Path(entry.path))
        elif entry.is_file() and _is_manifest_name(entry.name):
            yield Path(entry.path)


def _expand(arg: str) -> list[Path] | None:
    if any(ch in arg for ch in "*?["):
        return [Path(p) for p in sorted(glob.glob(arg, recursive=True))]
    return None


def load_paths(
    paths: Iterable[str], opts: LoadOptions | None = None, stdin: bytes | None = None
) -> LoadResult:
    """Load every manifest below the given paths (``-`` reads stdin)."""
    with cyclic_gc_paused():
        return _load_paths(paths, opts, stdin)


def _load_paths(paths: Iterable[str], opts: LoadOptions | None, stdin: bytes | None) -> LoadResult:
    opts = opts or LoadOptions()
    result = LoadResult()
    for arg in paths:
        if arg == STDIN:
            raw = stdin if stdin is not None else sys.stdin.buffer.read()
            result.extend(load_bytes(raw, "<stdin>", opts))
            continue
        expanded = _expand(arg)
        if expanded is not None:
            if not expanded:
                result.errors.append(
                    ScanError(arg, None, "pattern matches no file", "Check the glob pattern.")
                )
            for p in expanded:
                result.extend(_load_one(p, opts, explicit=False))
            continue
        result.extend(_load_one(Path(arg), opts, explicit=True))
    return result


def _load_one(path: Path, opts: LoadOptions, *, explicit: bool) -> LoadResult:
    if not path.exists():
        return _error(str(path), "no such file or directory", "Check the path.")
    if path.is_dir():
        out = LoadResult()
        for item in _walk(path):
            if item.is_dir():
                out.extend(_render(item, opts))
            else:
                out.extend(load_file(item, opts))
        return out
    if explicit or _is_manifest_name(path.name):
        return load_file(path, opts)
    return LoadResult()


def _render(directory: Path, opts: LoadOptions) -> LoadResult:
    if not opts.render:
        return _error(
            str(directory),
            "directory needs rendering (kustomize or Helm) and rendering is off",
            "Render it yourself and scan the output, or drop --no-render.",
        )
    rendered = render.render_directory(directory)
    if isinstance(rendered, ScanError):
        return LoadResult(errors=[rendered], files=1)
    return load_bytes(rendered, str(directory), opts)
