"""Safe, bounded YAML/JSON decoding with libyaml's C loader.

Kubernetes reads YAML as YAML 1.1 turned into JSON. Two real-world quirks need help to load as
the API server would read them: the bare ``=`` scalar (YAML 1.1's ``value`` tag, found in real
CRDs) and timestamps, which stay strings. Hostile input is bounded: nesting depth is checked
before libyaml's recursive composer can overflow the C stack, and alias expansion
("billion laughs") is measured before anything walks the data.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

MAX_DEPTH = 200
"""Deepest nesting accepted. Real manifests (CRD schemas included) stay well below 100."""

MAX_EXPANDED_NODES = 2_000_000
"""Largest document, counted with aliases expanded, accepted."""


_TAG_CACHE_LIMIT = 200_000
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


class _Loader(yaml.CSafeLoader):
    """CSafeLoader with Kubernetes' reading of YAML 1.1 quirks and a memoised resolver.

    Manifests repeat the same plain scalars endlessly (keys, ``true``, ``TCP``): resolving each
    distinct value once, instead of running the implicit-type regexes on every occurrence,
    makes loading faster than a plain CSafeLoader with identical results.
    """

    _tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR_TAG
            tag = self._tags.get(value)
            if tag is None:
                tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
                if len(self._tags) < _TAG_CACHE_LIMIT:
                    self._tags[value] = tag
            return tag
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    def construct_document(self, node: Any) -> Any:
        # NOTE: the generic constructor spends most of a load in bookkeeping for features
        # manifests do not use (deep construction, generators for recursive nodes, merge keys,
        # custom tags). `_build` converts the common shapes directly; anything else (merge keys,
        # unknown tags, collections as keys) is left to the generic constructor, so results are
        # identical (a test compares both on every corpus).
        try:
            return _build(node, self.bool_values)
        except _Unusual:
            return super().construct_document(node)


class _Unusual(Exception):
    """A node the direct conversion leaves to PyYAML's generic constructor."""


_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
# Scalars Kubernetes keeps as written (see `_construct_plain_string`).
_AS_WRITTEN = frozenset(
    {
        _STR_TAG,
        "tag:yaml.org,2002:value",
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:binary",
    }
)
_SCALAR_NODE = yaml.ScalarNode
_MAPPING_NODE = yaml.MappingNode
_SEQUENCE_NODE = yaml.SequenceNode


def _scalar(node: Any, bools: dict[str, bool]) -> Any:
    tag = node.tag
    value = node.value
    if tag in _AS_WRITTEN:
        return value
    if tag == _NULL_TAG:
        return None
    if tag == _BOOL_TAG:
        return bools[value.lower()]
    if tag == _INT_TAG and value.isdigit() and (value[0] != "0" or value == "0"):
        return int(value)
    raise _Unusual  # other ints (signs, octal, hex, "_", 1:30), floats, custom tags


def _build(root: Any, bools: dict[str, bool]) -> Any:
    """The Python value of a composed document, as SafeConstructor builds it."""
    built: dict[int, Any] = {}  # collections by node identity: aliases share one object

    def collection(node: Any) -> Any:
        done = built.get(id(node))
        if done is not None:
            return done
        cls = node.__class__
        if cls is _MAPPING_NODE and node.tag == _MAP_TAG:
            mapping: dict[Any, Any] = {}
            built[id(node)] = mapping
            for key_node, value_node in node.value:
                if key_node.__class__ is not _SCALAR_NODE:
                    raise _Unusual
                key_tag = key_node.tag
                key = key_node.value if key_tag == _STR_TAG else _scalar(key_node, bools)
                if value_node.__class__ is _SCALAR_NODE:
                    if value_node.tag == _STR_TAG:
                        mapping[key] = value_node.value
                    else:
                        mapping[key] = _scalar(value_node, bools)
                else:
                    mapping[key] = collection(value_node)
            return mapping
        if cls is _SEQUENCE_NODE and node.tag == _SEQ_TAG:
            items: list[Any] = []
            built[id(node)] = items
            for item in node.value:
                if item.__class__ is _SCALAR_NODE:
                    items.append(item.value if item.tag == _STR_TAG else _scalar(item, bools))
                else:
                    items.append(collection(item))
            return items
        raise _Unusual

    if root.__class__ is _SCALAR_NODE:
        return _scalar(root, bools)
    return collection(root)


