"""audit-exec, audit-port-forward, audit-node-proxy, audit-token-request and
audit-secret-access-anomaly."""

from __future__ import annotations

from stockade.detect import DetectSettings
from stockade.model import Severity

from tests.detect.auditevents import event, rules_of, run

EXEC_URI = (
    "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&command="
    "mysql%20-pHunter2&container=app&stdin=true&stdout=true&tty=true"
)


def test_exec_create_and_websocket_get_both_alert() -> None:
    for verb in ("create", "get"):
        alerts, _ = run(
            event(
                verb,
                "pods",
                namespace="prod",
                name="web-1",
                subresource="exec",
                code=101,
                stage="ResponseStarted",
                uri=EXEC_URI,
            )
        )
        assert rules_of(alerts) == ["audit-exec"], verb
        assert "'sh'" in alerts[0].message and "container 'app'" in alerts[0].message


def test_exec_arguments_are_never_shown() -> None:
    alerts, _ = run(
        event(
            "create",
            "pods",
            namespace="prod",
            name="web-1",
            subresource="exec",
            code=101,
            stage="ResponseStarted",
            uri=EXEC_URI,
        )
    )
    assert "Hunter2" not in alerts[0].message
    assert "+2 arguments not shown" in alerts[0].message


def test_exec_is_one_alert_per_request_across_stages() -> None:
    started = event(
        "create",
        "pods",
        namespace="prod",
        name="web-1",
        subresource="exec",
        code=101,
        stage="ResponseStarted",
        uri=EXEC_URI,
        audit_id="a-1",
    )
    complete = dict(started, stage="ResponseComplete")
    received = dict(started, stage="RequestReceived")
    alerts, det = run(received, started, complete)
    assert rules_of(alerts) == ["audit-exec"]
    assert det.events == 3


def test_attach_alerts_and_forbidden_exec_does_not() -> None:
    alerts, _ = run(
        event(
            "create",
            "pods",
            namespace="prod",
            name="web-1",
            subresource="attach",
            code=101,
            stage="ResponseStarted",
        ),
        event("create", "pods", namespace="prod", name="web-1", subresource="exec", code=403),
        event("create", "pods", namespace="prod", name="web-1", subresource="log"),
    )
    assert rules_of(alerts) == ["audit-exec"]
    assert "attached" in alerts[0].message


def test_port_forward() -> None:
    alerts, _ = run(
        event(
            "get",
            "pods",
            namespace="prod",
            name="db-0",
            subresource="portforward",
            code=101,
            stage="ResponseStarted",
            uri="/api/v1/namespaces/prod/pods/db-0/portforward?ports=5432",
        )
    )
    assert rules_of(alerts) == ["audit-port-forward"]
    assert "5432" in alerts[0].message


def test_node_proxy_any_verb_but_not_metrics_scrapes() -> None:
    alerts, _ = run(
        event(
            "get",
            "nodes",
            name="node-1",
            subresource="proxy",
            uri="/api/v1/nodes/node-1/proxy/run/prod/web-1/app?cmd=id",
        ),
        event(
            "create",
            "nodes",
            name="node-1:10250",
            subresource="proxy",
            uri="/api/v1/nodes/node-1:10250/proxy/pods",
        ),
        event(
            "get",
            "nodes",
            name="node-1",
            subresource="proxy",
            user="prometheus",
            uri="/api/v1/nodes/node-1/proxy/metrics/cadvisor",
        ),
        event(
            "get",
            "nodes",
            name="node-1",
            subresource="proxy",
            code=403,
            uri="/api/v1/nodes/node-1/proxy/run/x",
        ),
    )
    assert rules_of(alerts) == ["audit-node-proxy", "audit-node-proxy"]
    assert alerts[0].severity is Severity.CRITICAL and "cmd" not in alerts[0].message
    assert alerts[1].severity is Severity.HIGH and "node node-1 " in alerts[1].message


def test_token_request_by_user_but_not_by_kubelet() -> None:
    spec = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": ["https://kubernetes.default.svc"], "expirationSeconds": 3600},
    }
    alerts, _ = run(
        event(
            "create",
            "serviceaccounts",
            namespace="ci",
            name="deployer",
            subresource="token",
            request=spec,
        ),
        event(
            "create",
            "serviceaccounts",
            namespace="ci",
            name="deployer",
            subresource="token",
            user="system:node:node-1",
        ),
    )
    assert rules_of(alerts) == ["audit-token-request"]
    assert "ci/deployer" in alerts[0].message and "3600s" in alerts[0].message


def test_token_request_never_shows_the_issued_token() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLWJvZHk.sig"
    response = {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "spec": {"audiences": [token]},
        "status": {"token": token},
    }
    alerts, _ = run(
        event(
            "create",
            "serviceaccounts",
            namespace="ci",
            name="d",
            subresource="token",
            request={"kind": "TokenRequest", "spec": {"audiences": [token]}},
            response=response,
        )
    )
    assert rules_of(alerts) == ["audit-token-request"]
    assert token not in alerts[0].message and "[redacted]" in alerts[0].message


def _secret_read(
    verb: str, ns: str | None, name: str | None, t: str, user: str = "alice"
) -> dict[str, object]:
    return event(verb, "secrets", namespace=ns, name=name, user=user, time=t)


def test_cluster_wide_secret_list_alerts_at_once() -> None:
    alerts, _ = run(
        _secret_read("list", None, None, "2026-11-28T10:00:00Z"),
        _secret_read(
            "watch", None, None, "2026-11-28T10:00:01Z", user="system:kube-controller-manager"
        ),
    )
    assert rules_of(alerts) == ["audit-secret-access-anomaly"]
    assert alerts[0].severity is Severity.HIGH


def test_new_secret_read_after_learning_window() -> None:
    settings = DetectSettings(learning_window=600)
    alerts, _ = run(
        _secret_read("get", "app", "db", "2026-11-28T10:00:00Z"),
        _secret_read("list", "app", None, "2026-11-28T10:05:00Z", user="bob"),
        _secret_read("get", "app", "db", "2026-11-28T11:00:00Z"),  # learned
        _secret_read("get", "app", "tls", "2026-11-28T11:00:01Z", user="bob"),  # bob listed app
        _secret_read("get", "app", "api-key", "2026-11-28T11:00:02Z"),  # new for alice
        _secret_read("get", "app", "api-key", "2026-11-28T11:00:03Z"),  # only once
        _secret_read("get", "kube-system", "x", "2026-11-28T11:00:04Z", user="system:node:n1"),
        settings=settings,
    )
    assert rules_of(alerts) == ["audit-secret-access-anomaly"]
    assert "app/api-key" in alerts[0].message and alerts[0].user == "alice"


def test_failed_and_write_secret_requests_are_not_reads() -> None:
    settings = DetectSettings(learning_window=1)
    alerts, _ = run(
        _secret_read("get", "app", "db", "2026-11-28T10:00:00Z"),
        event(
            "get", "secrets", namespace="app", name="other", code=403, time="2026-11-28T11:00:00Z"
        ),
        event("create", "secrets", namespace="app", name="new", time="2026-11-28T11:00:00Z"),
        event("delete", "secrets", namespace="app", name="db", time="2026-11-28T11:00:00Z"),
        settings=settings,
    )
    assert alerts == []
