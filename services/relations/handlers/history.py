"""The change history of one relation, and the feed of recent changes for a dashboard."""

from __future__ import annotations

from typing import Any

from services.relations.handlers.unit_of_work import RelationsUnitOfWork


def relation_history(uow: RelationsUnitOfWork, relation_id: str, *, limit: int,
                     cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    with uow:
        uow.relations.get(relation_id)  # 404 for a relation that never existed
        rows, next_cursor = uow.history.page(relation_id=relation_id, limit=limit,
                                             cursor=cursor)
        return [row.to_dict() for row in rows], next_cursor


def change_feed(uow: RelationsUnitOfWork, *, limit: int, cursor: str | None,
                exclude_principal: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Recent changes to any relation, newest first; `exclude_principal` hides one's own."""
    with uow:
        rows, next_cursor = uow.history.page(relation_id=None, limit=limit, cursor=cursor,
                                             exclude_principal=exclude_principal)
        return [row.to_dict() for row in rows], next_cursor
