"""Pages of selections, of a selection's members, refreshes and hand edits (keyset cursors)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from services.selections.models import (
    RelationView,
    Selection,
    SelectionEdit,
    SelectionMember,
    SelectionRefresh,
    iso,
)
from services.selections.snapshots.refresh import member_count
from services.selections.snapshots.service import found, refresh_shape, shape
from shared.pagination import cursor_number, decode_cursor, encode_cursor

Page = tuple[list[dict[str, Any]], str | None]


def list_selections(uow: Any, *, limit: int, cursor: str | None) -> Page:
    """Selections by name, with their member counts."""
    with uow:
        query = select(Selection)
        position = decode_cursor(cursor, 2)
        if position:
            name, last_id = str(position[0]), str(position[1])
            query = query.where((Selection.name > name) | (
                (Selection.name == name) & (Selection.id > last_id)))
        rows = list(uow.session.scalars(query.order_by(Selection.name, Selection.id)
                                        .limit(limit + 1)))
        page = rows[:limit]
        counts = dict(uow.session.execute(
            select(SelectionMember.selection_id, func.count())
            .where(SelectionMember.selection_id.in_([s.id for s in page]))
            .group_by(SelectionMember.selection_id)).all())
        items = [shape(uow, selection, counts.get(selection.id, 0)) for selection in page]
        return items, _next(rows, limit, lambda last: [last.name, last.id])


def members(uow: Any, selection_id: str, *, limit: int,
            cursor: str | None) -> tuple[list[dict[str, Any]], str | None, int]:
    """A page of the members' states, each with how and when it came in, and the count."""
    with uow:
        found(uow, selection_id)
        query = (select(SelectionMember.relation_id, SelectionMember.added_at,
                        SelectionMember.via, RelationView.state)
                 .join(RelationView, RelationView.id == SelectionMember.relation_id)
                 .where(SelectionMember.selection_id == selection_id))
        rows = list(uow.session.execute(_keyset(query, SelectionMember.relation_id, cursor,
                                                limit)))
        items = [{**row.state, "membership": {"added_at": iso(row.added_at), "via": row.via}}
                 for row in rows[:limit]]
        next_cursor = _next(rows, limit, lambda last: [last.relation_id])
        return items, next_cursor, member_count(uow.session, selection_id)


def refreshes(uow: Any, selection_id: str, *, limit: int, cursor: str | None) -> Page:
    """The selection's refreshes, newest first."""
    with uow:
        found(uow, selection_id)
        query = select(SelectionRefresh).where(SelectionRefresh.selection_id == selection_id)
        position = decode_cursor(cursor, 1)
        if position:
            query = query.where(SelectionRefresh.id < cursor_number(position[0]))
        rows = list(uow.session.scalars(query.order_by(SelectionRefresh.id.desc())
                                        .limit(limit + 1)))
        return ([refresh_shape(row) for row in rows[:limit]],
                _next(rows, limit, lambda last: [last.id]))


def edits(uow: Any, selection_id: str, *, limit: int, cursor: str | None) -> Page:
    """The selection's hand edits by relation id: added (included) or removed by hand."""
    with uow:
        found(uow, selection_id)
        query = select(SelectionEdit).where(SelectionEdit.selection_id == selection_id)
        rows = list(uow.session.scalars(_keyset(query, SelectionEdit.relation_id, cursor,
                                                limit)))
        items = [{"relation_id": row.relation_id, "included": row.included,
                  "at": iso(row.at), "actor": row.actor} for row in rows[:limit]]
        return items, _next(rows, limit, lambda last: [last.relation_id])


def _keyset(query: Select, key: Any, cursor: str | None, limit: int) -> Select:
    position = decode_cursor(cursor, 1)
    if position:
        query = query.where(key > str(position[0]))
    return query.order_by(key).limit(limit + 1)


def _next(rows: list[Any], limit: int, position) -> str | None:
    return encode_cursor(position(rows[limit - 1])) if len(rows) > limit else None

