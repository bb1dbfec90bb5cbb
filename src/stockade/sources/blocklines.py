"""Line numbers read straight from block-style YAML text, without composing it again.

Almost every manifest is block YAML: one key or one ``-`` item per line, structure given by
indentation. For such a document the line of a field path is found by reading the indentation
of its lines, which costs a fraction of composing the document into nodes. Whatever this reader
cannot be sure about (flow collections it would have to enter, anchors, aliases, tags, quoted
scalars that run over several lines, complex keys) makes it answer ``None``; the caller then
composes the document with libyaml. Its answers equal the composer's (a test compares them on
every field of every corpus document).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# A key: double-quoted without escapes, single-quoted, or plain (no indicator first, no ": " or
# " #" inside); then ":" and a separator or the end of the line. Group 4 is the rest.
_KEY = re.compile(
    r"""(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^\s\-?:,\[\]{}#&*!|>'"%@`](?:[^:#\s]|:(?=\S)|(?<=\S)#|[ \t]+(?=[^\s#:]))*|-(?=[^\s:])(?:[^:#\s]|:(?=\S)|(?<=\S)#|[ \t]+(?=[^\s#:]))*))[ \t]*:(?:[ \t]+(.*)|$)"""
)
# Line vetoes: a quoted scalar or a flow collection left open at the end of a line may continue
# at any indentation, which indentation alone cannot follow.
_OPEN_DOUBLE = re.compile(r"""(?:^|[:\-?,\[{][ \t]+|[\[{])"(?:[^"\\]|\\.)*\\?$""")
_OPEN_SINGLE = re.compile(r"""(?:^|[:\-?,\[{][ \t]+|[\[{])'(?:[^']|'')*$""")
_FLOW_START = re.compile(r"(?:^|[:\-?][ \t]+)[\[{].*$")
_PROPERTY = re.compile(r"([^\s,\[\]{}]+)[ \t]*(?:#.*)?$")
"""An anchor or alias name alone on the rest of the line (matched after its ``&`` or ``*``)."""
_EMPTY_FLOW = re.compile(r"(?:\{\}|\[\])[ \t]*(?:#.*)?$")
_UNSURE_START = frozenset("&*!?%@`[{")

_SCALAR, _UNSURE, _OPAQUE = -1, -2, -3
"""Pseudo-nodes: nothing below / cannot tell, compose instead / exists, but cannot be entered."""

Entry = tuple[int, int, str, bool]
"""(0-based line, indentation, content, whether it is a ``-`` item marker)."""


_NOT_A_KEY = ("", None)
_key_cache: dict[str, tuple[str, str | None] | None] = {}


def _key_of(content: str) -> tuple[str, str | None] | None:
    """(key, rest of the line) of a ``key: value`` line; None when it is no key or unsure.

    Lines repeat across manifests (``- name: app``, ``readOnlyRootFilesystem: true``), so answers
    are kept; the cache is dropped when it grows large.
    """
    found = _key_cache.get(content, _NOT_A_KEY)
    if found is not _NOT_A_KEY:
        return found
    m = _KEY.match(content)
    if m is None:
        found = None
    else:
        dq, sq, plain, value = m.groups()
        name = dq if dq is not None else sq.replace("''", "'") if sq is not None else plain
        found = None if name is None else (name.rstrip() if plain is not None else name, value)
    if len(_key_cache) > 200_000:
        _key_cache.clear()
    _key_cache[content] = found
    return found


def _open_at_end(content: str) -> bool:
    """Whether a quoted scalar or flow collection starting on this line runs past its end."""
    if ('"' in content and _OPEN_DOUBLE.search(content)) or (
        "'" in content and _OPEN_SINGLE.search(content)
    ):
        return True
    if "[" in content or "{" in content:
        m = _FLOW_START.search(content)
        if m is not None:
            f = m.group(0)
            return f.count("[") + f.count("{") != f.count("]") + f.count("}")
    return False


def _entries(text: str) -> list[Entry] | None:
    """Content lines (no blanks, no comments) with ``-`` markers split off; None when unsure."""
    if "\t" in text or "\r" in text:
        return None
    out: list[Entry] = []
    append = out.append
    for number, raw in enumerate(text.split("\n")):
        content = raw.lstrip(" ")
        if not content or content[0] == "#":
            continue
        indent = len(raw) - len(content)
        first = content[0]
        if (
            indent == 0
            and first in "-."
            and content[:3] in ("---", "...")
            and content[3:4] in ("", " ")
        ):
            if content[3:].strip() and not content[3:].lstrip().startswith("#"):
                return None  # content on a document marker line
            if out:
                break
            continue
        if first == "%" or (
            ('"' in content or "'" in content or "[" in content or "{" in content)
            and _open_at_end(content)
        ):
            return None
        while first == "-" and (len(content) == 1 or content[1] == " "):
            append((number, indent, "-", True))
            rest = content[1:]
            content = rest.lstrip(" ")
            indent += 1 + len(rest) - len(content)
            if not content or content[0] == "#":
                break
            first = content[0]
        else:
            append((number, indent, content, False))
    return out


