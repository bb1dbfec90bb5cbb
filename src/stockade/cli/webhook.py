"""``stockade webhook``: serve the admission webhook, emit its manifests, make certificates."""

from __future__ import annotations

import logging
import os
import signal
import ssl
import sys
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import typer
import yaml

from stockade.admission.review import MAX_BODY_BYTES
from stockade.cli.errors import command
from stockade.errors import ConfigError, UsageError

# NOTE: the server, TLS and manifest modules are imported inside the commands so that
# `stockade scan` does not pay for starlette, uvicorn and cryptography at start-up.
NAME = "stockade-webhook"

app = typer.Typer(help="The validating admission webhook.", no_args_is_help=True)

_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class FailurePolicy(StrEnum):
    """What the API server does when the webhook cannot answer."""

    FAIL = "Fail"
    IGNORE = "Ignore"


class NamespaceSource(StrEnum):
    """Where namespace labels (``stockade.dev/mode``) come from."""

    AUTO = "auto"
    API = "api"
    OFF = "off"


def _own_namespace(given: str | None) -> str | None:
    if given:
        return given
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    try:
        return _SA_NAMESPACE.read_text("utf-8").strip() or None
    except OSError:
        return None


def _configure_logging(level: str) -> logging.StreamHandler[TextIO]:
    from stockade.admission.logs import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    return handler


@command
def _serve(
    config: Path | None = typer.Option(None, "--config", "-c", help="stockade.yaml (reloaded)."),
    tls_cert: Path = typer.Option(..., "--tls-cert", help="Serving certificate (reloaded)."),
    tls_key: Path = typer.Option(..., "--tls-key", help="Serving key (reloaded)."),
    port: int = typer.Option(8443, "--port", help="HTTPS port."),
    host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on."),
    mode: str | None = typer.Option(
        None, "--mode", help="Default mode: enforce, warn or audit (default: config, else warn)."
    ),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="Threshold: low, medium, high (default), critical, never."
    ),
    namespace: str | None = typer.Option(
        None, "--namespace", help="The webhook's own namespace, always exempt."
    ),
    namespace_labels: NamespaceSource = typer.Option(
        NamespaceSource.AUTO,
        "--namespace-labels",
        help="Per-namespace modes from the API: auto (in a cluster), api, off.",
    ),
    reload_interval: float = typer.Option(
        5.0, "--reload-interval", help="Seconds between checks of the config and cert files."
    ),
    drain_seconds: float = typer.Option(
        20.0, "--drain-seconds", help="On SIGTERM, how long requests in flight may finish."
    ),
    max_body_bytes: int = typer.Option(
        MAX_BODY_BYTES, "--max-body-bytes", help="Largest AdmissionReview accepted."
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
) -> int:
    """Serve POST /validate over HTTPS, plus /healthz, /readyz and /metrics."""
    from stockade.admission.app import WebhookState
    from stockade.admission.logs import StreamDecisions
    from stockade.admission.namespaces import KubernetesNamespaceLabels, StaticNamespaceLabels
    from stockade.admission.server import ServeOptions, build_server

    handler = _configure_logging(log_level)
    own = _own_namespace(namespace)
    use_api = namespace_labels is NamespaceSource.API or (
        namespace_labels is NamespaceSource.AUTO and "KUBERNETES_SERVICE_HOST" in os.environ
    )
    labels = KubernetesNamespaceLabels() if use_api else StaticNamespaceLabels()
    state = WebhookState.from_files(
        config,
        own,
        mode,
        fail_on,
        namespaces=labels,
        reload_interval=reload_interval,
        max_body_bytes=max_body_bytes,
        decisions=StreamDecisions(handler, logging.getLogger().level),
    )
    try:
        server = build_server(state, tls_cert, tls_key, ServeOptions(host, port, drain_seconds))
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            f"cannot load the certificate {tls_cert} and key {tls_key}: "
            f"{getattr(exc, 'strerror', None) or type(exc).__name__}",
            "Check both files exist and belong together; `stockade webhook cert` makes a pair.",
        ) from None
    # uvicorn drains on SIGTERM, then re-raises it to the handler it found; a no-op handler
    # makes a completed drain exit 0 instead of dying of the signal.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    server.run()
    return 0


