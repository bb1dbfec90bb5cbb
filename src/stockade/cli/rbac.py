"""``stockade rbac``: who can do what, what an identity may do, secret access, workload blast radius."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer

from stockade.cli.errors import command
from stockade.cli.exit_codes import ExitCode
from stockade.cli.output import write_output
from stockade.cli.source import (
    CLUSTER,
    CONTEXT,
    KUBECONFIG,
    NAMESPACE,
    Gaps,
    cluster_options,
    gaps,
    read_source,
)
from stockade.errors import UsageError
from stockade.inventory import Inventory
from stockade.inventory.podspec import POD_BEARING_KINDS
from stockade.rbac import ALL_NAMESPACES, PermissionIndex, Request, build_index, parse_identity
from stockade.rbac.defaults import with_defaults
from stockade.rbac.report import can_document, who_can_document
from stockade.rbac.resources import split_resource
from stockade.rbac.secrets import secret_matrix
from stockade.rbac.types import Identity
from stockade.rbac.workloads import workload_access
from stockade.sources.cluster_auth import ClusterOptions

app = typer.Typer(
    help="Access analysis: who can do what, and which identity can read which secret.",
    no_args_is_help=True,
)


class Format(StrEnum):
    """Output formats of the rbac commands."""

    TABLE = "table"
    JSON = "json"


_PATHS = typer.Argument(None, help="Files, directories, globs, snapshots, or - for stdin.")
_DEFAULTS = typer.Option(
    None,
    "--with-defaults",
    metavar="VERSION",
    help="Add Kubernetes' bootstrap RBAC policy of that version (e.g. v1.33, latest).",
)
_FORMAT = typer.Option(Format.TABLE, "--format", "-f", help="Output format.")
_OUTPUT = typer.Option(None, "--output", "-o", help="Write to a file instead of stdout.")


RBAC_KINDS = frozenset({"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"})
"""What every access answer depends on; unreadable ones make the answer incomplete."""
_WORKLOAD_KINDS = RBAC_KINDS | {"ServiceAccount"} | POD_BEARING_KINDS
_SECRET_KINDS = _WORKLOAD_KINDS | {"Secret"}


@dataclass(frozen=True, slots=True)
class _Loaded:
    inventory: Inventory
    index: PermissionIndex
    had_errors: bool
    gaps: Gaps

    def json(self, doc: dict[str, Any]) -> str:
        """The document, with the kinds that could not be read when there are any."""
        return _json(self.gaps.document(doc))

    @property
    def exit_code(self) -> int:
        """2 when an input had errors, else 0."""
        return ExitCode.ERRORS if self.had_errors else ExitCode.OK


def _load(
    paths: list[str] | None,
    defaults: str | None,
    live: ClusterOptions | None = None,
    kinds: frozenset[str] = RBAC_KINDS,
) -> _Loaded:
    """Inventory and index; input problems go to stderr and make the exit code 2."""
    if not paths and not defaults and live is None:
        raise UsageError(
            "nothing to analyse",
            "Give files or directories, e.g. `stockade rbac who-can get secrets -n prod k8s/`, "
            "or --cluster.",
        )
    errors = False
    inventory = Inventory([])
    missing = Gaps()
    if paths or live is not None:
        source = read_source(paths, live)
        inventory = source.inventory
        for e in source.loaded.errors:
            _warn(e.file, e.line, e.message, e.hint)
        errors = bool(source.loaded.errors)
        missing = gaps(source, kinds)
    if defaults:
        inventory = with_defaults(inventory, defaults)
    index = build_index(inventory)
    for e in index.errors:
        _warn(e.file, e.line, e.message, e.hint)
    for line in index.describe_unresolved():
        # A live cluster holds the default roles: a missing one there is really missing.
        hint = (
            ""
            if defaults or live is not None
            else "; add --with-defaults VERSION for Kubernetes' default roles"
        )
        typer.echo(f"stockade: warning: {line}{hint}", err=True)
    return _Loaded(inventory, index, errors or bool(index.errors), missing)


def _warn(file: str, line: int | None, message: str, hint: str | None) -> None:
    where = f"{file}:{line}" if line else file
    typer.echo(f"stockade: {where}: {message}{f' ({hint})' if hint else ''}", err=True)


def _json(doc: Any) -> str:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def _rows(rows: list[list[str]], header: list[str]) -> str:
    if not rows:
        return ""
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    lines = []
    for r in table:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(lines) + "\n"


@app.command("who-can")
@command
def who_can(
    verb: str = typer.Argument(..., help="get, list, create, escalate, … or * ."),
    resource: str = typer.Argument(
        ...,
        # No square brackets: help text is rich markup, where [/NAME] is a closing tag.
        help="RESOURCE, optionally .GROUP, /NAME and /SUBRESOURCE: secrets, pods/exec, "
        "secrets/db-password, deployments.apps/web/scale; or a non-resource URL such as /metrics.",
    ),
    paths: list[str] = _PATHS,
    namespace: str | None = typer.Option(
        None,
        "--namespace",
        "-n",
        help="Namespace of the request (none: cluster-wide). --cluster reads every namespace.",
    ),
    all_namespaces: bool = typer.Option(
        False, "--all-namespaces", "-A", help="Any namespace; each chain says where it holds."
    ),
    subresource: str | None = typer.Option(None, "--subresource", help="Subresource, e.g. exec."),
    defaults: str | None = _DEFAULTS,
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    kubeconfig: Path | None = KUBECONFIG,
    fmt: Format = _FORMAT,
    output: Path | None = _OUTPUT,
) -> int:
    """Every subject allowed to make a request, with the binding -> role chain that allows it.

    With --cluster the whole cluster is read: -n is the namespace of the request.
    """
    if namespace and all_namespaces:
        raise UsageError("--namespace and --all-namespaces exclude each other")
    live = cluster_options(cluster, context, [], kubeconfig)
    loaded = _load(paths, defaults, live)
    index = loaded.index
    ns = ALL_NAMESPACES if all_namespaces else namespace
    if resource.startswith("/"):
        req = Request(verb=verb, path=resource)
        ns = None
    else:
        res, group, sub, name = split_resource(resource, index.catalog)
        if not res:
            raise UsageError(f"no resource in {resource!r}", "Write e.g. secrets or pods/exec.")
        req = index.request(verb, res, ns, name, subresource or sub, group)
        if req.namespace is None and ns != ALL_NAMESPACES:
            ns = None
    answer = index.who_can_request(req)
    doc = who_can_document(req, ns, answer)
    if fmt is Format.JSON:
        write_output(loaded.json(doc), output)
    else:
        rows = [
            [
                a.subject.kind,
                f"{a.subject.namespace}/{a.subject.name}"
                if a.subject.namespace
                else a.subject.name,
                f"{v.binding} -> {v.role}",
                ",".join(v.namespaces),
            ]
            for a in answer
            for v in a.via
        ]
        where = (
            "cluster-wide"
            if ns is None
            else ("in any namespace" if ns == ALL_NAMESPACES else f"in namespace {ns}")
        )
        head = f"who can {verb} {resource} {where}:\n"
        write_output(
            loaded.gaps.text(head + _rows(rows, ["KIND", "SUBJECT", "VIA", "WHERE"])), output
        )
    return loaded.exit_code


@app.command("can")
@command
def can(
    identity: str = typer.Argument(
        ..., help="serviceaccount:NS:NAME, user:NAME (authenticated) or group:NAME."
    ),
    paths: list[str] = _PATHS,
    group: list[str] = typer.Option([], "--group", "-g", help="Extra group of a user."),
    defaults: str | None = _DEFAULTS,
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
    fmt: Format = _FORMAT,
    output: Path | None = _OUTPUT,
) -> int:
    """Everything an identity may do: its bindings and rules, and the risky capabilities."""
    try:
        ident = parse_identity(identity)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if group:
        ident = Identity(
            ident.username,
            tuple(dict.fromkeys((*ident.groups, *group))),
            ident.kind,
            ident.namespace,
        )
    live = cluster_options(cluster, context, namespace, kubeconfig)
    loaded = _load(paths, defaults, live)
    doc = can_document(loaded.index, ident)
    if fmt is Format.JSON:
        write_output(loaded.json(doc), output)
    else:
        lines = [f"{doc['identity']} (groups: {', '.join(doc['groups']) or 'none'})"]
        if doc["allPowerful"]:
            lines.append("  member of system:masters: every request is allowed")
        for g in doc["grants"]:
            lines.append(f"  {g['binding']} -> {g['role']}  [{','.join(g['namespaces'])}]")
            for r in g["rules"]:
                what = r.get("nonResourceURLs") or r.get("resources")
                groups = ",".join(x or '""' for x in r.get("apiGroups", []))
                names = f" names={','.join(r['resourceNames'])}" if r.get("resourceNames") else ""
                lines.append(
                    f"      {','.join(r['verbs'])} {','.join(what)}"
                    + (f" (apiGroups {groups})" if groups else "")
                    + names
                )
        if doc["capabilities"]:
            lines.append("risky capabilities:")
            for c in doc["capabilities"]:
                lines.append(f"  {c['capability']} [{c['namespace']}] via {c['via']}: {c['risk']}")
        if not doc["grants"] and not doc["allPowerful"]:
            lines.append("  no binding in view grants anything")
        write_output(loaded.gaps.text("\n".join(lines) + "\n"), output)
    return loaded.exit_code


@app.command("secrets")
@command
def secrets(
    paths: list[str] = _PATHS,
    defaults: str | None = _DEFAULTS,
    direct_only: bool = typer.Option(
        False, "--direct", help="Only direct (get/list/watch) access."
    ),
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
    fmt: Format = _FORMAT,
    output: Path | None = _OUTPUT,
) -> int:
    """Identity x secret: direct or indirect access, and how. Secret values are never read."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    loaded = _load(paths, defaults, live, _SECRET_KINDS)
    cells = [
        c
        for c in secret_matrix(loaded.index, loaded.inventory)
        if not direct_only or c.access == "direct"
    ]
    if fmt is Format.JSON:
        write_output(loaded.json({"access": [c.to_json() for c in cells]}), output)
    else:
        rows = [
            [c.identity.display(), f"{c.namespace}/{c.secret}", c.access, "; ".join(c.how)]
            for c in cells
        ]
        table = _rows(rows, ["IDENTITY", "SECRET", "ACCESS", "HOW"]) or "no access found\n"
        write_output(loaded.gaps.text(table), output)
    return loaded.exit_code