class BlockLines:
    """Field lines of one block-style YAML document; `line` gives None when it cannot be sure."""

    __slots__ = ("_entries", "_items", "_keys", "_memo")

    def __init__(self, entries: list[Entry]) -> None:
        self._entries = entries
        self._keys: dict[int, dict[str, int] | None] = {}  # mapping node -> key -> entry
        self._items: dict[int, list[int]] = {}  # sequence node -> the entries of its "-"
        # path prefix -> (entry index of its node or a pseudo-node, 0-based line)
        self._memo: dict[tuple[Any, ...], tuple[int, int]] = {}

    @classmethod
    def parse(cls, text: str) -> BlockLines | None:
        """The reader for ``text`` (one document), or None when it is not plain block YAML."""
        entries = _entries(text)
        if not entries or (entries[0][3] is False and entries[0][2][0] in _UNSURE_START):
            return None
        return cls(entries)

    def line(self, path: Sequence[Any]) -> int | None:
        """0-based line of the deepest node of ``path`` that exists, as the composer finds it."""
        key = tuple(path)
        node, line, done = 0, self._entries[0][0], 0
        memo = self._memo
        for depth in range(len(key), 0, -1):
            hit = memo.get(key[:depth])
            if hit is not None:
                node, line = hit
                done = depth
                break
        for i in range(done, len(key)):
            if node == _SCALAR:
                return line
            if node < 0:
                return None  # unsure, or an opaque node the path goes into
            node, line = self._step(node, line, key[i])
            memo[key[: i + 1]] = (node, line)
        return None if node == _UNSURE else line

    def _step(self, node: int, line: int, part: Any) -> tuple[int, int]:
        """The child ``part`` of the node starting at entry ``node``: (its node, its line).

        A pseudo-node for a scalar or an absent child (the line stays that of the deepest node
        found), for a child that cannot be entered, or when unsure.
        """
        if self._entries[node][3]:
            if not isinstance(part, int) or isinstance(part, bool):
                return _SCALAR, line
            items = self._items.get(node)
            if items is None:
                items = self._items[node] = self._sequence(node)
            if not 0 <= part < len(items):
                return _SCALAR, line
            return self._item_node(items[part])
        if node not in self._keys:
            self._keys[node] = self._mapping(node)
        keys = self._keys[node]
        if keys is None:
            return _UNSURE, line
        if not keys:
            return _SCALAR, line  # a scalar: nothing below it
        j = keys.get(str(part))
        if j is None:
            return _SCALAR, line
        ln, indent, content, _ = self._entries[j]
        found = _key_of(content)
        return self._value(j, indent, found[1] if found else None, ln)

    def _mapping(self, node: int) -> dict[str, int] | None:
        """Key -> entry of the mapping starting at ``node``; {} for a scalar, None if unsure."""
        entries = self._entries
        indent = entries[node][1]
        if _key_of(entries[node][2]) is None:
            return {}
        keys: dict[str, int] = {}
        for j in range(node, len(entries)):
            _, ind, content, dash = entries[j]
            if ind < indent:
                break
            if ind > indent or dash:
                continue  # nested values, or a sequence written at the key's indentation
            found = _key_of(content)
            if found is None:
                return None
            # The composer's walk takes the first of duplicate keys.
            keys.setdefault(found[0], j)
        return keys

    def _sequence(self, node: int) -> list[int]:
        entries = self._entries
        indent = entries[node][1]
        items = []
        for j in range(node, len(entries)):
            _, ind, _, dash = entries[j]
            if ind < indent:
                break
            if ind > indent:
                continue
            if not dash:
                break  # the mapping around a sequence written at its key's indentation
            items.append(j)
        return items

    def _value(self, j: int, indent: int, value: str | None, line: int) -> tuple[int, int]:
        """The node of the value of the key at entry ``j``."""
        if value and value[0] != "#":
            if value[0] == "*":
                alias = _PROPERTY.match(value, 1)
                return (self._anchored(j, alias.group(1)) if alias else _UNSURE), line
            if value[0] == "&" and _PROPERTY.match(value, 1):
                pass  # an anchor on the block node below: the node itself is unchanged
            elif value[0] in _UNSURE_START:
                # An empty flow collection has nothing below it, like a scalar.
                return (_SCALAR if _EMPTY_FLOW.match(value) else _OPAQUE), line
            else:
                return _SCALAR, line
        entries = self._entries
        if j + 1 >= len(entries):
            return _SCALAR, line
        _, ind, content, dash = entries[j + 1]
        if ind > indent or (ind == indent and dash):
            if not dash and content[0] in _UNSURE_START:
                return _OPAQUE, line
            return j + 1, line
        return _SCALAR, line

    def _anchored(self, before: int, name: str) -> int:
        """The node of the last ``key: &name`` block value before entry ``before``."""
        entries = self._entries
        for j in range(before - 1, -1, -1):
            _, ind, content, dash = entries[j]
            if dash or "&" not in content:
                continue
            found = _key_of(content)
            value = found[1] if found else None
            if value and value[0] == "&":
                anchor = _PROPERTY.match(value, 1)
                if anchor and anchor.group(1) == name:
                    node, _ = self._value(j, ind, value, 0)
                    return node if node >= 0 else _UNSURE
        return _UNSURE

    def _item_node(self, j: int) -> tuple[int, int]:
        entries = self._entries
        indent = entries[j][1]
        if j + 1 >= len(entries):
            return _UNSURE, entries[j][0]
        ln, ind, content, dash = entries[j + 1]
        if ind <= indent:
            return _UNSURE, entries[j][0]  # an empty item: where the composer marks it is unsure
        if not dash and content[0] in _UNSURE_START:
            return _OPAQUE, ln
        return j + 1, ln
