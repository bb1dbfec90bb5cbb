"""Bounded state for stateful detection rules: memory stays flat however long the log is."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMap(Generic[K, V]):
    """A mapping that forgets its least recently used entries past ``limit``."""

    __slots__ = ("_data", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value for ``key`` (marking it recently used), or None."""
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Set ``key``, evicting the oldest entry when over the limit."""
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.limit:
            self._data.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)


class BoundedSet(Generic[K]):
    """A set that forgets its oldest members past ``limit``."""

    __slots__ = ("_map",)

    def __init__(self, limit: int) -> None:
        self._map: BoundedMap[K, bool] = BoundedMap(limit)

    def add(self, key: K) -> bool:
        """Add ``key``; True when it was not present."""
        if key in self._map:
            self._map.get(key)
            return False
        self._map.put(key, True)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __len__(self) -> int:
        return len(self._map)
