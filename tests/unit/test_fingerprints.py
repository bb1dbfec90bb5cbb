"""Fingerprints stay the same across runs, reformatting, reordering and file moves."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from stockade.scan import scan_paths

from tests.conftest import REPO


def _prints(path: Path, namespace: str | None = None) -> dict[str, tuple[str, str]]:
    result = scan_paths([str(path)])
    return {
        f.fingerprint: (f.rule, f.location.path)
        for f in result.findings
        if namespace is None or f.resource.namespace == namespace
    }


def test_stable_across_reformatting_and_moves(tmp_path: Path) -> None:
    original = REPO / "examples" / "insecure" / "shop.yaml"
    before = _prints(original)
    assert len(before) == len(scan_paths([str(original)]).findings), "fingerprints must be unique"
    docs = list(yaml.safe_load_all(original.read_text()))
    moved = tmp_path / "elsewhere" / "renamed.json"
    moved.parent.mkdir()
    # JSON, keys sorted, documents reversed: same objects, different file and layout.
    moved.write_text(
        json.dumps(
            {"apiVersion": "v1", "kind": "List", "items": docs[::-1]}, sort_keys=True, indent=4
        )
    )
    after = _prints(moved)
    assert set(after) == set(before)


def test_container_reorder_keeps_fingerprints(tmp_path: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "x"},
        "spec": {
            "containers": [
                {"name": "a", "image": "nginx", "securityContext": {"privileged": True}},
                {"name": "b", "image": "redis:7"},
            ]
        },
    }
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump(pod))
    pod["spec"]["containers"].reverse()  # type: ignore[index]
    two = tmp_path / "two.yaml"
    two.write_text(yaml.safe_dump(pod))
    assert set(_prints(one)) == set(_prints(two))


def test_different_resources_differ(tmp_path: Path) -> None:
    text = (REPO / "examples" / "insecure" / "shop.yaml").read_text()
    f = tmp_path / "copy.yaml"
    # Move the Namespace object too: namespace-level findings are anchored on it.
    f.write_text(
        text.replace("namespace: shop", "namespace: shop2").replace(
            "  name: shop\n", "  name: shop2\n"
        )
    )
    moved = _prints(f, "shop2")
    original = _prints(REPO / "examples" / "insecure" / "shop.yaml", "shop")
    assert moved and len(moved) == len(original)
    assert not set(moved) & set(original)
