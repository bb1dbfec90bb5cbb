"""Indexed resources and the uniform view of pod templates."""

from stockade.inventory.index import Inventory, selector_matches
from stockade.inventory.podspec import POD_BEARING_KINDS, Container, PodTemplate, pod_template
from stockade.inventory.resource import Origin, Resource

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
