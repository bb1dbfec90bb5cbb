"""Rendering kustomizations and Helm charts with the user's own tools.

Stockade does not re-implement kustomize or Helm: it runs ``kubectl kustomize`` (or a standalone
``kustomize``) and ``helm template`` when they are on PATH, and says clearly what to do when
they are not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Literal

from stockade.model import ScanError

RenderKind = Literal["kustomize", "helm"]

_KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RENDER_TIMEOUT_SECONDS = 120


def render_kind(directory: Path) -> RenderKind | None:
    """Whether a directory is a kustomization or a Helm chart."""
    if any((directory / name).is_file() for name in _KUSTOMIZATION_FILES):
        return "kustomize"
    if (directory / "Chart.yaml").is_file():
        return "helm"
    return None


def _command(kind: RenderKind, directory: Path) -> tuple[list[str] | None, str]:
    if kind == "kustomize":
        if shutil.which("kubectl"):
            return ["kubectl", "kustomize", str(directory)], "kubectl"
        if shutil.which("kustomize"):
            return ["kustomize", "build", str(directory)], "kustomize"
        return None, "kubectl"
    if shutil.which("helm"):
        return ["helm", "template", "stockade-scan", str(directory)], "helm"
    return None, "helm"


def _by_hand(kind: RenderKind, directory: Path) -> str:
    if kind == "kustomize":
        return f"kubectl kustomize {directory} > rendered.yaml && stockade scan rendered.yaml"
    return f"helm template RELEASE {directory} > rendered.yaml && stockade scan rendered.yaml"


def render_directory(directory: Path) -> bytes | ScanError:
    """Rendered manifests of a kustomization or chart, or an error saying what to do."""
    kind = render_kind(directory)
    if kind is None:
        return ScanError(str(directory), None, "not a kustomization or Helm chart")
    cmd, tool = _command(kind, directory)
    what = "kustomization" if kind == "kustomize" else "Helm chart"
    if cmd is None:
        return ScanError(
            str(directory),
            None,
            f"{what} not rendered: {tool} is not on PATH",
            f"Install {tool}, or render by hand: {_by_hand(kind, directory)}",
        )
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=RENDER_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ScanError(
            str(directory),
            None,
            f"{what} not rendered: {' '.join(cmd[:2])} failed ({type(exc).__name__})",
            f"Render by hand: {_by_hand(kind, directory)}",
        )
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = stderr[-1] if stderr else f"exit code {proc.returncode}"
        return ScanError(
            str(directory),
            None,
            f"{what} not rendered: {' '.join(cmd[:2])} said: {detail[:300]}",
            f"Fix the {what}, or render by hand: {_by_hand(kind, directory)}",
        )
    return proc.stdout
