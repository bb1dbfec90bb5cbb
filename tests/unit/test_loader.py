"""Loader robustness: every kind of broken input is an error entry, and the rest is scanned."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import pytest

from stockade.sources.files import LoadOptions, load_bytes, load_paths

from tests.conftest import load_text

GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: good, namespace: app}
data: {a: b}
"""


def test_multi_document_with_broken_middle_keeps_the_others() -> None:
    text = GOOD + "---\nkind: [unclosed\n  bad: : :\n---\n" + GOOD.replace("good", "after")
    out = load_text(text)
    names = sorted(r.name for r in out.resources)
    assert names == ["after", "good"]
    assert len(out.errors) == 1
    err = out.errors[0]
    assert err.line is not None and 5 <= err.line <= 7
    assert "invalid YAML" in err.message


def test_document_that_is_not_a_mapping() -> None:
    out = load_text("- a\n- b\n---\n" + GOOD)
    assert [r.name for r in out.resources] == ["good"]
    assert "not a mapping" in out.errors[0].message
    assert out.errors[0].line == 1


def test_resource_without_name() -> None:
    out = load_text("apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\nspec: {}\n")
    assert not out.resources
    assert out.errors[0].message == "Pod has no metadata.name"
    out = load_text("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {}\nspec: {}\n")
    assert not out.resources
    assert out.errors[0].message == "Pod has no metadata.name"
    assert out.errors[0].line == 1


def test_non_kubernetes_yaml_is_skipped_and_counted() -> None:
    out = load_text("name: my-chart\nversion: 1.0\n---\n" + GOOD + "---\n# only a comment\n")
    assert out.skipped == 1
    assert not out.errors
    assert [r.name for r in out.resources] == ["good"]


def test_bare_equals_scalar_loads_as_string() -> None:
    text = GOOD.replace("{a: b}", "{op: =, list: [=, '!=']}")
    out = load_text(text)
    assert not out.errors
    assert out.resources[0].obj["data"]["op"] == "="


def test_timestamps_stay_strings() -> None:
    out = load_text(GOOD.replace("{a: b}", "{since: 2024-01-02}"))
    assert out.resources[0].obj["data"]["since"] == "2024-01-02"


def test_billion_laughs_is_rejected_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "\n".join(
        "  " + line for line in lines
    )
    start = time.perf_counter()
    out = load_text(text + "\n---\n" + GOOD)
    assert time.perf_counter() - start < 10  # a guard against hanging, not a speed claim
    assert [r.name for r in out.resources] == ["good"]
    assert "aliases" in out.errors[0].message


def test_ten_thousand_levels_of_nesting() -> None:
    deep = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: "
        + "[" * 10_000
        + "]" * 10_000
    )
    out = load_text(deep)
    assert not out.resources
    assert "nesting deeper" in out.errors[0].message


def test_deep_block_nesting_does_not_crash() -> None:
    body = "".join(" " * i + f"k{i}:\n" for i in range(5_000))
    out = load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n" + body)
    assert not out.resources
    assert out.errors


def test_binary_file(tmp_path: Path) -> None:
    f = tmp_path / "image.yaml"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    out = load_paths([str(f)])
    assert "binary" in out.errors[0].message
    assert out.errors[0].file == str(f)


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(GOOD.encode() + "# caf\xe9\n".encode("latin-1"))
    out = load_paths([str(f)])
    assert out.errors[0].message == "not UTF-8 text"
    assert out.errors[0].line == 5


def test_fifty_megabyte_file_is_refused_without_reading(tmp_path: Path) -> None:
    f = tmp_path / "huge.yaml"
    with f.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    other = tmp_path / "ok.yaml"
    other.write_text(GOOD)
    out = load_paths([str(tmp_path)])
    assert [r.name for r in out.resources] == ["good"]
    assert "over the" in out.errors[0].message and "--max-file-size" in (out.errors[0].hint or "")


def test_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(b"#" * (4 * 1024 * 1024))
    out = load_paths([str(f)], LoadOptions(max_file_bytes=1024 * 1024))
    assert "limit" in out.errors[0].message


