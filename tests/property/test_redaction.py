"""Property: whatever credential a manifest holds, no report format repeats it."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.report import OutputFormat, reporter_for
from stockade.rules.catalogue import load_catalogue

from tests.conftest import scan_text

ALNUM = string.ascii_letters + string.digits
secret_values = st.one_of(
    st.text(alphabet=ALNUM, min_size=20, max_size=40).map(lambda s: "Zx9" + s),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=16, max_size=16).map(
        lambda s: "AKIA" + s
    ),
    st.text(alphabet=ALNUM, min_size=36, max_size=40).map(lambda s: "ghp_" + s),
)
names = st.sampled_from(
    ["DB_PASSWORD", "API_TOKEN", "CLIENT_SECRET", "STRIPE_API_KEY", "AUTH_TOKEN"]
)


@settings(max_examples=40, deadline=None)
@given(value=secret_values, name=names)
def test_credential_never_echoed(value: str, name: str) -> None:
    text = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: app, namespace: shop}}
spec:
  containers:
    - name: app
      image: example/app:1
      args: ["--api-token={value}"]
      env:
        - {{name: {name}, value: "{value}"}}
---
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: shop}}
stringData: {{{name.lower()}: "{value}"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: cfg, namespace: shop}}
data: {{{name}: "{value}"}}
"""
    result = scan_text(text)
    fired = {f.rule for f in result.findings}
    # Detection itself is pinned by the rule fixtures; here: whatever fires never echoes.
    assert "plaintext-secret-manifest" in fired
    for fmt in OutputFormat:
        out = reporter_for(fmt).format(result, load_catalogue())
        assert value not in out
