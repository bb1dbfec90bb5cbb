"""An inverted label index that evaluates label selectors by lookup."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from stockade.inventory.selectors import Expression, Selector, parse_selector

__all__ = ["Expression", "LabelIndex", "Selector", "parse_selector"]


class LabelIndex:
    """Objects (by position) indexed by label pairs and keys, for fast selector evaluation."""

    def __init__(self, labels: Sequence[Mapping[str, str]]) -> None:
        self._labels = labels
        self._all = frozenset(range(len(labels)))
        self._pairs: dict[tuple[str, str], set[int]] = defaultdict(set)
        self._keys: dict[str, set[int]] = defaultdict(set)
        for i, lab in enumerate(labels):
            for k, v in lab.items():
                self._pairs[(k, v)].add(i)
                self._keys[k].add(i)
        self._memo: dict[Selector, frozenset[int]] = {}

    @property
    def everything(self) -> frozenset[int]:
        """Every indexed position."""
        return self._all

    def select(self, selector: Selector) -> frozenset[int]:
        """Positions of the objects the selector selects; memoised per selector."""
        found = self._memo.get(selector)
        if found is None:
            found = self._select(selector)
            self._memo[selector] = found
        return found

    def _select(self, selector: Selector) -> frozenset[int]:
        if not selector.valid:
            return frozenset()
        result: set[int] | frozenset[int] | None = None
        for pair in selector.match_labels:
            hit = self._pairs.get(pair, set())
            result = set(hit) if result is None else result & hit
            if not result:
                return frozenset()
        for key, op, values in selector.expressions:
            if op == "In":
                hit = set().union(*(self._pairs.get((key, v), set()) for v in values))
                result = hit if result is None else result & hit
            elif op == "Exists":
                hit = self._keys.get(key, set())
                result = set(hit) if result is None else result & hit
            elif op == "NotIn":
                bad = set().union(*(self._pairs.get((key, v), set()) for v in values))
                result = (self._all if result is None else result) - bad
            else:
                bad = self._keys.get(key, set())
                result = (self._all if result is None else result) - bad
            if not result:
                return frozenset()
        return self._all if result is None else frozenset(result)
