"""The queries every administrator-managed definition shares (tags, dossier actions)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.orm import Session

from shared.errors import NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


def json_list_holds(session: Session, column: str, value: str) -> ColumnElement[bool]:
    """A condition: the JSON list in `column` ("table.column") holds the string `value`.
    The database's JSON functions answer it (a GIN index on PostgreSQL), not Python."""
    if session.get_bind().dialect.name == "postgresql":
        return text(f"{column} ? :held").bindparams(held=value)
    return text(f"EXISTS (SELECT 1 FROM json_each({column}) "
                "WHERE json_each.value = :held)").bindparams(held=value)


class DefinitionRepository(ABC):
    model: ClassVar[type]
    noun: ClassVar[str]

    def __init__(self, session: Session):
        self.session = session

    def get(self, key: str) -> Any:
        definition = self.session.get(self.model, key)
        if definition is None:
            raise NotFound(f"no {self.noun} has the key {key!r}")
        return definition

    def find(self, key: str) -> Any | None:
        return self.session.get(self.model, key)

    def add(self, definition: Any) -> None:
        self.session.add(definition)

    def delete(self, definition: Any) -> None:
        self.session.delete(definition)

    def labels(self, keys: list[str]) -> dict[str, Any]:
        """The definitions of `keys` that exist, by key."""
        rows = self.session.scalars(select(self.model).where(self.model.key.in_(keys)))
        return {row.key: row for row in rows}

    def page(self, *, limit: int, cursor: str | None,
             category: str | None = None) -> tuple[list[Any], str | None]:
        """By key, a page at a time."""
        query = select(self.model).order_by(self.model.key)
        if category is not None:
            query = query.where(self.model.category == category)
        position = decode_cursor(cursor, 1)
        if position:
            if not isinstance(position[0], str):
                raise ValidationFailed("the cursor is not one this API handed out",
                                       errors={"cursor": ["unknown cursor"]})
            query = query.where(self.model.key > position[0])
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        return rows[:limit], encode_cursor([rows[limit - 1].key])

    @abstractmethod
    def count_holders(self, key: str) -> int:
        """How many hold the definition (relations for a tag, dossiers for an action)."""
