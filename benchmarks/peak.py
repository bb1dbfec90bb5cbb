"""Run a command and measure it: wall time, CPU time and its own peak RSS.

Linux carries a process's peak RSS across fork and exec, so a command started straight from a
benchmark that already holds 400 MB reports at least 400 MB, whatever it used itself. The
command is therefore started from a small launcher process (a few MB), and the launcher reports
the command's resource usage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_LAUNCHER = """\
import json, os, subprocess, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
proc = subprocess.Popen(argv)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
with open(out, "w") as f:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
               "rss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, f)
"""


@dataclass(frozen=True)
class Measured:
    """What one run of a command took."""

    wall: float
    cpu: float
    rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measure(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    capture_stdout: bool = False,
) -> Measured:
    """Run ``argv`` to completion through the launcher; stdout is discarded unless captured."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "usage.json"
        stdout = Path(tmp) / "stdout"
        with stdout.open("wb") as out:
            proc = subprocess.run(
                [sys.executable, "-c", _LAUNCHER, str(report), *argv],
                stdout=out if capture_stdout else subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env if env is not None else os.environ.copy(),
                check=False,
            )
        usage = json.loads(report.read_text())
        return Measured(
            wall=usage["wall"],
            cpu=usage["cpu"],
            rss_mb=usage["rss_kb"] / 1024,
            returncode=usage["code"],
            stdout=stdout.read_text() if capture_stdout else "",
            stderr=proc.stderr.decode(errors="replace"),
        )
