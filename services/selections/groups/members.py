"""Static memberships changed by hand, in bulk or on the portal, each change kept in history.
These run inside the caller's `with uow:`; the caller commits (the HTTP views, the bulk chunk
commands and the portal all come through here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.selections.groups.service import found
from services.selections.models import (
    STATIC,
    GroupMember,
    GroupMembershipChange,
    RelationView,
    iso,
)
from services.selections.repository import ReadModel
from shared.context import principal
from shared.db import UnitOfWork, insert_rows
from shared.errors import Conflict
from shared.pagination import cursor_number, decode_cursor, encode_cursor

ADDED, ALREADY, REMOVED, NOT_MEMBER, UNKNOWN = (
    "added", "already_member", "removed", "not_member", "unknown_relation")


def add_members(uow: UnitOfWork, group_id: str, relation_ids: list[str], *, via: str,
                reference: str | None = None) -> dict[str, str]:
    """Add relations to a static group; per id: added, already_member or unknown_relation."""
    session, ids = uow.session, list(dict.fromkeys(relation_ids))
    _static(session, group_id)
    known, members = _known(session, ids), members_among(session, group_id, ids)
    new = [rid for rid in ids if rid in known and rid not in members]
    now = datetime.now(UTC)
    insert_rows(session, GroupMember.__table__, [
        {"group_id": group_id, "relation_id": rid, "since": now, "via": via, "checked_at": now}
        for rid in new])
    _history(session, group_id, new, "joined", now, via, reference)
    return {rid: ADDED if rid in new else ALREADY if rid in members else UNKNOWN for rid in ids}


def remove_members(uow: UnitOfWork, group_id: str, relation_ids: list[str], *, via: str,
                   reference: str | None = None) -> dict[str, str]:
    """Take relations out of a static group; per id: removed, not_member or unknown_relation."""
    session, ids = uow.session, list(dict.fromkeys(relation_ids))
    _static(session, group_id)
    known, members = _known(session, ids), members_among(session, group_id, ids)
    gone = [rid for rid in ids if rid in members]
    if gone:
        session.execute(delete(GroupMember).where(GroupMember.group_id == group_id,
                                                  GroupMember.relation_id.in_(gone)))
    _history(session, group_id, gone, "left", datetime.now(UTC), via, reference)
    return {rid: REMOVED if rid in members else NOT_MEMBER if rid in known else UNKNOWN
            for rid in ids}


def tally(outcomes: dict[str, str]) -> dict[str, Any]:
    """The outcomes with how many of each."""
    counts = {name: 0 for name in (ADDED, ALREADY, REMOVED, NOT_MEMBER, UNKNOWN)}
    for outcome in outcomes.values():
        counts[outcome] += 1
    return {"outcomes": outcomes, **counts}


def history(uow: UnitOfWork, group_id: str, *, relation_id: str | None, limit: int,
            cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Who joined and left a group, newest first, of one relation if asked."""
    with uow:
        found(uow.session, group_id)
        query = select(GroupMembershipChange).where(GroupMembershipChange.group_id == group_id)
        if relation_id:
            query = query.where(GroupMembershipChange.relation_id == relation_id)
        position = decode_cursor(cursor, 1)
        if position:
            query = query.where(GroupMembershipChange.id < cursor_number(position[0]))
        rows = list(uow.session.scalars(query.order_by(GroupMembershipChange.id.desc())
                                        .limit(limit + 1)))
        items = [change_shape(row) for row in rows[:limit]]
        return items, encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None


def change_shape(row: GroupMembershipChange) -> dict[str, Any]:
    """A history row as the API shows it."""
    return {"relation_id": row.relation_id, "change": row.change, "at": iso(row.at),
            "via": row.via, "reference": row.reference, "actor": row.actor}


def actor() -> str | None:
    """Who history says did it: the principal of the request or message in hand."""
    current = principal()
    return current.label if current is not None else None


def _static(session: Session, group_id: str) -> None:
    group = found(session, group_id)
    if group.kind != STATIC:
        raise Conflict(f"group {group.name!r} is {group.kind}: its members follow from its "
                       "definition and cannot be added or removed by hand", kind=group.kind)


def _known(session: Session, ids: list[str]) -> set[str]:
    return set(session.scalars(select(RelationView.id).where(RelationView.id.in_(ids))))


def members_among(session: Session, group_id: str, ids: list[str]) -> set[str]:
    """Which of `ids` are members of the group."""
    return set(session.scalars(select(GroupMember.relation_id).where(
        GroupMember.group_id == group_id, GroupMember.relation_id.in_(ids))))


def _history(session: Session, group_id: str, relation_ids: list[str], change: str,
             at: datetime, via: str, reference: str | None) -> None:
    who = actor()
    insert_rows(session, GroupMembershipChange.__table__, [
        {"group_id": group_id, "relation_id": rid, "change": change, "at": at, "via": via,
         "reference": reference, "actor": who} for rid in relation_ids])
    # A dynamic group may read this one (in_group, or a composite): bring those up to date.
    ReadModel(session).touch(relation_ids)