@command
def _manifests(
    namespace: str = typer.Option("stockade-system", "--namespace", help="Namespace to deploy."),
    image: str = typer.Option(..., "--image", help="Image, ideally pinned by digest."),
    failure_policy: FailurePolicy = typer.Option(
        FailurePolicy.FAIL, "--failure-policy", help="Fail (closed) or Ignore (open)."
    ),
    cert_dir: Path | None = typer.Option(
        None, "--cert-dir", help="Directory with ca.crt: sets the caBundle."
    ),
    cert_manager: bool = typer.Option(
        False, "--cert-manager", help="Add a cert-manager Certificate and CA injection."
    ),
    exempt_namespace: list[str] = typer.Option(
        [], "--exempt-namespace", help="Namespace never sent to the webhook (repeatable)."
    ),
    mode: str = typer.Option("warn", "--mode", help="Default mode in the shipped config."),
    fail_on: str = typer.Option("high", "--fail-on", help="Threshold in the shipped config."),
    timeout: int = typer.Option(5, "--timeout", help="timeoutSeconds of the webhook (1-30)."),
    config: Path | None = typer.Option(
        None, "--config", help="stockade.yaml to ship in the ConfigMap instead of the default."
    ),
    api_server_cidr: str = typer.Option(
        "0.0.0.0/0",
        "--api-server-cidr",
        help="API server address block for the egress policy (metadata address always excluded).",
    ),
    replicas: int = typer.Option(2, "--replicas", help="Replicas of the webhook (2 or more)."),
    cpu_request: str = typer.Option(
        "100m", "--cpu-request", help="CPU request per replica: about 1 ms per review."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> int:
    """Print a hardened, deployable manifest set as multi-document YAML."""
    from stockade.admission.certs import CA_CERT
    from stockade.admission.manifests import ManifestOptions, cpu_millis, webhook_manifests

    if not 1 <= timeout <= 30:
        raise UsageError("--timeout must be between 1 and 30 seconds", "Example: --timeout 5.")
    if replicas < 2:
        raise UsageError(
            f"--replicas {replicas}: the webhook needs at least 2",
            "With one replica every restart leaves the API server without an answer; "
            "use --replicas 2 or more.",
        )
    if cpu_millis(cpu_request) is None:
        raise UsageError(
            f"--cpu-request {cpu_request!r} is not a CPU quantity",
            "Write millicores or cores, e.g. --cpu-request 250m or --cpu-request 1.",
        )
    if mode not in ("enforce", "warn", "audit"):
        raise UsageError(f"--mode {mode!r} is not enforce, warn or audit", "Example: --mode warn.")
    ca_bundle = None
    if cert_dir is not None:
        try:
            ca_bundle = (cert_dir / CA_CERT).read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read {cert_dir / CA_CERT}: {exc.strerror}",
                "Create it with `stockade webhook cert --out DIR`.",
            ) from None
    config_text = ""
    if config is not None:
        try:
            config_text = config.read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {config}: {exc.strerror}", "Check --config.") from None
    opts = ManifestOptions(
        namespace=namespace,
        image=image,
        failure_policy=failure_policy.value,
        ca_bundle=ca_bundle,
        exempt_namespaces=tuple(exempt_namespace) or ("kube-system",),
        mode=mode,
        fail_on=fail_on,
        timeout_seconds=timeout,
        cert_manager=cert_manager,
        config=config_text,
        api_server_cidr=api_server_cidr,
        replicas=replicas,
        cpu_request=cpu_request.strip(),
    )
    text = yaml.safe_dump_all(webhook_manifests(opts), sort_keys=False, explicit_start=True)
    if output is not None:
        output.write_text(text, "utf-8")
    else:
        typer.echo(text, nl=False)
    return 0


@command
def _cert(
    out: Path = typer.Option(..., "--out", help="Directory for ca.crt, ca.key, tls.crt, tls.key."),
    namespace: str = typer.Option("stockade-system", "--namespace", help="Service namespace."),
    service: str = typer.Option(NAME, "--service", help="Service name."),
    dns: list[str] = typer.Option([], "--dns", help="Extra DNS name (repeatable)."),
    ip: list[str] = typer.Option([], "--ip", help="IP address to include (repeatable)."),
    days: int = typer.Option(365, "--days", help="Validity in days."),
) -> int:
    """Write a self-signed CA and a serving certificate for the Service's DNS names."""
    from stockade.admission.certs import generate_certs, service_dns_names

    try:
        paths = generate_certs(out, [*service_dns_names(service, namespace), *dns], ip, days)
    except ValueError as exc:
        raise UsageError(f"invalid --ip: {exc}", "Example: --ip 127.0.0.1.") from None
    typer.echo(f"wrote {paths.ca_cert}, {paths.cert}, {paths.key} (and {paths.ca_key})", err=True)
    typer.echo(
        f"next: kubectl -n {namespace} create secret tls {NAME}-tls "
        f"--cert {paths.cert} --key {paths.key}",
        err=True,
    )
    return 0


app.command("serve")(_serve)
app.command("manifests")(_manifests)
app.command("cert")(_cert)
