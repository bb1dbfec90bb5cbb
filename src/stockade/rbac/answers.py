"""Who-can answers assembled from the roles that grant a request, in bulk rather than per chain.

An answer lists subjects in a fixed order (numbered once, so listing them is sorting numbers),
each with its chains ordered by binding, then role: exactly the order of ``Via`` tuples, so each
subject's few chains sort natively. A role's bindings are kept together, all of them and per
place they hold, as a list of subject numbers with the role's chain for each; answering is, per
matching role, adding those two lists (the chains made for the rule that matched, once), then
distributing chains to subjects and sorting. A role's rules are matched once however many
bindings use it, and no step runs Python code per chain of the answer.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from itertools import chain, repeat
from typing import NamedTuple

from stockade.rbac.rulemap import RoleMatches
from stockade.rbac.types import MASTERS, Binding, PolicyRule, Role, Subject

ALL_NAMESPACES = "*"
"""Pass as the namespace to ask about every namespace at once."""

BUILTIN_BINDING = "(built-in)"
MASTERS_ROLE = "(system:masters bypasses authorization)"
MASTERS_SUBJECT = Subject("Group", MASTERS)

_KIND_ORDER = {"Group": 0, "User": 1, "ServiceAccount": 2}
_EAGER_CHAINS = 2_000


class Via(NamedTuple):
    """Evidence: the binding and role that grant a request, the rule, and where it holds."""

    binding: str
    role: str
    namespaces: tuple[str, ...]
    rule: PolicyRule | None = None

    def to_json(self) -> dict[str, object]:
        """The who-can JSON contract's ``via`` entry."""
        return {"binding": self.binding, "role": self.role, "namespaces": list(self.namespaces)}


class SubjectAccess(NamedTuple):
    """A subject that can make the request, with every chain that allows it."""

    subject: Subject
    via: tuple[Via, ...]

    def to_json(self) -> dict[str, object]:
        """The who-can JSON contract's subject entry."""
        out: dict[str, object] = self.subject.to_json()
        out["via"] = [v.to_json() for v in self.via]
        return out


MASTERS_VIA = Via(BUILTIN_BINDING, MASTERS_ROLE, (ALL_NAMESPACES,))


def subject_order(subject: Subject) -> tuple[int, str, str]:
    """The order subjects are listed in: groups, users, service accounts; by namespace, name."""
    return (_KIND_ORDER.get(subject.kind, 9), subject.namespace or "", subject.name)


class _Part:
    """The grants of one role (all of them, or those holding in one scope)."""

    __slots__ = ("chains", "counts", "subjects", "vias")

    def __init__(self) -> None:
        self.chains: list[int] = []
        self.counts: list[int] = []
        """How many subjects each chain has (its run in ``subjects``)."""
        self.subjects: list[int] = []
        self.vias: dict[int, list[Via]] = {}
        """rule position -> the chain of each entry of ``subjects`` (made with the index, or on
        first use)."""

    def add(self, chain_id: int, subjects: list[int]) -> None:
        """Add a grant's subjects under its chain."""
        if self.chains and self.chains[-1] == chain_id:
            self.counts[-1] += len(subjects)
        else:
            self.chains.append(chain_id)
            self.counts.append(len(subjects))
        self.subjects += subjects


_Chain = tuple[str, str, tuple[str, ...]]


