"""The queries of contact moments."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.relations.models import ContactMoment
from shared.errors import NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


class ContactMomentRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, moment_id: str) -> ContactMoment:
        moment = self.session.get(ContactMoment, moment_id)
        if moment is None:
            raise NotFound(f"contact moment {moment_id} does not exist")
        return moment

    def add(self, moment: ContactMoment) -> ContactMoment:
        self.session.add(moment)
        self.session.flush()
        return moment

    def delete(self, moment: ContactMoment) -> None:
        self.session.delete(moment)

    def page(self, relation_id: str, *, limit: int, cursor: str | None,
             kind: str | None = None) -> tuple[list[ContactMoment], str | None]:
        """The contact moments of one relation, newest first."""
        query = (select(ContactMoment).where(ContactMoment.relation_id == relation_id)
                 .order_by(ContactMoment.at.desc(), ContactMoment.id.desc()))
        if kind:
            query = query.where(ContactMoment.kind == kind)
        position = decode_cursor(cursor, 2)
        if position:
            query = query.where(tuple_(ContactMoment.at, ContactMoment.id)
                                < (_cursor_time(position[0]), str(position[1])))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([_utc(last.at).isoformat(), last.id])


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _cursor_time(value) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed("the cursor is not one this API handed out",
                               errors={"cursor": ["unknown cursor"]})
    return parsed.astimezone(UTC)
