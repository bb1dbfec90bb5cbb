"""Where the shared data lives: ``shared/`` beside the repository (or one level up)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The shared data directory; asserts it exists (missing data fails, never skips)."""
    for candidate in (ROOT / ".." / "shared", ROOT / ".." / ".." / "shared"):
        if candidate.is_dir():
            return candidate.resolve()
    raise AssertionError(
        f"shared data not found beside {ROOT}; clone the repository next to shared/"
    )


def corpus(name: str) -> Path:
    """One corpus directory under shared/corpora."""
    path = shared_dir() / "corpora" / name
    assert path.is_dir(), f"missing corpus {path}"
    return path
