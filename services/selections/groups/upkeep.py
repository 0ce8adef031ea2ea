"""The derived memberships of the relations a transaction touched, brought up to date as it
commits in a handful of statements whatever the number of groups: their kept memberships read
at once, every dynamic group's filter evaluated for them in one query (one per level: a filter
that reads another derived group waits for its changes), composite groups worked out in memory
from their sub-groups, and only what changed written: one INSERT of who joined, one DELETE of
who left. Memberships that stay are not rewritten; one stamp per relation says when they were
last checked (MembershipCheck)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Select, String, delete, func, literal, select, true, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.selections.dependencies import Graph, Node, evaluation_order
from services.selections.filters import FilterCatalog, compile_filter
from services.selections.groups.materialise import (
    VIA,
    catalog_for,
    dialect_insert,
    lock_evaluations,
)
from services.selections.models import (
    COMPOSITE,
    Group,
    GroupMember,
    MembershipCheck,
    RelationView,
)
from services.selections.repository import TOUCHED
from shared.errors import ValidationFailed

log = logging.getLogger(__name__)
MEMBERS = GroupMember.__table__
# The touched relations in each group (group id -> relation ids).
Members = dict[str, set[str]]


@dataclass
class Level:
    """Derived groups evaluated together: dynamic ones in one query, then composite ones from
    what their sub-groups hold by then (both in dependency order)."""

    dynamic: list[Group] = field(default_factory=list)
    composite: list[Group] = field(default_factory=list)


def refresh_touched(session: Session) -> None:
    """Bring the derived memberships of the relations touched in this transaction up to date,
    writing only those that changed, and stamp those relations as checked."""
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    lock_evaluations(session, exclusive=False)
    # Held here for the whole refresh: the session keeps loaded objects weakly only.
    derived = {group.id: group for group in session.scalars(select(Group).where(
        Group.kind.in_(tuple(VIA))))}
    if not derived:
        return
    session.flush()
    ids, at, catalog = sorted(touched), datetime.now(UTC), catalog_for(session)
    kept = _kept(session, ids)
    members: Members = {group_id: set(relations) for group_id, relations in kept.items()}
    present: set[str] | None = None
    for level in levels(session, derived):
        matched = _matching(session, level.dynamic, ids, catalog, with_present=present is None)
        if present is None:
            present = matched.pop(None)
        members.update(matched)
        for group in level.composite:
            members[group.id] = combined(group, members) & present
        evaluated = [group for group in level.dynamic if group.id in matched]
        _write(session, kept, members, [*evaluated, *level.composite], at)
    _stamp(session, present or set(), set(ids) - (present or set()), at)


def levels(session: Session, derived: dict[str, Group]) -> list[Level]:
    """The `derived` groups by level: a dynamic group one above the highest derived group its
    filter reads (directly or through lists), a composite group at its highest sub-group's."""
    graph = Graph(session)
    level_of: dict[str, int] = {}
    found: list[Level] = [Level()]
    for group_id in evaluation_order(graph, derived):
        group = derived[group_id]
        below = [level_of[read] for read in groups_read(graph, ("group", group_id))
                 if read in level_of]
        composite = group.kind == COMPOSITE
        level = max(below, default=0) if composite else max(below, default=-1) + 1
        level_of[group_id] = level
        while len(found) <= level:
            found.append(Level())
        (found[level].composite if composite else found[level].dynamic).append(group)
    return found


def groups_read(graph: Graph, node: Node) -> set[str]:
    """The groups whose members evaluating `node` reads: its own, and through the lists it
    names (a group's own reads are its level's business)."""
    found: set[str] = set()
    pending, seen = list(graph.evaluated_through(node)), set()
    while pending:
        used = pending.pop()
        if used in seen:
            continue
        seen.add(used)
        if used[0] == "group":
            found.add(used[1])
        elif used[0] == "list":
            pending.extend(graph.evaluated_through(used))
    return found


def combined(group: Group, members: Members) -> set[str]:
    """A composite group's touched members from its sub-groups' (a difference is the first
    minus the rest)."""
    parts = [members.get(sub, set()) for sub in group.member_groups or []]
    if not parts:
        return set()
    if group.combine == "union":
        return set().union(*parts)
    if group.combine == "intersection":
        return set.intersection(*parts)
    return parts[0].difference(*parts[1:])


