"""Lazy line numbers: find the line of a field only when a finding needs it.

Loading keeps only each document's line span. When findings point into a document, its lines
are read by indentation (`BlockLines`, for block-style YAML); what that cannot be sure of is
found by composing the document again (libyaml's C composer, nodes with marks, no Python
objects built) and walking the field path. Each document is read at most once per scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from stockade.model import FieldPath
from stockade.sources.blocklines import BlockLines


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
    """Resolves (file, document span, path) to line numbers, composing each file once."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._given = dict(texts or {})
        self._texts: dict[str, str | None] = {}
        self._docs: dict[str, dict[int, tuple[yaml.Node, int]]] = {}
        self._lines: dict[str, list[str]] = {}
        self._block: dict[tuple[str, int], BlockLines | None] = {}

    def _text(self, file: str) -> str | None:
        if file not in self._texts:
            text = self._given.get(file)
            if text is None:
                try:
                    text = Path(file).read_text("utf-8-sig")
                except (OSError, UnicodeDecodeError):
                    text = None
            self._texts[file] = text
        return self._texts[file]

    def _documents(self, file: str) -> dict[int, tuple[yaml.Node, int]]:
        """(root node, line offset) of the file's documents by 1-based first line."""
        if file not in self._docs:
            roots: dict[int, tuple[yaml.Node, int]] = {}
            text = self._text(file)
            if text is not None:
                loader = _StructureLoader(text)
                try:
                    while loader.check_node():
                        node = loader.get_node()
                        if node is not None:
                            roots[node.start_mark.line + 1] = (node, 0)
                except yaml.YAMLError:
                    pass  # documents after a broken one are composed one by one below
                finally:
                    loader.dispose()
            self._docs[file] = roots
        return self._docs[file]

    def _compose_span(self, file: str, start: int, end: int) -> tuple[yaml.Node, int] | None:
        text = self._text(file)
        if text is None:
            return None
        chunk = text.splitlines(keepends=True)[start - 1 : end]
        # The end mark can sit on the next document's "---" or "..." line.
        while len(chunk) > 1 and chunk[-1].startswith(("---", "...")):
            chunk.pop()
        node = compose("".join(chunk))
        if node is None:
            return None
        self._docs[file][start] = (node, start - 1)
        return node, start - 1

    def _block_lines(self, file: str, start: int, end: int) -> BlockLines | None:
        key = (file, start)
        if key not in self._block:
            lines = self._lines.get(file)
            if lines is None:
                text = self._text(file)
                lines = self._lines[file] = text.splitlines(keepends=True) if text else []
            span = "".join(lines[start - 1 : end]) if start >= 1 else ""
            self._block[key] = BlockLines.parse(span) if span else None
        return self._block[key]

    def line(self, file: str, start: int, end: int, path: FieldPath) -> int:
        """Line of ``path`` in the document spanning lines ``start``..``end`` (1-based)."""
        block = self._block_lines(file, start, end)
        if block is not None:
            found_line = block.line(path)
            if found_line is not None:
                return found_line + start
        found = self._documents(file).get(start)
        if found is None and start >= 1:
            found = self._compose_span(file, start, end)
        if found is None:
            return start
        node, offset = found
        return _walk(node, path) + offset + 1

    def forget(self, file: str) -> None:
        """Drop cached text and nodes of a file once its findings are located."""
        self._texts.pop(file, None)
        self._docs.pop(file, None)
        self._lines.pop(file, None)
        self._block = {k: v for k, v in self._block.items() if k[0] != file}
