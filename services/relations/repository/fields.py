"""The queries of custom field definitions."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from services.relations.messages import STATUSES
from services.relations.models import FieldDefinition, Relation
from shared.errors import NotFound


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
        # Tombstones keep their last values for undo, but hold nothing any more.
        return select(Relation).where(condition.bindparams(**params),
                                      Relation.status.in_(STATUSES))

    def count_holders(self, key: str, option: str | None = None) -> int:
        query = self.holders(key, option)
        return self.session.scalar(select(func.count()).select_from(query.subquery()))
