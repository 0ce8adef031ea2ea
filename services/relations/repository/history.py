"""The queries of the change history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.relations.models import HistoryEntry
from shared.errors import ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


class HistoryRepository:
    def __init__(self, session: Session):
        self.session = session

    def page(self, *, relation_id: str | None, limit: int, cursor: str | None,
             exclude_principal: str | None = None) -> tuple[list[HistoryEntry], str | None]:
        """Newest first, by id (ids grow with time)."""
        query = select(HistoryEntry).order_by(HistoryEntry.id.desc())
        if relation_id:
            query = query.where(HistoryEntry.relation_id == relation_id)
        if exclude_principal:
            query = query.where(HistoryEntry.principal != exclude_principal)
        position = decode_cursor(cursor, 1)
        if position:
            if not isinstance(position[0], int):
                raise ValidationFailed("the cursor is not one this API handed out",
                                       errors={"cursor": ["unknown cursor"]})
            query = query.where(HistoryEntry.id < position[0])
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        return rows[:limit], encode_cursor([rows[limit - 1].id])
