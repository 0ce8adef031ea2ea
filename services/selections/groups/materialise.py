"""The members of dynamic and composite groups, kept in group_members: evaluated in full when a
group (or a group or list it reads) changes and nightly, and for the touched relations only
whenever a unit of work commits (groups.upkeep). Every statement is set-based: INSERT ...
SELECT, DELETE ... WHERE NOT EXISTS, over relation_view."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    String,
    and_,
    delete,
    exists,
    func,
    literal,
    not_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.selections.dependencies import Graph, Node, dependants, evaluation_order
from services.selections.filters import FilterCatalog, compile_filter
from services.selections.models import COMPOSITE, DYNAMIC, Group, GroupMember, RelationView
from services.selections.repository import ReadModel
from shared.db import UnitOfWork
from shared.errors import ValidationFailed
from shared.periodic import Periodic

log = logging.getLogger(__name__)
MEMBERS = GroupMember.__table__
# The advisory lock that orders full evaluations against the upkeep of touched relations.
EVALUATION_LOCK = 4_202_611
COLUMNS = ["group_id", "relation_id", "since", "via", "checked_at"]
# How a derived membership came about (GroupMember.via).
VIA = {DYNAMIC: "filter", COMPOSITE: "composite"}
# Filter nodes whose answer changes with the date alone: age, and functions held "today".
DATED = {"age", "function"}


def membership_condition(group: Group, catalog: FilterCatalog) -> ColumnElement[bool]:
    """Whether a relation_view row belongs in a derived group: its filter, or its sub-groups'
    kept members combined (a difference is the first minus the rest)."""
    if group.kind == DYNAMIC:
        return compile_filter(group.filter, catalog)
    if group.combine == "union":
        return _in_any(group.member_groups)
    parts = [_in_any([sub]) for sub in group.member_groups]
    if group.combine == "intersection":
        return and_(*parts)
    return and_(parts[0], *[not_(part) for part in parts[1:]])


def _in_any(group_ids: list[str]) -> ColumnElement[bool]:
    # EXISTS, not IN: a key lookup per relation, where IN (and NOT IN above all) would hash
    # every member of the sub-group for an update that touches one relation.
    member = MEMBERS.alias()
    return exists(select(1).select_from(member).where(
        member.c.group_id.in_(group_ids), member.c.relation_id == RelationView.id))


def catalog_for(session: Session) -> FilterCatalog:
    """What filters are compiled against, as of today."""
    return FilterCatalog(ReadModel(session), date.today())


def evaluate(session: Session, group: Group, catalog: FilterCatalog, at: datetime) -> None:
    """Bring every membership of one derived group up to date, and say so (`evaluated_at`)."""
    condition = membership_condition(group, catalog)
    _remove_unmatched(session, group.id, condition)
    _insert_matching(session, group, condition, at)
    group.evaluated_at = at


def evaluate_from(session: Session, nodes: Iterable[Node]) -> None:
    """Evaluate in full the groups among `nodes` and every group that depends on them (through
    sub-groups, in_group and lists), each after the groups it reads."""
    session.flush()
    _evaluate_dependants(session, Graph(session), nodes)


def evaluate_all(uow: UnitOfWork) -> None:
    """Every dynamic and composite group evaluated in full, in dependency order (nightly:
    conditions like age or "held today" change with the date alone)."""
    with uow:
        uow.session.flush()
        graph = Graph(uow.session)
        _evaluate_in_order(uow.session, graph, None)
        uow.commit()


def evaluate_stale(uow: UnitOfWork) -> bool:
    """Evaluate in full (with their dependants) the groups whose filter reads the date (age,
    functions held today), directly or through a list, and that were last evaluated before
    today (UTC); answers whether any were. The periodic task calls this often, so each such
    group is evaluated once a day."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with uow:
        graph = Graph(uow.session)
        stale = [("group", group.id) for group in uow.session.scalars(select(Group).where(
            Group.kind == DYNAMIC,
            Group.evaluated_at.is_(None) | (Group.evaluated_at < midnight)))
            if reads_the_date(graph, ("group", group.id))]
        if stale:
            _evaluate_dependants(uow.session, graph, stale)
            uow.commit()
    return bool(stale)


