"""No credential from a reviewed object ever appears in an answer or a log line."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from stockade.admission.app import WebhookState

from tests.admission.harness import Running, deployment, request_for

Serve = Callable[..., Running]

PASSWORD = "Zq8!vR2#mT6@pL9$wX4"
AWS_KEY = "AKIAQ7RZ3M4N5P6T7V2W"
DB_URL = f"postgres://shop:{PASSWORD}@db.shop.svc:5432/shop"


def test_no_secret_value_in_responses_or_logs(serve: Serve, json_logs: io.StringIO) -> None:
    srv = serve(WebhookState.from_files(None, mode="enforce", fail_on="low"))
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop"},
        "type": "Opaque",
        "data": {"password": base64.b64encode(PASSWORD.encode()).decode()},
        "stringData": {"aws_access_key_id": AWS_KEY, "url": DB_URL},
    }
    literal = deployment(
        "api",
        "shop",
        container={
            "env": [
                {"name": "DATABASE_URL", "value": DB_URL},
                {"name": "AWS_ACCESS_KEY_ID", "value": AWS_KEY},
                {"name": "DB_PASSWORD", "value": PASSWORD},
            ],
            "args": [f"--password={PASSWORD}"],
        },
    )
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop"},
        "data": {"DB_PASSWORD": PASSWORD, "dsn": DB_URL},
    }
    answers = []
    for obj in (secret, literal, config_map):
        for dry_run in (False, True):
            resp = srv.review(request_for(obj, dry_run=dry_run))
            answers.append(repr(resp))
    # The credentials were seen and judged, not ignored...
    assert "secret-in-env-literal" in answers[2]
    assert "secret-in-env-literal" in answers[4]
    # ...but neither answers nor logs repeat them, whole or encoded.
    logs = json_logs.getvalue()
    assert "secret-in-env-literal" in logs
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    for text in (*answers, logs):
        for value in (PASSWORD, AWS_KEY, DB_URL, encoded, PASSWORD[:10]):
            assert value not in text
