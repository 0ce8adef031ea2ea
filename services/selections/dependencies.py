"""Who uses which saved set: composite groups their sub-groups, filters (of dynamic groups, lists
and selection sources) the groups, lists and selections they name, selections their source.
One graph answers "may this be deleted" (users_of, refuse_if_used), "would this make a cycle"
(check_acyclic) and "in which order are derived groups evaluated" (evaluation_order,
dependants).

Only evaluation reads through an edge: a selection is a snapshot, so what its source uses is
never evaluated through it, and no cycle passes through a selection."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.selections.models import COMPOSITE, Group, RelationList, Selection
from shared.errors import Conflict, ValidationFailed

Node = tuple[str, str]  # (kind, id): kind is "group", "list" or "selection"
SET_NODES = {"in_group": "group", "in_list": "list", "in_selection": "selection"}


def filter_uses(node: Any) -> set[Node]:
    """The groups, lists and selections a filter tree names."""
    found: set[Node] = set()
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in SET_NODES and isinstance(value, str):
                    found.add((SET_NODES[key], value))
                elif key in ("and", "or", "not"):
                    pending.append(value)
    return found


def source_uses(source: Any) -> set[Node]:
    """What a selection's source names: {"group": id}, {"list": id} or a filter's sets."""
    if not isinstance(source, dict):
        return set()
    if "filter" in source:
        return filter_uses(source["filter"])
    return {(kind, value) for kind, value in source.items()
            if kind in ("group", "list") and isinstance(value, str)}


@dataclass
class Saved:
    """A saved set as the graph sees it."""

    kind: str
    id: str
    name: str
    uses: set[Node]
    group_kind: str | None = None
    filter: Any = None


class Graph:
    """Every saved set and what it uses, read once (saved sets are few; relations are not)."""

    def __init__(self, session: Session):
        self.nodes: dict[Node, Saved] = {}
        for group in session.scalars(select(Group)):
            uses = ({("group", gid) for gid in group.member_groups or []}
                    if group.kind == COMPOSITE else filter_uses(group.filter))
            self._add(Saved("group", group.id, group.name, uses, group.kind, group.filter))
        for relation_list in session.scalars(select(RelationList)):
            self._add(Saved("list", relation_list.id, relation_list.name,
                            filter_uses(relation_list.filter), filter=relation_list.filter))
        for selection in session.scalars(select(Selection)):
            self._add(Saved("selection", selection.id, selection.name,
                            source_uses(selection.source)))

    def _add(self, saved: Saved) -> None:
        self.nodes[(saved.kind, saved.id)] = saved

    def evaluated_through(self, node: Node) -> set[Node]:
        """The sets whose members evaluating `node` reads (none for a snapshot)."""
        saved = self.nodes.get(node)
        if saved is None or node[0] == "selection":
            return set()
        return saved.uses

    def name(self, node: Node) -> str:
        saved = self.nodes.get(node)
        return f"{node[0]} {saved.name if saved else node[1]!r}"


def users_of(session: Session, kind: str, set_id: str) -> list[dict[str, str]]:
    """Who uses a group, list or selection: composite groups, filters that name it, selections
    whose source it is; by kind and name."""
    graph = Graph(session)
    users = [saved for saved in graph.nodes.values()
             if (kind, set_id) in saved.uses and (saved.kind, saved.id) != (kind, set_id)]
    users.sort(key=lambda saved: (saved.kind, saved.name.casefold(), saved.id))
    return [{"kind": saved.kind, "id": saved.id, "name": saved.name} for saved in users]


def refuse_if_used(session: Session, kind: str, set_id: str, name: str) -> None:
    """Refuse to delete a group or list something uses (409 naming the users in `used_by`)."""
    users = users_of(session, kind, set_id)
    if users:
        raise Conflict(f"{kind} {name!r} is used by " + ", ".join(
            f"{user['kind']} {user['name']!r}" for user in users) + "; change those first",
            used_by=users)


def check_acyclic(session: Session, kind: str, set_id: str, uses: Iterable[Node], *,
                  field: str | None = None) -> None:
    """Refuse (422 on `field`, "filter" unless told) a set that would use itself, directly or
    through other groups and lists, naming the cycle: `group 'A' → list 'B' → group 'A'`.
    A selection passes (a snapshot: its source is read when refreshed, not evaluated through)."""
    if kind == "selection":
        return
    graph = Graph(session)
    start: Node = (kind, set_id)
    path = _path_back(graph, start, set(uses))
    if path is None:
        return
    cycle = " → ".join(graph.name(node) for node in [start, *path])
    raise ValidationFailed(f"this would make a cycle: {cycle}",
                           errors={field or "filter": [f"makes a cycle: {cycle}"]},
                           cycle=[{"kind": k, "id": i} for k, i in [start, *path]])


def _path_back(graph: Graph, start: Node, uses: set[Node]) -> list[Node] | None:
    """The nodes from one of `uses` back to `start`, following what each set evaluates."""
    trail: dict[Node, Node | None] = {node: None for node in uses}
    pending = sorted(uses)
    while pending:
        node = pending.pop()
        if node == start:
            path = [node]
            while trail[path[-1]] is not None:
                path.append(trail[path[-1]])
            return path[::-1]
        for used in sorted(graph.evaluated_through(node)):
            if used not in trail:
                trail[used] = node
                pending.append(used)
    return None


def evaluation_order(graph: Graph, groups: Iterable[str] | None = None) -> list[str]:
    """Derived (dynamic and composite) group ids so that a group comes after every group whose
    members it reads (through lists too); `groups` narrows the answer."""
    wanted = set(groups) if groups is not None else None
    order: list[str] = []
    done: set[Node] = set()
    for node in sorted(graph.nodes):
        _visit(graph, node, done, order)
    return [gid for gid in order if (wanted is None or gid in wanted)
            and graph.nodes[("group", gid)].group_kind != "static"]


def _visit(graph: Graph, start: Node, done: set[Node], order: list[str]) -> None:
    # Iterative depth-first: nesting "to any depth" must not meet Python's recursion limit.
    stack: list[tuple[Node, bool]] = [(start, False)]
    entered: set[Node] = set()
    while stack:
        node, expanded = stack.pop()
        if node in done or (node in entered and not expanded):
            continue
        entered.add(node)
        if expanded:
            done.add(node)
            if node[0] == "group" and node in graph.nodes:
                order.append(node[1])
            continue
        stack.append((node, True))
        stack.extend((used, False) for used in sorted(graph.evaluated_through(node))
                     if used not in done)


def dependants(graph: Graph, node: Node) -> set[str]:
    """The derived groups whose members depend on `node`'s (through groups and lists)."""
    readers: dict[Node, set[Node]] = {}
    for other in graph.nodes:
        for used in graph.evaluated_through(other):
            readers.setdefault(used, set()).add(other)
    found: set[Node] = set()
    pending = [node]
    while pending:
        for reader in readers.get(pending.pop(), ()):
            if reader not in found:
                found.add(reader)
                pending.append(reader)
    return {gid for kind, gid in found if kind == "group"}
