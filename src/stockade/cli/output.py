"""Writing reports to stdout or a file."""

from __future__ import annotations

import sys
from pathlib import Path


def write_output(text: str, output: Path | None) -> None:
    """Write the report to ``output`` or stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")