def reads_the_date(graph: Graph, node: Node) -> bool:
    """Whether a group's or list's filter (or that of a list it names) changes its answer
    with the date alone."""
    pending, seen = [node], set()
    while pending:
        current = pending.pop()
        seen.add(current)
        saved = graph.nodes.get(current)
        if saved is None or saved.filter is None:
            continue
        if _dated(saved.filter):
            return True
        pending += [used for used in saved.uses if used[0] == "list" and used not in seen]
    return False


def _dated(node: Any) -> bool:
    if isinstance(node, list):
        return any(_dated(item) for item in node)
    if not isinstance(node, dict):
        return False
    return bool(DATED & node.keys()) or any(_dated(node[key]) for key in ("and", "or", "not")
                                             if key in node)


def evaluate_daily(runtime: Any) -> None:
    """The periodic task: every derived group evaluated in full once a day (after midnight
    UTC), for conditions that change with the date alone (age, functions held today)."""
    evaluate_stale(runtime.unit_of_work())


# Checked every quarter of an hour, so a day's first check comes soon after midnight.
DAILY = Periodic("group-evaluation", 900, evaluate_daily)


def lock_evaluations(session: Session, *, exclusive: bool) -> None:
    """Order full evaluations (exclusive) and the upkeep of touched relations (shared) on
    PostgreSQL, to the end of the transaction. Under READ COMMITTED a group evaluated while a
    relation is absorbed would miss it for good: the evaluation does not see the uncommitted
    relation, the absorber's upkeep does not see the uncommitted group. SQLite writes one
    transaction at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        session.execute(select(lock(EVALUATION_LOCK)))


def _evaluate_dependants(session: Session, graph: Graph, nodes: Iterable[Node]) -> None:
    wanted: set[str] = set()
    for node in nodes:
        wanted |= dependants(graph, node) | ({node[1]} if node[0] == "group" else set())
    _evaluate_in_order(session, graph, wanted)


def _evaluate_in_order(session: Session, graph: Graph, wanted: set[str] | None) -> None:
    lock_evaluations(session, exclusive=True)
    catalog, at = catalog_for(session), datetime.now(UTC)
    order = evaluation_order(graph, wanted)
    for group_id in order:
        group = session.get(Group, group_id)
        try:
            evaluate(session, group, catalog, at)
        except ValidationFailed as exc:
            # A definition its filter names was deleted since: keep what it had.
            log.warning("group %s (%s) not evaluated: %s", group.name, group.id, exc.detail)
    if order and session.get_bind().dialect.name == "postgresql":
        # A full evaluation may add or drop a group's worth of rows at once: without fresh
        # statistics the commits that follow look the touched relations' memberships up by
        # scanning the whole table rather than by ix_group_members_relation.
        session.execute(text("ANALYZE group_members"))


def _remove_unmatched(session: Session, group_id: str, condition: ColumnElement[bool]) -> None:
    """Members that match no more (or left the read model) leave."""
    matches = exists(select(1).select_from(RelationView).where(
        RelationView.id == MEMBERS.c.relation_id, condition))
    session.execute(delete(MEMBERS).where(MEMBERS.c.group_id == group_id, ~matches))


def _insert_matching(session: Session, group: Group, condition: ColumnElement[bool],
                     at: datetime) -> None:
    """Add the matching relations not yet members."""
    stamp = literal(at, DateTime(timezone=True))
    rows = select(literal(group.id, String), RelationView.id, stamp,
                  literal(VIA[group.kind], String), stamp).where(condition)
    # No anti-join against the members: the table grows under the statement, and a plan made
    # on stale statistics (a new group) rescans it per row. A conflict per kept row is linear.
    statement = dialect_insert(session)(MEMBERS).from_select(COLUMNS, rows)
    session.execute(statement.on_conflict_do_nothing(index_elements=["group_id", "relation_id"]))


def dialect_insert(session: Session):
    """The INSERT with ON CONFLICT of the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