@app.command("workloads")
@command
def workloads(
    paths: list[str] = _PATHS,
    defaults: str | None = _DEFAULTS,
    cluster: bool = CLUSTER,
    context: str | None = CONTEXT,
    namespace: list[str] = NAMESPACE,
    kubeconfig: Path | None = KUBECONFIG,
    fmt: Format = _FORMAT,
    output: Path | None = _OUTPUT,
) -> int:
    """Each workload -> its service account -> what a compromise of it grants."""
    live = cluster_options(cluster, context, namespace, kubeconfig)
    loaded = _load(paths, defaults, live, _WORKLOAD_KINDS)
    items = workload_access(loaded.index, loaded.inventory)
    if fmt is Format.JSON:
        write_output(loaded.json({"workloads": [w.to_json() for w in items]}), output)
    else:
        lines = []
        for w in items:
            token = "token mounted" if w.token_mounted else "no token"
            lines.append(
                f"{w.namespace}/{w.workload} -> serviceaccount:{w.namespace}:{w.service_account}"
                f" ({token}, {w.grants} bindings)"
            )
            for c in w.capabilities:
                lines.append(f"    {c.capability} [{c.namespace}] via {c.via}")
            if w.secrets:
                lines.append(f"    reads secrets: {', '.join(w.secrets)}")
        body = "\n".join(lines) + "\n" if lines else "no workloads found\n"
        write_output(loaded.gaps.text(body), output)
    return loaded.exit_code
