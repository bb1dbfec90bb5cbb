"""Shared helpers for the network tests."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.inventory import Inventory, Origin, Resource
from stockade.network.model import NetworkModel


def inventory_of(objs: list[dict[str, Any]]) -> Inventory:
    """An inventory built from decoded objects."""
    return Inventory(
        Resource.from_object(o, Origin("test.yaml", line=i + 1)) for i, o in enumerate(objs)
    )


def model_of(objs: list[dict[str, Any]]) -> NetworkModel:
    """The network model of decoded objects."""
    return NetworkModel(inventory_of(objs))


@pytest.fixture
def build() -> Any:
    """``build(objs)`` -> NetworkModel."""
    return model_of
