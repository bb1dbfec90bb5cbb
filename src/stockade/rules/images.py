"""Image rules: tags, digests and approved registries.

Spec: the image reference grammar of distribution/reference — ``[host[:port]/]path[:tag][@digest]``;
the first component is a registry host when it has a ``.`` or ``:`` or is ``localhost``;
otherwise the image is on Docker Hub (``docker.io``, official images under ``library/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stockade.inventory.podspec import PodTemplate
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

DOCKER_HUB = "docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed image reference."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """``registry/repository``."""
        return f"{self.registry}/{self.repository}"


def parse_image(image: str) -> ImageRef:
    """Split an image reference into registry, repository, tag and digest."""
    rest, _, digest = image.partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = DOCKER_HUB, rest
    tag: str | None = None
    last_slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > last_slash:
        path, tag = path[:colon], path[colon + 1 :]
    if registry in _HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    return ImageRef(registry, path, tag or None, digest or None)


def registry_allowed(ref: ImageRef, allowed: list[str]) -> bool:
    """Whether ``ref`` is under one of the allowed registries or repository prefixes."""
    for entry in allowed:
        entry = entry.rstrip("/")
        first, _, rest = entry.partition("/")
        if first in _HUB_ALIASES:
            first = DOCKER_HUB
        if not rest:
            if ref.registry == first:
                return True
            continue
        prefix = f"{first}/{rest}"
        if ref.name == prefix or ref.name.startswith(prefix + "/"):
            return True
    return False


def _images(pod: PodTemplate) -> Iterator[tuple[str, tuple[str | int, ...], str, ImageRef]]:
    for c in pod.containers():
        image = c.image
        if image:
            yield c.describe(), (*c.path, "image"), c.name, parse_image(image.strip())


@rule(
    id="image-latest-tag",
    title="Image uses the latest tag or no tag",
    severity=Severity.MEDIUM,
    category=Category.IMAGES,
    target=Target.POD,
    remediation="""Pin the image to an immutable version tag and, better, a digest
    (image: repo/app:1.4.2@sha256:…). "latest" (or no tag) changes under you: rollbacks,
    audits and vulnerability reports cannot say what is running.""",
)
def image_latest_tag(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The tag is ``latest``, or there is neither a tag nor a digest."""
    for who, path, name, ref in _images(pod):
        if ref.tag == "latest":
            yield Violation(f'{who} uses image "{ref.name}:latest"', path, key=name)
        elif ref.tag is None and ref.digest is None:
            yield Violation(
                f'{who} uses image "{ref.name}" without a tag (that means latest)', path, key=name
            )


@rule(
    id="image-not-pinned-by-digest",
    title="Image is not pinned by digest",
    severity=Severity.LOW,
    category=Category.IMAGES,
    target=Target.POD,
    remediation="""Reference the image by digest (repo/app:1.4.2@sha256:…) so the exact bytes that
    were reviewed and scanned are the ones that run; tags can be moved to other images.""",
)
def image_not_pinned(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The image has no ``@sha256:…`` (or other algorithm) digest."""
    for who, path, name, ref in _images(pod):
        if ref.digest is None or not _DIGEST.match(ref.digest):
            yield Violation(f'{who} image "{ref.name}" is not pinned by digest', path, key=name)


@rule(
    id="image-registry-not-allowed",
    title="Image comes from a registry outside the allowlist",
    severity=Severity.HIGH,
    category=Category.IMAGES,
    target=Target.POD,
    remediation="""Pull the image from an approved registry (images.allowed_registries in
    stockade.yaml), mirroring it there after review if needed.""",
)
def image_registry_not_allowed(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """Only when ``images.allowed_registries`` is configured."""
    settings = ctx.settings
    allowed: list[str] = list(settings.images.allowed_registries) if settings is not None else []
    if not allowed:
        return
    for who, path, name, ref in _images(pod):
        if not registry_allowed(ref, allowed):
            yield Violation(
                f'{who} image "{ref.name}" is not from an allowed registry ({", ".join(allowed)})',
                path,
                key=name,
            )
