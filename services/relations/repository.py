"""The queries of the relations service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.orm import Session

from services.relations.models import FieldDefinition, HistoryEntry, Relation
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


class FieldRepository:
    def __init__(self, session: Session):
        self.session = session

    def all(self) -> dict[str, FieldDefinition]:
        return {d.key: d for d in self.session.scalars(select(FieldDefinition)
                                                       .order_by(FieldDefinition.key))}

    def get(self, key: str) -> FieldDefinition:
        definition = self.session.get(FieldDefinition, key)
        if definition is None:
            raise NotFound(f"no custom field has the key {key!r}")
        return definition

    def add(self, definition: FieldDefinition) -> None:
        self.session.add(definition)

    def delete(self, definition: FieldDefinition) -> None:
        self.session.delete(definition)

    def holders(self, key: str, option: str | None = None):
        """A query for the relations that hold a value for `key` (or that hold `option` in it),
        answered by the database's JSON functions, not by loading every relation."""
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            condition = text("fields ? :key") if option is None else text(
                "(fields -> :key = to_jsonb(CAST(:option AS text)) "
                "OR fields -> :key @> jsonb_build_array(CAST(:option AS text)))")
        else:
            condition = text("json_type(fields, '$.' || json_quote(:key)) IS NOT NULL") \
                if option is None else text(
                "(json_extract(fields, '$.' || json_quote(:key)) = :option OR EXISTS ("
                "SELECT 1 FROM json_each(fields, '$.' || json_quote(:key)) "
                "WHERE json_each.value = :option))")
        params = {"key": key} if option is None else {"key": key, "option": option}
        return select(Relation).where(condition.bindparams(**params))

    def count_holders(self, key: str, option: str | None = None) -> int:
        query = self.holders(key, option)
        return self.session.scalar(select(func.count()).select_from(query.subquery()))


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


def _cursor_time(value) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("the cursor is not one this API handed out",
                               errors={"cursor": ["unknown cursor"]}) from None