def _construct_plain_string(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:value", _construct_plain_string)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_plain_string)
_Loader.add_constructor("tag:yaml.org,2002:binary", _construct_plain_string)


@dataclass(frozen=True, slots=True)
class Document:
    """One decoded document: its data and 1-based first and last lines."""

    data: Any
    index: int
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class DecodeError:
    """A document that could not be decoded, with the line where the problem is."""

    line: int | None
    message: str
    hint: str | None = None


_ANCHOR = re.compile(r"(?:^|[\s\[\{,:?-])&[^\s,\[\]\{\}]")
_ALIAS = re.compile(r"(?:^|[\s\[\{,:?-])\*[^\s,\[\]\{\}]")

FEW_ALIASES = 8
"""A document with at most this many aliases cannot expand much (each alias at most multiplies
what it names, and few aliases leave little room for nesting them), so its expansion is not
measured; generated YAML often shares a label map or two this way."""


def _alias_lines(text: str) -> list[int]:
    """1-based lines of alias tokens, ascending."""
    lines: list[int] = []
    last_pos = 0
    line = 1
    for m in _ALIAS.finditer(text):
        line += text.count("\n", last_pos, m.end())
        last_pos = m.end()
        lines.append(line)
    return lines


_DOC_START = re.compile(r"^---(?:[ \t].*)?$", re.MULTILINE)


def _may_nest_deeply(text: str) -> bool:
    # Block nesting needs indentation or "- " per level on one line, so a document whose lines
    # are all shorter than MAX_DEPTH and with fewer brackets than MAX_DEPTH cannot exceed it.
    brackets = text.count("[") + text.count("{")
    if brackets >= MAX_DEPTH:
        return True
    return re.search(rf"[^\n]{{{MAX_DEPTH}}}", text) is not None


def _depth_error(text: str) -> DecodeError | None:
    """Walk the event stream (iterative in libyaml) and report nesting beyond MAX_DEPTH."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    return DecodeError(
                        line,
                        f"nesting deeper than {MAX_DEPTH} levels",
                        "Kubernetes objects are never this deep; check that the file is a manifest.",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # the loader reports syntax errors with better context
    return None


def expanded_size(data: Any, limit: int = MAX_EXPANDED_NODES) -> int:
    """Number of nodes with shared (aliased) containers counted at every use; stops past limit."""
    sizes: dict[int, int] = {}
    # Iterative post-order walk: anchors make a DAG, so memoise sizes by identity.
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        if key in sizes and not done:
            continue
        children = list(node.values()) if isinstance(node, dict) else node
        if not done:
            stack.append((node, True))
            for child in children:
                if isinstance(child, (dict, list)) and id(child) not in sizes:
                    stack.append((child, False))
            continue
        total = 1
        for child in children:
            total += sizes.get(id(child), 1)
            if total > limit:
                return total
        sizes[key] = total
    return sizes.get(id(data), 1)


def _yaml_problem(exc: yaml.YAMLError, line_offset: int) -> DecodeError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 + line_offset if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "nesting depth" in problem:
        # Newer libyaml releases stop deep nesting themselves; say it the same way we do.
        return DecodeError(
            line,
            f"nesting deeper than the parser allows ({problem})",
            "Kubernetes objects are never this deep; check that the file is a manifest.",
        )
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return DecodeError(
        line, message, "Fix the syntax at that line; the other documents were scanned."
    )


def _separators(text: str) -> list[tuple[int, int]]:
    """(character offset, 1-based line) of every ``---`` document separator."""
    out: list[tuple[int, int]] = []
    line, last = 1, 0
    for m in _DOC_START.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        out.append((m.start(), line))
    return out


def _resume_offset(
    text: str, seps: list[tuple[int, int]], after_line: int, after_offset: int
) -> int | None:
    """Where the document after the broken one starts.

    The broken document begins after line ``after_line`` (the end of the last good one). Its own
    ``---`` header, if it has one, is not where to resume: the separator after it is. The error
    line itself is no guide: an unclosed flow collection swallows later separators.
    """
    candidates = [(off, line) for off, line in seps if line > after_line and off > after_offset]
    if not candidates:
        return None
    first_off, first_line = candidates[0]
    lines = text.splitlines()[after_line : first_line - 1]
    has_content = any(
        ln.strip() and not ln.lstrip().startswith(("#", "...", "---")) for ln in lines
    )
    if has_content:
        return first_off
    return candidates[1][0] if len(candidates) > 1 else None


def load_yaml(text: str) -> Iterator[Document | DecodeError]:
    """Decode every document of a YAML stream; a broken document never hides the ones after it."""
    if _may_nest_deeply(text):
        err = _depth_error(text)
        if err is not None:
            yield err
            return
    alias_lines = _alias_lines(text) if _ANCHOR.search(text) is not None else []
    offset_chars = 0
    offset_lines = 0
    index = 0
    last_end = 0
    seps: list[tuple[int, int]] | None = None
    while True:
        chunk = text[offset_chars:] if offset_chars else text
        loader = _Loader(chunk)
        failed: DecodeError | None = None
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                start = node.start_mark.line + 1 + offset_lines
                end = node.end_mark.line + 1 + offset_lines
                data = loader.construct_document(node)
                aliases = bisect_right(alias_lines, end) - bisect_left(alias_lines, start)
                if aliases > FEW_ALIASES and expanded_size(data) > MAX_EXPANDED_NODES:
                    yield DecodeError(
                        start,
                        "document expands to more than "
                        f"{MAX_EXPANDED_NODES:,} nodes through YAML aliases",
                        "This looks like an alias bomb; remove the anchors and aliases.",
                    )
                else:
                    yield Document(data, index, start, end)
                index += 1
                last_end = end
        except yaml.YAMLError as exc:
            failed = _yaml_problem(exc, offset_lines)
        except (RecursionError, ValueError, TypeError, OverflowError) as exc:
            failed = DecodeError(
                None, f"cannot decode YAML: {type(exc).__name__}", "Check the file's syntax."
            )
        finally:
            loader.dispose()
        if failed is None:
            return
        yield failed
        index += 1
        if seps is None:
            seps = _separators(text)
        resume = _resume_offset(text, seps, last_end, offset_chars)
        if resume is None or resume <= offset_chars:
            return
        offset_lines += text.count("\n", offset_chars, resume)
        offset_chars = resume
        last_end = offset_lines


def load_json(text: str) -> Iterator[Document | DecodeError]:
    """Decode a JSON file (one value) with orjson; errors carry the line of the problem."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        line = text.count("\n", 0, exc.pos) + 1 if exc.pos is not None else None
        yield DecodeError(line, f"invalid JSON: {exc.msg}", "Fix the syntax at that line.")
        return
    yield Document(data, 0, 1, text.count("\n") + 1)
