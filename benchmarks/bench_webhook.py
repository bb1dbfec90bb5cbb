"""Load test of `stockade webhook serve` on loopback: latency at fixed rates, errors, memory.

The server runs as its own process, exactly as deployed (one uvicorn process, TLS, JSON decision
logs written to a file). The client is an open-loop asyncio generator over keep-alive HTTPS
connections (on uvloop when installed, whose TLS costs a fraction of asyncio's; its CPU share is
reported, since it runs on the same cores as the server): requests are scheduled at a fixed rate and latency counts from the *scheduled*
time, so a stalled server cannot hide its queueing (no coordinated omission). The body is a
typical Deployment review (a few containers, probes, env, volumes) that violates some rules.

    python benchmarks/bench_webhook.py                     # 100, 500, ramp, 300 s soak at 500
    python benchmarks/bench_webhook.py --duration 10 --soak 60 --json out.json

Re-runnable and deterministic input; timings depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stockade.admission.certs import generate_certs


def typical_review(i: int) -> bytes:
    """A Deployment review like those CI systems send all day: three containers, some findings."""

    def container(name: str, image: str) -> dict[str, Any]:
        return {
            "name": name,
            "image": image,
            "ports": [{"containerPort": 8080, "name": "http"}],
            "env": [
                {"name": "LOG_LEVEL", "value": "info"},
                {"name": "DB_HOST", "value": "postgres.shop.svc"},
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
            ],
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
            "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}},
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "runAsNonRoot": True,
                "capabilities": {"drop": ["ALL"]},
            },
            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
        }

    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"shop-{i % 50}",
            "namespace": "shop",
            "labels": {"app": "shop", "team": "payments"},
            "annotations": {"deployment.kubernetes.io/revision": "7"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "shop"}},
            "template": {
                "metadata": {"labels": {"app": "shop"}},
                "spec": {
                    "serviceAccountName": "shop",
                    "containers": [
                        container("api", "ghcr.io/acme/shop-api:2.4.1"),
                        container("worker", "ghcr.io/acme/shop-worker:2.4.1"),
                        container("proxy", "envoyproxy/envoy:v1.30.1"),
                    ],
                    "volumes": [{"name": "cache", "emptyDir": {}}],
                },
            },
        },
    }
    review = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": f"bench-{i:08d}",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "namespace": "shop",
            "name": obj["metadata"]["name"],  # type: ignore[index]
            "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:ci:deployer", "groups": []},
            "object": obj,
            "dryRun": False,
        },
    }
    return json.dumps(review).encode()


@dataclass
class RunResult:
    """One fixed-rate run."""

    rate: float
    duration: float
    sent: int = 0
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    rss_kib: list[tuple[float, int]] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    steal: float = 0.0

    def pct(self, p: float) -> float:
        """Latency percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000

    def achieved(self) -> float:
        """Responses per second actually completed."""
        return self.ok / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        """Figures for the report."""
        out: dict[str, Any] = {
            "rate": self.rate,
            "duration_s": self.duration,
            "sent": self.sent,
            "ok": self.ok,
            "errors": self.errors,
            "achieved_rps": round(self.achieved(), 1),
            "p50_ms": round(self.pct(50), 2),
            "p99_ms": round(self.pct(99), 2),
            "max_ms": round(max(self.latencies) * 1000, 2) if self.latencies else None,
            # Server CPU per answered request: what the server costs, whatever else runs.
            "server_cpu_ms_per_request": round(self.server_cpu / max(self.ok, 1) * 1000, 3),
            "client_cpu_ms_per_request": round(self.client_cpu / max(self.ok, 1) * 1000, 3),
            # Fractions of one core over the run.
            "server_cpu_share": round(self.server_cpu / max(self.elapsed, 1e-9), 3),
            "client_cpu_share": round(self.client_cpu / max(self.elapsed, 1e-9), 3),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
            # CPU seconds the hypervisor gave to other guests while this VM wanted to run: on a
            # shared VM the worst tails come with it, whatever the server does.
            "steal_cpu_s": round(self.steal, 2),
        }
        if self.rss_kib:
            rss = [r for _, r in self.rss_kib]
            out["rss_mib_first"] = round(rss[0] / 1024, 1)
            out["rss_mib_last"] = round(rss[-1] / 1024, 1)
            out["rss_mib_max"] = round(max(rss) / 1024, 1)
        return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def steal_seconds() -> float:
    """CPU time stolen from this machine by its hypervisor so far, all CPUs, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Connection:
    """One keep-alive HTTPS connection speaking just enough HTTP/1.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int, ctx: ssl.SSLContext) -> Connection:
        """Connect and handshake."""
        r, w = await asyncio.open_connection(
            "127.0.0.1", port, ssl=ctx, server_hostname="localhost"
        )
        return cls(r, w)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """POST /validate; return status and body."""
        head = (
            "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        return status, await self.reader.readexactly(length)


async def fixed_rate(
    port: int, ctx: ssl.SSLContext, rate: float, duration: float, pid: int, conns: int
) -> RunResult:
    """Send ``rate`` requests per second for ``duration`` seconds, open loop."""
    result = RunResult(rate, duration)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(await Connection.open(port, ctx))
    bodies = [typical_review(i) for i in range(200)]
    tasks: set[asyncio.Task[None]] = set()

    async def one(i: int, scheduled: float) -> None:
        conn = await pool.get()
        try:
            status, body = await conn.post(bodies[i % len(bodies)])
            if status == 200 and b'"uid":"bench-' in body:
                result.ok += 1
                result.latencies.append(time.perf_counter() - scheduled)
            else:
                result.errors += 1
            pool.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            pool.put_nowait(await Connection.open(port, ctx))

    async def sample_memory() -> None:
        t0 = time.perf_counter()
        while True:
            result.rss_kib.append((time.perf_counter() - t0, rss_kib(pid)))
            await asyncio.sleep(1.0)

    sampler = asyncio.create_task(sample_memory())
    cpu0 = cpu_seconds(pid)
    client0 = time.process_time()
    steal0 = steal_seconds()
    start = time.perf_counter()
    interval = 1.0 / rate
    n = int(rate * duration)
    for i in range(n):
        scheduled = start + i * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        t = asyncio.create_task(one(i, scheduled))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        result.sent += 1
    # Requests still queued 30 s after the last was due count as errors (the server fell
    # behind); the run ends instead of waiting for an ever-growing backlog.
    if tasks:
        _, late = await asyncio.wait(set(tasks), timeout=30)
        for t in late:
            t.cancel()
        result.errors += len(late)
    result.elapsed = time.perf_counter() - start
    result.server_cpu = cpu_seconds(pid) - cpu0
    result.client_cpu = time.process_time() - client0
    result.steal = steal_seconds() - steal0
    sampler.cancel()
    while not pool.empty():
        pool.get_nowait().writer.close()
    return result


def start_server(certs_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`stockade webhook serve` on a free loopback port, in enforce mode."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "KUBERNETES_SERVICE_HOST"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockade",
            "webhook",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--tls-cert",
            str(certs_dir / "tls.crt"),
            "--tls-key",
            str(certs_dir / "tls.key"),
            "--mode",
            "enforce",
            "--namespace-labels",
            "off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def run(coro: Any) -> Any:
    """Run the client on uvloop when it is installed, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> None:
    """Run the rates, the ramp and the soak; print a table and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=20, help="seconds per fixed rate")
    ap.add_argument("--rates", default="100,500", help="fixed rates to report")
    ap.add_argument("--ramp", default="750,1000,1250,1500,2000", help="rates tried upward")
    ap.add_argument("--soak", type=float, default=300, help="seconds of the memory soak")
    ap.add_argument("--soak-rate", type=float, default=500, help="requests/s during the soak")
    ap.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    ap.add_argument("--sustain-p99-ms", type=float, default=10.0, help="sustainable if p99 below")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="stockade-bench-"))
    generate_certs(tmp, ["localhost"], ["127.0.0.1"])
    ctx = ssl.create_default_context(cafile=str(tmp / "ca.crt"))
    proc, port = start_server(tmp, tmp / "server.log")
    report: dict[str, Any] = {
        "connections": args.connections,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "runs": [],
        "ramp": [],
    }
    try:
        run(fixed_rate(port, ctx, 200, 3, proc.pid, args.connections))  # warm-up
        for rate in [float(r) for r in args.rates.split(",")]:
            res = run(fixed_rate(port, ctx, rate, args.duration, proc.pid, args.connections))
            report["runs"].append(res.summary())
            print(json.dumps(res.summary()), flush=True)
        best = None
        for rate in [float(r) for r in args.ramp.split(",") if r]:
            res = run(fixed_rate(port, ctx, rate, args.duration, proc.pid, args.connections))
            s = res.summary()
            report["ramp"].append(s)
            print("ramp", json.dumps(s), flush=True)
            ok = (
                res.errors == 0
                and res.pct(99) < args.sustain_p99_ms
                and res.achieved() >= 0.97 * rate
            )
            if not ok:
                break
            best = s
        report["highest_sustainable"] = best
        if args.soak > 0:
            res = run(fixed_rate(port, ctx, args.soak_rate, args.soak, proc.pid, args.connections))
            s = res.summary()
            s["rss_mib_series"] = [round(r / 1024, 1) for t, r in res.rss_kib if int(t) % 10 == 0]
            report["soak"] = s
            print("soak", json.dumps(s), flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    report["load_average_after"] = os.getloadavg()
    report["server_exit_code"] = proc.returncode
    report["decision_log_lines"] = sum(1 for _ in (tmp / "server.log").open("rb"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
