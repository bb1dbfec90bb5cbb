"""Indexed resources and the uniform view of pod templates."""

from stockade.inventory.index import Inventory
from stockade.inventory.podspec import POD_BEARING_KINDS, Container, PodTemplate, pod_template
from stockade.inventory.resource import Origin, Resource
from stockade.inventory.selectors import selector_matches

__all__ = [
    "POD_BEARING_KINDS",
    "Container",
    "Inventory",
    "Origin",
    "PodTemplate",
    "Resource",
    "pod_template",
    "selector_matches",
]
