"""The declarative base of the relations database, and value helpers its models share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase

from shared.tables import include_platform_tables


class Base(DeclarativeBase):
    pass


def now() -> datetime:
    return datetime.now(UTC)


def plain(value: Any) -> Any:
    """A value as JSON carries it: dates and times as ISO 8601, times always with their zone."""
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes; they were written in UTC.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat() if isinstance(value, date) else value


include_platform_tables(Base.metadata)
