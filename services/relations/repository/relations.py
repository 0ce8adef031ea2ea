"""The queries of the relation card."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.relations import derived
from services.relations.messages import TOMBSTONES
from services.relations.models import Relation
from shared.db import update_rows
from shared.errors import Conflict, Gone, NotFound, PlatformError
from shared.pagination import cursor_time, decode_cursor, encode_cursor


class RelationRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, relation_id: str) -> Relation:
        relation = self.session.get(Relation, relation_id)
        if relation is None:
            raise NotFound(f"relation {relation_id} does not exist")
        return relation

    def live(self, relation_id: str) -> Relation:
        """A relation that can still change, locked until this transaction ends (concurrent
        writers queue instead of failing): deleted ones are gone, merged ones moved."""
        relation = self.session.get(Relation, relation_id, with_for_update=True)
        if relation is None:
            raise NotFound(f"relation {relation_id} does not exist")
        if relation.status in TOMBSTONES:
            raise tombstone_error(relation)
        return relation

    def many(self, relation_ids: list[str]) -> dict[str, Relation]:
        """The relations that exist among `relation_ids`, locked for this transaction's change."""
        query = select(Relation).where(Relation.id.in_(relation_ids)).with_for_update()
        return {relation.id: relation for relation in self.session.scalars(query)}

    def detached(self, relation_ids: list[str]) -> dict[str, Relation]:
        """Relations for a bulk change, locked for this transaction but outside the ORM's
        change tracking (which writes row by row): write_back() saves them in one go."""
        table = Relation.__table__
        rows = self.session.execute(select(table).where(table.c.id.in_(relation_ids))
                                    .with_for_update())
        return {row.id: _detached({_ATTRIBUTE_OF[column]: value
                                   for column, value in row._mapping.items()})
                for row in rows}

    def write_back(self, changed: list[tuple[Relation, set[str]]]) -> None:
        """Save changed detached relations (each with the names of what changed) with one
        executemany; each gets its next version (the rows are locked, so no one else can have
        moved it meanwhile)."""
        if not changed:
            return
        for relation, _names in changed:
            relation.version += 1
        update_rows(self.session, Relation.__table__, [
            {"id": r.id, **{c: getattr(r, _ATTRIBUTE_OF[c]) for c in _WRITTEN}}
            for r, _names in changed])
        # Written past the ORM, so its flush hook does not see them: follow them here.
        derived.follow(self.session, changed)

    def add(self, relation: Relation) -> Relation:
        self.session.add(relation)
        self.session.flush()
        return relation

    def page(self, *, limit: int, cursor: str | None, status: str | None,
             relation_type: str | None) -> tuple[list[Relation], str | None]:
        """Oldest first; keyset pagination on (created_at, id) stays fast on deep pages."""
        # Archived relations leave default lists; tombstones never show in lists.
        query = select(Relation).order_by(Relation.created_at, Relation.id)
        query = query.where(Relation.status == (status or "active"))
        if relation_type:
            query = query.where(Relation.type == relation_type)
        position = decode_cursor(cursor, 2)
        if position:
            query = query.where(tuple_(Relation.created_at, Relation.id)
                                > (cursor_time(position[0]), str(position[1])))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([last.created_at.isoformat(), last.id])


def tombstone_error(relation: Relation) -> PlatformError:
    """What reading or changing a merged or deleted relation answers."""
    if relation.status == "deleted":
        return Gone(f"relation {relation.id} was deleted", id=relation.id, tombstone="deleted")
    return Conflict(f"relation {relation.id} was merged into {relation.merged_into}; change "
                    "that one instead", id=relation.id, tombstone="merged",
                    merged_into=relation.merged_into)


def _detached(values: dict) -> Relation:
    # As the ORM builds a loaded instance (its state dict filled at once), not through
    # __init__, which fires an attribute event per column.
    relation = Relation._sa_class_manager.new_instance()
    relation.__dict__.update(values)
    return relation


_ATTRIBUTE_OF = {column.key: attribute.key for attribute in Relation.__mapper__.column_attrs
                 for column in attribute.columns}
_WRITTEN = [column for column in _ATTRIBUTE_OF if column not in ("id", "type", "created_at")]

