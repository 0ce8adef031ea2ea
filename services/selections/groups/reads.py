"""Membership read both ways from the kept memberships: a group's members (by relation id,
with their count) and the groups of one relation (an index lookup)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from services.selections.groups.service import found
from services.selections.models import Group, GroupMember, RelationView, iso
from shared.db import UnitOfWork
from shared.errors import NotFound
from shared.pagination import decode_cursor, encode_cursor


def members(uow: UnitOfWork, group_id: str, *, limit: int,
            cursor: str | None) -> tuple[list[dict[str, Any]], str | None, int]:
    """A page of a group's members (states, with since and via), and how many there are."""
    with uow:
        found(uow.session, group_id)
        query = (select(GroupMember.relation_id, GroupMember.since, GroupMember.via,
                        RelationView.state)
                 .join(RelationView, RelationView.id == GroupMember.relation_id)
                 .where(GroupMember.group_id == group_id))
        position = decode_cursor(cursor, 1)
        if position:
            query = query.where(GroupMember.relation_id > position[0])
        rows = uow.session.execute(query.order_by(GroupMember.relation_id)
                                   .limit(limit + 1)).all()
        items = [{**row.state, "membership": {"since": iso(row.since), "via": row.via}}
                 for row in rows[:limit]]
        count = uow.session.scalar(select(func.count()).select_from(GroupMember).where(
            GroupMember.group_id == group_id))
        next_cursor = encode_cursor([rows[limit - 1].relation_id]) if len(rows) > limit else None
        return items, next_cursor, count


def groups_of(uow: UnitOfWork, relation_id: str) -> list[dict[str, Any]]:
    """Every group a relation is in, by name; a relation the read model does not hold is a
    404."""
    with uow:
        if uow.session.get(RelationView, relation_id) is None:
            raise NotFound(f"no relation has the id {relation_id!r}")
        rows = uow.session.execute(
            select(Group.id, Group.name, Group.kind, Group.visible_on_portal,
                   Group.changeable_on_portal, GroupMember.since, GroupMember.via)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.relation_id == relation_id).order_by(Group.name, Group.id))
        return [{"id": row.id, "name": row.name, "kind": row.kind, "since": iso(row.since),
                 "via": row.via, "visible_on_portal": row.visible_on_portal,
                 "changeable_on_portal": row.changeable_on_portal} for row in rows]
