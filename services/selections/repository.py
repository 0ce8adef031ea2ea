"""The queries of the selections service."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from services.selections.models import RelationView
from shared.pagination import decode_cursor, encode_cursor


class ReadModel:
    def __init__(self, session: Session):
        self.session = session

    def get(self, relation_id: str) -> RelationView | None:
        return self.session.get(RelationView, relation_id)

    def add(self, view: RelationView) -> None:
        self.session.add(view)

    def remove(self, relation_ids: list[str]) -> None:
        self.session.execute(delete(RelationView).where(RelationView.id.in_(relation_ids)))

    def count(self, condition: ColumnElement[bool]) -> int:
        return self.session.scalar(select(func.count()).select_from(RelationView)
                                   .where(condition))

    def page(self, condition: ColumnElement[bool], *, limit: int,
             cursor: str | None) -> tuple[list[RelationView], str | None]:
        query = select(RelationView).where(condition).order_by(RelationView.id)
        position = decode_cursor(cursor, 1)
        if position:
            query = query.where(RelationView.id > position[0])
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        return rows[:limit], encode_cursor([rows[limit - 1].id])
