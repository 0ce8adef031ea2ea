"""The queries of functions (relation -> relation links with a role and a period)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, not_, or_, select, tuple_
from sqlalchemy.orm import Session

from services.relations.models import Function, Relation
from shared.errors import NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


class FunctionRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, function_id: str) -> Function:
        function = self.session.get(Function, function_id)
        if function is None:
            raise NotFound(f"function {function_id} does not exist")
        return function

    def add(self, function: Function) -> Function:
        self.session.add(function)
        self.session.flush()
        return function

    def delete(self, function: Function) -> None:
        self.session.delete(function)

    def page(self, relation_id: str, *, limit: int, cursor: str | None, today: date,
             active: bool | None = None, role_key: str | None = None
             ) -> tuple[list[Function], str | None]:
        """The functions at either end of `relation_id`, latest start first."""
        query = (select(Function)
                 .where(or_(Function.relation_id == relation_id,
                            Function.organisation_id == relation_id))
                 .order_by(Function.start_date.desc(), Function.id.desc()))
        if active is not None:
            held = active_condition(today)
            query = query.where(held if active else not_(held))
        if role_key:
            query = query.where(Function.role_key == role_key)
        position = decode_cursor(cursor, 2)
        if position:
            query = query.where(tuple_(Function.start_date, Function.id)
                                < (_cursor_date(position[0]), str(position[1])))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([last.start_date.isoformat(), last.id])

    def overlapping(self, function: Function) -> Function | None:
        """Another function with the same two ends and role whose period meets this one's."""
        query = select(Function).where(
            Function.relation_id == function.relation_id,
            Function.organisation_id == function.organisation_id,
            Function.role_key == function.role_key,
            or_(Function.end_date.is_(None), Function.end_date >= function.start_date),
        )
        if function.id is not None:
            query = query.where(Function.id != function.id)
        if function.end_date is not None:
            query = query.where(Function.start_date <= function.end_date)
        return self.session.scalars(query.limit(1)).first()

    def open_of(self, relation_ids: Iterable[str], on: date) -> list[Function]:
        """The functions at either end of these relations that still run after `on` (no end
        date, or a later one): what archiving them would end."""
        ids = list(dict.fromkeys(relation_ids))
        if not ids:
            return []
        query = (select(Function)
                 .where(or_(Function.relation_id.in_(ids), Function.organisation_id.in_(ids)),
                        or_(Function.end_date.is_(None), Function.end_date > on))
                 .order_by(Function.id))
        return list(self.session.scalars(query))

    def relations(self, relation_ids: Iterable[str]) -> dict[str, Relation]:
        """The relations at the ends of some functions, by id, in one query."""
        ids = list(set(relation_ids))
        if not ids:
            return {}
        return {r.id: r for r in self.session.scalars(select(Relation)
                                                      .where(Relation.id.in_(ids)))}


def active_condition(today: date):
    """Held on `today`: started, and the end date (the last day held) not passed."""
    return and_(Function.start_date <= today,
                or_(Function.end_date.is_(None), Function.end_date >= today))


def _cursor_date(value) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("the cursor is not one this API handed out",
                               errors={"cursor": ["unknown cursor"]}) from None
