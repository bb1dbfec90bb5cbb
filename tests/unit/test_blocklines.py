"""Line numbers read by indentation agree with libyaml's composer on every field.

The composer (nodes with marks) is the reference: `BlockLines` must give its answer or say it
cannot (None), never a different line; the `Locator` then always gives the composer's answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from stockade.sources.blocklines import BlockLines
from stockade.sources.locate import Locator, _StructureLoader, _walk

from tests.conftest import shared


def _paths(node: yaml.Node, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a node, plus an absent key or index under each collection and scalar."""
    yield prefix
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from _paths(value, (*prefix, key.value))
        yield (*prefix, "no-such-key")
        yield (*prefix, 0)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _paths(item, (*prefix, i))
        yield (*prefix, len(node.value))
        yield (*prefix, "name")
    else:
        yield (*prefix, "below-a-scalar")


def _documents(text: str) -> list[yaml.Node]:
    loader = _StructureLoader(text)
    try:
        docs = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                docs.append(node)
        return docs
    finally:
        loader.dispose()


def _compare(text: str) -> tuple[int, int]:
    """(paths answered by BlockLines, paths in all); fails on any line that differs."""
    lines = text.splitlines(keepends=True)
    answered = total = 0
    for node in _documents(text):
        start, end = node.start_mark.line + 1, node.end_mark.line + 1
        block = BlockLines.parse("".join(lines[start - 1 : end]))
        for path in _paths(node):
            total += 1
            want = _walk(node, path) + 1
            got = block.line(path) if block is not None else None
            if got is not None:
                answered += 1
                assert got + start == want, (path, got + start, want)
    return answered, total


TRICKY = [
    # A sequence written at its key's indentation, then more keys of the same mapping.
    "spec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n  volumes: []\n  hostPID: true\n",
    # Block scalars whose content looks like keys and items.
    "data:\n  script: |\n    spec: fake\n    - item\n  other: 1\nlist:\n- |\n  key: v\n- x\n",
    # Quoted keys, keys with spaces, colons and dots, a duplicate key (the first one counts).
    "'a b': 1\n\"c\": {x: 1}\nd:e: 2\napp.kubernetes.io/name: n\nk: 1\nk:\n  deeper: 2\n",
    # Anchors and aliases: the alias is the anchored node, lines included.
    "metadata:\n  labels: &l\n    app: a\n    tier: t\nspec:\n  selector:\n    matchLabels: *l\n",
    # Quoted scalars running over lines, at an indentation that looks like structure.
    'a:\n  b: "starts here\nc: still the string"\n  d: 1\n',
    "a: 'one\nb: two'\nc: 3\n",
    # Flow collections: empty, closed on the line, open across lines.
    "a: {}\nb: []\nc: [1, 2]\nd: {e: 1,\n  f: 2}\ng:\n  h: 1\n",
    # Comments at odd indentation, document markers, nested items and wide dashes.
    "# head\nkind: X # trailing\n  # deep comment\nitems:\n-   name: wide\n    v: 1\n- - nested\n  - more\n"
    "-\n  name: below\n---\nnext: doc\n...\n",
    # Tags, explicit keys, empty items, and null values.
    "a: !!str 1\nb: !custom\n  c: 1\n? complex\n: value\n",
    "items:\n-\n- x\nnone:\nafter: 1\n",
    # CRLF line ends and tabs are left to the composer.
    "a:\r\n  b: 1\r\n",
    "a:\n  b:\t1\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_agree_with_the_composer(text: str) -> None:
    _compare(text)


def test_locator_always_gives_the_composer_line(tmp_path: Path) -> None:
    text = "".join(f"---\n{t}" for t in TRICKY if "\r" not in t)
    file = tmp_path / "m.yaml"
    file.write_text(text)
    locator = Locator()
    for node in _documents(text):
        start, end = node.start_mark.line + 1, node.end_mark.line + 1
        for path in _paths(node):
            assert locator.line(str(file), start, end, path) == _walk(node, path) + 1


def test_every_corpus_field_agrees_and_most_are_answered_without_composing() -> None:
    answered = total = 0
    for path in sorted(shared("corpora").rglob("*.y*ml")):
        a, t = _compare(path.read_text("utf-8-sig"))
        answered += a
        total += t
    assert total > 100_000
    # Block-style manifests are the rule: most fields are found by indentation alone (CRDs
    # with quoted descriptions over several lines are left to the composer).
    assert answered / total > 0.9


def test_official_pss_fixtures_agree() -> None:
    files = sorted(shared("conformance", "pss").rglob("*.yaml"))
    assert len(files) > 4000
    for path in files[::7]:
        _compare(path.read_text("utf-8"))
