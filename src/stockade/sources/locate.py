"""Lazy line numbers: find the line of a field only when a finding needs it.

Loading keeps only each document's line span. When findings point into a document, that span is
composed again (libyaml's C composer, nodes with marks, no Python objects built) and the field
paths are walked. Each document is composed at most once per scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from stockade.model import FieldPath


def _walk(node: yaml.Node, path: Sequence[Any]) -> int:
    """0-based line of the deepest node of ``path`` that exists."""
    line = node.start_mark.line
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    # Point at the key for scalars ("privileged: true"), at the key too for
                    # collections, whose own mark is the line after.
                    line = key.start_mark.line
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line
            else:
                return line
        else:
            return line
    return line


class _StructureLoader(yaml.CSafeLoader):
    """Composes nodes without resolving scalar types: only structure and marks are needed."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return "!"


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (None when it does not compose)."""
    loader = _StructureLoader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def line_of(text: str, path: Sequence[Any]) -> int | None:
    """1-based line of ``path`` in a single-document YAML text, or None."""
    node = compose(text)
    if node is None:
        return None
    return _walk(node, path) + 1


class Locator:
    """Resolves (file, document span, path) to line numbers, reading each file once."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._texts: dict[str, list[str] | None] = {}
        if texts:
            for name, text in texts.items():
                self._texts[name] = text.splitlines(keepends=True)
        self._nodes: dict[tuple[str, int], yaml.Node | None] = {}

    def _lines(self, file: str) -> list[str] | None:
        if file not in self._texts:
            try:
                self._texts[file] = Path(file).read_text("utf-8-sig").splitlines(keepends=True)
            except (OSError, UnicodeDecodeError):
                self._texts[file] = None
        return self._texts[file]

    def line(self, file: str, start: int, end: int, path: FieldPath) -> int:
        """Line of ``path`` in the document spanning lines ``start``..``end`` (1-based)."""
        key = (file, start)
        if key not in self._nodes:
            lines = self._lines(file)
            node = None
            if lines is not None and start >= 1:
                chunk = lines[start - 1 : end]
                # The end mark can sit on the next document's "---" or "..." line.
                while len(chunk) > 1 and chunk[-1].startswith(("---", "...")):
                    chunk.pop()
                node = compose("".join(chunk))
            self._nodes[key] = node
        node = self._nodes[key]
        if node is None:
            return start
        return _walk(node, path) + start

    def forget(self, file: str) -> None:
        """Drop cached text and nodes of a file once its findings are located."""
        self._texts.pop(file, None)
        for key in [k for k in self._nodes if k[0] == file]:
            del self._nodes[key]