class AnswerBuilder:
    """Subjects numbered in answer order; each role's grants, all and per scope."""

    def __init__(self, grants: Sequence[tuple[Binding, int]], roles: Sequence[Role]) -> None:
        """``grants``: each binding with the id of its role (an index into ``roles``)."""
        role_labels = [r.display() for r in roles]
        distinct = dict.fromkeys(chain((MASTERS_SUBJECT,), *(b.subjects for b, _ in grants)))
        self.subjects: list[Subject] = sorted(distinct, key=subject_order)
        number = dict(zip(self.subjects, range(len(self.subjects)), strict=True))
        self.masters_id = number[MASTERS_SUBJECT]

        keys = [(b.display(), role_labels[rid]) for b, rid in grants]
        order = sorted(range(len(grants)), key=keys.__getitem__)
        where: dict[str | None, tuple[str, ...]] = {None: (ALL_NAMESPACES,)}
        self._chains: list[_Chain] = []
        every: defaultdict[int, _Part] = defaultdict(_Part)
        scoped: defaultdict[tuple[int, str | None], _Part] = defaultdict(_Part)
        previous: tuple[str, str] | None = None
        run: list[int] = []  # subjects of the current chain so far
        for i in order:
            binding, rid = grants[i]
            key = keys[i]
            subjects = list(map(number.__getitem__, binding.subjects))
            if len(subjects) > 1 and len(set(subjects)) < len(subjects):
                subjects = list(dict.fromkeys(subjects))
            scope = binding.scope
            if key != previous:
                previous = key
                namespaces = where.get(scope)
                if namespaces is None:
                    namespaces = where[scope] = (str(scope),)
                self._chains.append((key[0], key[1], namespaces))
                run = subjects
            else:
                # The same binding and role names again (a duplicated object): one chain,
                # which lists each subject once.
                seen = set(run)
                subjects = [s for s in subjects if s not in seen]
                run = run + subjects
            cid = len(self._chains) - 1
            every[rid].add(cid, subjects)
            scoped[(rid, scope)].add(cid, subjects)
        # Plain dicts: looking a role up must not create a part.
        self._all = dict(every)
        self._scoped = dict(scoped)
        # Questions about every namespace return the most chains; making them now, for each
        # rule a role could match by, keeps that cost out of the first such question. Roles
        # whose rules times subjects exceed the budget are left to be made on demand.
        for rid, part in self._all.items():
            rules = roles[rid].rules
            if len(rules) * len(part.subjects) <= _EAGER_CHAINS:
                for pos, rule in enumerate(rules):
                    self._vias(part, pos, rule)

    def _parts(
        self, matches: RoleMatches, namespace: str | None
    ) -> list[tuple[_Part, int, PolicyRule]]:
        """The parts of the matching roles that hold where asked, with the matching rule."""
        found: list[tuple[_Part, int, PolicyRule]] = []
        if namespace == ALL_NAMESPACES:
            every = self._all
            for rid, (pos, rule) in matches.items():
                part = every.get(rid)
                if part is not None:
                    found.append((part, pos, rule))
            return found
        scoped = self._scoped
        for rid, (pos, rule) in matches.items():
            part = scoped.get((rid, None))
            if part is not None:
                found.append((part, pos, rule))
            if namespace is not None:
                part = scoped.get((rid, namespace))
                if part is not None:
                    found.append((part, pos, rule))
        return found

    def _vias(self, part: _Part, pos: int, rule: PolicyRule) -> list[Via]:
        vias = part.vias.get(pos)
        if vias is None:
            made = [Via(*self._chains[c], rule) for c in part.chains]
            vias = part.vias[pos] = list(chain.from_iterable(map(repeat, made, part.counts)))
        return vias

    def answer(self, matches: RoleMatches, namespace: str | None) -> list[SubjectAccess]:
        """Every subject the matching roles' grants name where asked, with its chains;
        ``system:masters`` always, with its built-in chain."""
        subject_ids = [self.masters_id]
        vias = [MASTERS_VIA]
        for part, pos, rule in self._parts(matches, namespace):
            subject_ids += part.subjects
            vias += self._vias(part, pos, rule)
        found: defaultdict[int, list[Via]] = defaultdict(list)
        # Consumed for its effect: each chain appended to its subject's list, without a
        # Python-level loop over the chains.
        deque(map(list.append, map(found.__getitem__, subject_ids), vias), maxlen=0)
        listed = sorted(found)
        per_subject = list(map(found.__getitem__, listed))
        deque(map(list.sort, per_subject), maxlen=0)
        return list(
            map(SubjectAccess, map(self.subjects.__getitem__, listed), map(tuple, per_subject))
        )
