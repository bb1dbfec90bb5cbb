"""Writing large JSON documents piece by piece, so a report never needs two copies in memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

_OPTS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def _indented(data: bytes, spaces: int) -> bytes:
    return data.replace(b"\n", b"\n" + b" " * spaces)


def write_json(
    out: BinaryIO, fields: dict[str, Any], streams: dict[str, Iterable[Any]], *, sort: bool = True
) -> None:
    """Write ``{**fields, **streams}`` as indented JSON; stream values are written item by item.

    The bytes are the same as ``orjson.dumps`` with two-space indentation would give.
    """
    opts = _OPTS if sort else orjson.OPT_INDENT_2
    keys = sorted({*fields, *streams}) if sort else [*fields, *streams]
    out.write(b"{\n")
    for i, key in enumerate(keys):
        out.write(b"  " + orjson.dumps(key) + b": ")
        if key in streams:
            empty = True
            for item in streams[key]:
                out.write(b"[\n    " if empty else b",\n    ")
                out.write(_indented(orjson.dumps(item, option=opts), 4))
                empty = False
            out.write(b"[]" if empty else b"\n  ]")
        else:
            out.write(_indented(orjson.dumps(fields[key], option=opts), 2))
        out.write(b",\n" if i < len(keys) - 1 else b"\n")
    out.write(b"}\n")