def _kept(session: Session, ids: list[str]) -> Members:
    """The kept memberships of the touched relations, every kind of group (index lookups)."""
    kept: Members = {}
    rows = session.execute(select(MEMBERS.c.group_id, MEMBERS.c.relation_id).where(
        MEMBERS.c.relation_id.in_(id_set(session, ids))))
    for group_id, relation_id in rows:
        kept.setdefault(group_id, set()).add(relation_id)
    return kept


def _matching(session: Session, groups: list[Group], ids: list[str], catalog: FilterCatalog,
              *, with_present: bool) -> dict[Any, set[str]]:
    """Which touched relations each dynamic group's filter matches, all in one query (under
    None, with `with_present`: which touched relations the read model holds). A group whose
    filter no longer compiles is left out: its members stay as they are."""
    conditions = {}
    for group in groups:
        try:
            conditions[group.id] = compile_filter(group.filter, catalog)
        except ValidationFailed as exc:
            log.warning("group %s (%s) not brought up to date: %s", group.name, group.id,
                        exc.detail)
    if not conditions and not with_present:
        return {}
    columns = [condition.label(f"g{index}") for index, condition in
               enumerate(conditions.values())]
    rows = session.execute(select(RelationView.id, *columns).where(
        RelationView.id.in_(id_set(session, ids)))).all()
    matched: dict[Any, set[str]] = {group_id: {row[0] for row in rows if row[index + 1]}
                                    for index, group_id in enumerate(conditions)}
    if with_present:
        matched[None] = {row[0] for row in rows}
    return matched


def _write(session: Session, kept: Members, members: Members, groups: list[Group],
           at: datetime) -> None:
    """Only the changes: who joined these groups (one INSERT), who left them (one DELETE)."""
    joined, left = [], []
    for group in groups:
        before, after = kept.get(group.id, set()), members.get(group.id, set())
        joined += [(group.id, relation_id, VIA[group.kind])
                   for relation_id in sorted(after - before)]
        left += [(group.id, relation_id) for relation_id in sorted(before - after)]
    if joined:
        new = rows_of(session, joined, ("group_id", "relation_id", "via"))
        stamp = literal(at, DateTime(timezone=True))
        # Nothing to add where a concurrent full evaluation (or commit) added it first.
        session.execute(dialect_insert(session)(MEMBERS).from_select(
            ["group_id", "relation_id", "since", "via", "checked_at"],
            select(new.c.group_id, new.c.relation_id, stamp, new.c.via, stamp).where(true()))
            .on_conflict_do_nothing(index_elements=["group_id", "relation_id"]))
    if left:
        gone = rows_of(session, left, ("group_id", "relation_id"))
        session.execute(delete(MEMBERS).where(tuple_(
            MEMBERS.c.group_id, MEMBERS.c.relation_id).in_(select(gone.c.group_id,
                                                                  gone.c.relation_id))))


def id_set(session: Session, ids: list[str]) -> Select:
    """The ids as a subquery bound as one parameter (a bulk change touches more relations than
    a statement takes parameters): unnest(array) on PostgreSQL, json_each elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        values = func.unnest(literal(ids, postgresql.ARRAY(String))).column_valued("id")
        return select(values)
    rows = func.json_each(literal(json.dumps(ids))).table_valued("value")
    return select(rows.c.value)


def rows_of(session: Session, rows: list[tuple[str, ...]], names: tuple[str, ...]) -> Any:
    """Rows of text as a table bound as one parameter per column (unnest of arrays) on
    PostgreSQL, one in all (json_each) elsewhere: however many rows, one statement."""
    if session.get_bind().dialect.name == "postgresql":
        columns = [literal([row[index] for row in rows], postgresql.ARRAY(String))
                   for index in range(len(names))]
        return func.unnest(*columns).table_valued(*names).render_derived()
    values = func.json_each(literal(json.dumps(rows))).table_valued("value")
    return select(*[func.json_extract(values.c.value, f"$[{index}]").label(name)
                    for index, name in enumerate(names)]).subquery()


def _stamp(session: Session, present: set[str], gone: set[str], at: datetime) -> None:
    """The relations held are checked now (one upsert); those gone need no stamp."""
    table = MembershipCheck.__table__
    if present:
        rows = id_set(session, sorted(present)).add_columns(
            literal(at, DateTime(timezone=True))).where(true())
        statement = dialect_insert(session)(table).from_select(
            ["relation_id", "checked_at"], rows)
        session.execute(statement.on_conflict_do_update(
            index_elements=["relation_id"], set_={"checked_at": statement.excluded.checked_at}))
    if gone:
        session.execute(delete(table).where(table.c.relation_id.in_(
            id_set(session, sorted(gone)))))
