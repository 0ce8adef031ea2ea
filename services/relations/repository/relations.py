"""The queries of the relation card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.relations.models import Relation
from shared.errors import NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


class RelationRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, relation_id: str) -> Relation:
        relation = self.session.get(Relation, relation_id)
        if relation is None:
            raise NotFound(f"relation {relation_id} does not exist")
        return relation

    def add(self, relation: Relation) -> Relation:
        self.session.add(relation)
        self.session.flush()
        return relation

    def page(self, *, limit: int, cursor: str | None, status: str | None,
             relation_type: str | None) -> tuple[list[Relation], str | None]:
        """Oldest first; keyset pagination on (created_at, id) stays fast on deep pages."""
        query = select(Relation).order_by(Relation.created_at, Relation.id)
        if status:
            query = query.where(Relation.status == status)
        if relation_type:
            query = query.where(Relation.type == relation_type)
        position = decode_cursor(cursor, 2)
        if position:
            query = query.where(tuple_(Relation.created_at, Relation.id)
                                > (_cursor_time(position[0]), str(position[1])))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([last.created_at.isoformat(), last.id])


def _cursor_time(value) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("the cursor is not one this API handed out",
                               errors={"cursor": ["unknown cursor"]}) from None
