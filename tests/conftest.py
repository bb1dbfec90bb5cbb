"""Shared test helpers: paths to the shared data, and building inventories from YAML text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stockade.inventory import Inventory
from stockade.model import ScanResult
from stockade.policy.config import Config
from stockade.scan import ScanSettings, scan_load_result
from stockade.sources.files import LoadResult, load_bytes

REPO = Path(__file__).resolve().parents[1]
# The shared data sits beside the repository; STOCKADE_SHARED_DATA points elsewhere when it does not.
SHARED = Path(os.environ.get("STOCKADE_SHARED_DATA") or REPO.parent / "shared")


def shared(*parts: str) -> Path:
    """A path in the shared data; missing data fails the test instead of skipping it."""
    path = SHARED.joinpath(*parts)
    assert path.exists(), f"shared data missing: {path}"
    return path


def load_text(text: str, name: str = "test.yaml") -> LoadResult:
    """Load manifests from YAML text."""
    return load_bytes(text.encode(), name)


def inventory(text: str) -> Inventory:
    """An inventory from YAML text; fails on input errors."""
    loaded = load_text(text)
    assert not loaded.errors, loaded.errors
    return Inventory(loaded.resources)


def scan_text(text: str, config: Config | None = None, only: list[str] | None = None) -> ScanResult:
    """Scan YAML text, optionally with only some rules enabled."""
    cfg = config or Config()
    if only is not None:
        cfg = cfg.model_copy(update={"rules": cfg.rules.model_copy(update={"only": only})})
    return scan_load_result(load_text(text), ScanSettings(config=cfg))


@pytest.fixture
def repo() -> Path:
    """The repository root."""
    return REPO
