"""Templates for flag checks on control-plane components (kube-linter style: template + params).

A check is a function ``(component, inventory) -> list[Problem]``; `register_flag_rule` turns
one into a catalogue rule that runs on every instance of its component in the inventory (static
pod manifests and kube-system mirror pods alike) and names the flag, the expected value and the
place to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from stockade.controlplane.components import Component, find_components
from stockade.controlplane.flags import parse_bool, parse_int
from stockade.controlplane.visibility import COMPONENTS_MEMO
from stockade.inventory.index import Inventory
from stockade.model import Category, FieldPath, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check found: a message, the field to point at, and a fingerprint key."""

    message: str
    path: FieldPath
    key: str


Check = Callable[[Component, Inventory], list[Problem]]


def components(ctx: RuleContext, inv: Inventory, name: str) -> list[Component]:
    """The components of one kind in the inventory, found once per scan."""
    found: dict[str, list[Component]] = ctx.memo(COMPONENTS_MEMO, lambda: find_components(inv))
    return found[name]


def _where(comp: Component) -> str:
    return f"{comp.name} ({comp.resource.display()})"


def bool_flag(flag: str, want: bool, default: bool) -> Check:
    """``--flag`` must be ``want``; ``default`` is what the component runs with when absent."""

    def check(comp: Component, inv: Inventory) -> list[Problem]:
        f = comp.flags.last(flag)
        expected = f"--{flag}={str(want).lower()}"
        if f is None:
            if default == want:
                return []
            return [
                Problem(
                    f"{_where(comp)}: --{flag} is not set and defaults to "
                    f"{str(default).lower()}; expected {expected}",
                    comp.anchor,
                    f"--{flag}",
                )
            ]
        value = parse_bool(f.value)
        if value is want:
            return []
        shown = f.display() if value is not None else f"{f.display()} (not a boolean)"
        return [Problem(f"{_where(comp)}: {shown}; expected {expected}", f.path, f"--{flag}")]

    return check


def unset(flag: str, why: str) -> Check:
    """``--flag`` must not be given."""

    def check(comp: Component, inv: Inventory) -> list[Problem]:
        return [
            Problem(f"{_where(comp)}: {f.display()} is set ({why}); remove it", f.path, f"--{flag}")
            for f in comp.flags.all(flag)[-1:]
        ]

    return check


def required(*flags: str) -> Check:
    """Every one of ``flags`` must be given a non-empty value."""

    def check(comp: Component, inv: Inventory) -> list[Problem]:
        out = []
        for flag in flags:
            f = comp.flags.last(flag)
            if f is None:
                out.append(
                    Problem(
                        f"{_where(comp)}: --{flag} is not set; expected --{flag}=<path>",
                        comp.anchor,
                        f"--{flag}",
                    )
                )
            elif not f.text.strip():
                out.append(
                    Problem(
                        f"{_where(comp)}: --{flag} is empty; expected a path", f.path, f"--{flag}"
                    )
                )
        return out

    return check


def int_at_least(flag: str, minimum: int, default: int) -> Check:
    """``--flag`` must be an integer of at least ``minimum``."""

    def check(comp: Component, inv: Inventory) -> list[Problem]:
        f = comp.flags.last(flag)
        if f is None:
            if default >= minimum:
                return []
            return [
                Problem(
                    f"{_where(comp)}: --{flag} is not set and defaults to {default}; "
                    f"expected --{flag}={minimum} or more",
                    comp.anchor,
                    f"--{flag}",
                )
            ]
        value = parse_int(f.value)
        if value is not None and value >= minimum:
            return []
        return [
            Problem(
                f"{_where(comp)}: {f.display()}; expected --{flag}={minimum} or more",
                f.path,
                f"--{flag}",
            )
        ]

    return check


def loopback(flag: str, default: str) -> Check:
    """``--flag`` (a bind address) must be a loopback address."""
    ok = {"127.0.0.1", "::1", "localhost"}

    def check(comp: Component, inv: Inventory) -> list[Problem]:
        f = comp.flags.last(flag)
        if f is None:
            return [
                Problem(
                    f"{_where(comp)}: --{flag} is not set and defaults to {default} (all "
                    f"interfaces); expected --{flag}=127.0.0.1",
                    comp.anchor,
                    f"--{flag}",
                )
            ]
        if f.text in ok:
            return []
        return [
            Problem(
                f"{_where(comp)}: {f.display()}; expected --{flag}=127.0.0.1", f.path, f"--{flag}"
            )
        ]

    return check


def register_flag_rule(
    *,
    id: str,
    component: str,
    title: str,
    severity: Severity,
    cis: list[str],
    remediation: str,
    check: Check,
    needs: tuple[str, ...] = (),
    nsa: tuple[str, ...] = ("NSA-NET-CONTROLPLANE",),
    owasp: tuple[str, ...] = ("K07:2025",),
    description: str = "",
) -> None:
    """Register a rule that runs ``check`` on every instance of ``component``."""

    def fn(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
        for comp in components(ctx, inv, component):
            for p in check(comp, inv):
                # The flag's own object: the pod, or a configuration file the flags come from.
                owner = next(
                    (f.resource for f in comp.flags.flags if f.path == p.path),
                    comp.anchor_resource if p.path == comp.anchor else comp.resource,
                )
                yield Violation(p.message, p.path, key=f"{comp.container}:{p.key}", resource=owner)

    fn.__doc__ = description or title
    frameworks: dict[str, Any] = {"cis": cis, "nsa": list(nsa), "owasp": list(owasp)}
    rule(
        id=id,
        title=title,
        severity=severity,
        category=Category.CONTROL_PLANE,
        target=Target.INVENTORY,
        remediation=remediation,
        frameworks=frameworks,
        needs=(component, *needs),
        description=description,
    )(fn)
