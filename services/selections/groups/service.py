"""Groups created, read, changed and deleted: every rule checked before anything is written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from services.selections.dependencies import check_acyclic, filter_uses, refuse_if_used
from services.selections.filters import compile_filter
from services.selections.groups import materialise
from services.selections.groups.rules import check_group
from services.selections.models import (
    Group,
    GroupMember,
    GroupMembershipChange,
    GroupMergeMove,
    iso,
)
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound
from shared.pagination import decode_cursor, encode_cursor

# What a change of these fields means for the members: evaluate the group again.
DEFINING = ("filter", "combine", "groups")


def shape(group: Group, member_count: int) -> dict[str, Any]:
    """A group as the API shows it."""
    return {"id": group.id, "name": group.name, "description": group.description,
            "kind": group.kind, "filter": group.filter, "combine": group.combine,
            "groups": group.member_groups, "visible_on_portal": group.visible_on_portal,
            "changeable_on_portal": group.changeable_on_portal, "member_count": member_count,
            "evaluated_at": iso(group.evaluated_at), "created_at": iso(group.created_at),
            "updated_at": iso(group.updated_at)}


def list_groups(uow: UnitOfWork, *, kind: str | None, limit: int,
                cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Groups by name, `limit` at a time after `cursor`, of one kind if asked."""
    with uow:
        query = select(Group)
        if kind:
            query = query.where(Group.kind == kind)
        position = decode_cursor(cursor, 2)
        if position:
            query = query.where(or_(Group.name > position[0],
                                    and_(Group.name == position[0], Group.id > position[1])))
        groups = list(uow.session.scalars(query.order_by(Group.name, Group.id).limit(limit + 1)))
        counts = member_counts(uow.session, [group.id for group in groups[:limit]])
        items = [shape(group, counts.get(group.id, 0)) for group in groups[:limit]]
        if len(groups) <= limit:
            return items, None
        last = groups[limit - 1]
        return items, encode_cursor([last.name, last.id])


def get_group(uow: UnitOfWork, group_id: str) -> dict[str, Any]:
    with uow:
        group = found(uow.session, group_id)
        return shape(group, member_counts(uow.session, [group_id]).get(group_id, 0))


def create_group(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    """A new group, its members evaluated at once when it is dynamic or composite."""
    with uow:
        now = datetime.now(UTC)
        group = Group(id=str(uuid.uuid4()), kind=data["kind"], description=None, filter=None,
                      combine=None, member_groups=None, visible_on_portal=False,
                      changeable_on_portal=False, created_at=now, updated_at=now)
        _apply(uow, group, data, creating=True)
        return _saved(uow, group, evaluate=True)


def change_group(uow: UnitOfWork, group_id: str,
                 data: dict[str, Any]) -> dict[str, Any]:
    """Change a group; a new filter or new sub-groups evaluate it (and its users) again."""
    with uow:
        group = found(uow.session, group_id)
        _apply(uow, group, data, creating=False)
        group.updated_at = datetime.now(UTC)
        return _saved(uow, group, evaluate=any(name in data for name in DEFINING))


def delete_group(uow: UnitOfWork, group_id: str) -> None:
    """Delete a group nothing uses (409 naming the users), with its memberships and history."""
    with uow:
        group = found(uow.session, group_id)
        refuse_if_used(uow.session, "group", group_id, group.name)
        for table in (GroupMember, GroupMembershipChange, GroupMergeMove):
            uow.session.execute(delete(table).where(table.group_id == group_id))
        uow.session.delete(group)
        uow.commit()


def found(session: Session, group_id: str) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound(f"no group has the id {group_id!r}")
    return group


def member_counts(session: Session, group_ids: list[str]) -> dict[str, int]:
    """How many members each group has (kept memberships)."""
    if not group_ids:
        return {}
    rows = session.execute(select(GroupMember.group_id, func.count()).where(
        GroupMember.group_id.in_(group_ids)).group_by(GroupMember.group_id))
    return {group_id: count for group_id, count in rows}


def _apply(uow: UnitOfWork, group: Group, data: dict[str, Any], *,
           creating: bool) -> None:
    """Check the request against the group it makes, then set it; nothing is written when a
    rule fails."""
    check_group(uow.session, group, data, creating=creating)
    if "filter" in data:
        check_acyclic(uow.session, "group", group.id, filter_uses(data["filter"]))
        compile_filter(data["filter"], materialise.catalog_for(uow.session))
    if "groups" in data:
        check_acyclic(uow.session, "group", group.id,
                      {("group", gid) for gid in data["groups"]}, field="groups")
    _unique_name(uow.session, group, data.get("name", group.name))
    for name in ("name", "description", "filter", "combine", "visible_on_portal",
                 "changeable_on_portal"):
        if name in data:
            setattr(group, name, data[name])
    if "groups" in data:
        group.member_groups = list(data["groups"])


def _unique_name(session: Session, group: Group, name: str) -> None:
    # Group names are few; casefold compares "Ångström" and "ÅNGSTRÖM" alike on any database.
    for other_id, other_name in session.execute(select(Group.id, Group.name)):
        if other_id != group.id and other_name.casefold() == name.casefold():
            raise Conflict(f"a group is called {other_name!r} already",
                           errors={"name": ["another group has this name"]}, group=other_id)


def _saved(uow: UnitOfWork, group: Group, *, evaluate: bool) -> dict[str, Any]:
    uow.session.add(group)
    uow.session.flush()
    if evaluate and group.kind in materialise.VIA:
        materialise.evaluate_from(uow.session, [("group", group.id)])
    result = shape(group, member_counts(uow.session, [group.id]).get(group.id, 0))
    uow.commit()
    return result