def test_lists_and_kubectl_output() -> None:
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a, namespace: x}
    spec: {}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: b, namespace: x}
    spec: {}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBindingList
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: c, namespace: x}
"""
    out = load_text(text)
    assert [(r.kind, r.name) for r in out.resources] == [
        ("Service", "a"),
        ("Deployment", "b"),
        ("RoleBinding", "c"),
    ]
    assert out.resources[1].origin.base == ("items", 1)


def test_json_file_and_json_error(tmp_path: Path) -> None:
    good = tmp_path / "svc.json"
    good.write_text('{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}')
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "apiVersion": "v1",\n  "kind": \n}')
    out = load_paths([str(tmp_path)])
    assert [r.name for r in out.resources] == ["s"]
    assert out.errors[0].file == str(bad) and out.errors[0].line == 4


def test_old_api_versions_are_scanned_like_current() -> None:
    text = """\
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: old, namespace: legacy}
spec:
  template:
    spec:
      containers: [{name: c, image: nginx, securityContext: {privileged: true}}]
"""
    from tests.conftest import scan_text

    result = scan_text(text, only=["privileged-container"])
    assert [f.rule for f in result.findings] == ["privileged-container"]


def test_globs_directories_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yml").write_text(GOOD.replace("good", "one"))
    (tmp_path / "a" / "notes.txt").write_text("not yaml: [")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text(GOOD.replace("good", "hidden"))
    out = load_paths([str(tmp_path)])
    assert [r.name for r in out.resources] == ["one"]
    out = load_paths([str(tmp_path / "a" / "*.yml")])
    assert [r.name for r in out.resources] == ["one"]
    out = load_paths(["-"], stdin=GOOD.encode())
    assert out.resources[0].origin.file == "<stdin>"
    out = load_paths([str(tmp_path / "missing")])
    assert out.errors[0].message == "no such file or directory"


def test_kustomization_without_kubectl_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kdir = tmp_path / "overlay"
    kdir.mkdir()
    (kdir / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (kdir / "cm.yaml").write_text(GOOD)
    (tmp_path / "plain.yaml").write_text(GOOD.replace("good", "plain"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = load_paths([str(tmp_path)])
    assert [r.name for r in out.resources] == ["plain"]
    err = out.errors[0]
    assert "kubectl is not on PATH" in err.message
    assert "kubectl kustomize" in (err.hint or "")


def test_helm_chart_without_helm_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("{{ .Values.broken }")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = load_paths([str(tmp_path)])
    assert len(out.errors) == 1
    assert "helm is not on PATH" in out.errors[0].message
    assert "helm template" in (out.errors[0].hint or "")


@pytest.mark.skipif(
    not any((Path(p) / "kubectl").exists() for p in os.environ.get("PATH", "").split(":")),
    reason="kubectl not installed",
)
def test_kustomization_is_rendered_with_kubectl(tmp_path: Path) -> None:
    kdir = tmp_path / "base"
    kdir.mkdir()
    (kdir / "kustomization.yaml").write_text("namespace: prod\nresources: [cm.yaml]\n")
    (kdir / "cm.yaml").write_text(GOOD)
    out = load_paths([str(tmp_path)])
    assert not out.errors, out.errors
    assert [(r.name, r.namespace) for r in out.resources] == [("good", "prod")]


def test_bytes_loader_accepts_bom() -> None:
    out = load_bytes(b"\xef\xbb\xbf" + GOOD.encode(), "bom.yaml")
    assert [r.name for r in out.resources] == ["good"]


def test_finding_lines_after_a_broken_document() -> None:
    from tests.conftest import scan_text

    text = (
        GOOD
        + "---\nkind: [unclosed\n---\n"
        + "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n"
        + "  containers:\n    - name: c\n      image: nginx:1\n"
        + "      securityContext:\n        privileged: true\n"
    )
    result = scan_text(text, only=["privileged-container"])
    assert len(result.errors) == 1
    (finding,) = result.findings
    line = finding.location.line
    assert line is not None
    assert text.splitlines()[line - 1].strip() == "privileged: true"
