"""The direct conversion of composed YAML gives exactly what PyYAML's SafeConstructor gives."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from stockade.sources.yamlload import _Loader

from tests.conftest import shared


class _Generic(_Loader):
    """The same loader, with PyYAML's generic constructor for every document."""

    def construct_document(self, node: Any) -> Any:
        return yaml.constructor.SafeConstructor.construct_document(self, node)


def _same(a: Any, b: Any) -> bool:
    """Equal, with types compared too (True == 1 and 1 == 1.0 in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return [(type(k), k) for k in a] == [(type(k), k) for k in b] and all(
            _same(a[k], b[k]) for k in a
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


SCALARS = """\
strings: [a, "1", '2', "true", !!str 3]
bools: [true, True, TRUE, false, yes, No, on, OFF, y, n]
nulls: [null, Null, ~, ""]
empty:
ints: [0, 7, 42, -3, +4, 0o17, 017, 0x1F, 0b101, 1_000, 190:20:30, 08]
floats: [1.5, -0.5, 1e3, .inf, -.Inf, .nan, 1_0.5, 190:20:30.15]
quirks: [=, 2001-12-14t21:59:43.10-05:00, 2002-12-14]
keys: {1: int, true: bool, null: none, 1.5: float, =: value}
"""

STRUCTURES = """\
base: &base {a: 1, b: [x, y]}
shared: *base
merged:
  <<: *base
  c: 3
many_merges:
  <<: [*base, {d: 4}]
list_alias: &items [1, 2]
again: *items
dup: 1
dup: 2
"""


@pytest.mark.parametrize("text", [SCALARS, STRUCTURES])
def test_every_scalar_type_and_structure_matches(text: str) -> None:
    fast = yaml.load(text, Loader=_Loader)
    generic = yaml.load(text, Loader=_Generic)
    assert _same(fast, generic)


def test_aliases_share_one_object_as_in_pyyaml() -> None:
    data = yaml.load(STRUCTURES, Loader=_Loader)
    assert data["shared"] is data["base"]
    assert data["again"] is data["list_alias"]


def test_recursive_anchor_loads_as_pyyaml_does() -> None:
    text = "a: &loop\n  self: *loop\n"
    fast = yaml.load(text, Loader=_Loader)
    assert fast["a"]["self"] is fast["a"]


def test_unknown_tag_is_still_an_error() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("a: !Ref thing\n", Loader=_Loader)


def test_every_corpus_and_fixture_document_matches() -> None:
    files = [
        *sorted(shared("corpora").rglob("*.y*ml")),
        *sorted(shared("conformance", "pss").rglob("*.yaml"))[::5],
    ]
    documents = 0
    for path in files:
        text = path.read_text("utf-8-sig")
        fast = list(yaml.load_all(text, Loader=_Loader))
        generic = list(yaml.load_all(text, Loader=_Generic))
        assert _same(fast, generic), path
        documents += len(fast)
    assert documents > 1500
