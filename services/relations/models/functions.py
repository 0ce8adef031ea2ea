"""Functions: a relation holding a role at another (Jan is director of Acme), for a period."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain

ROLE_MAX = 100
# Fields a caller may change; the two ends of a function never move (except by a merge).
FUNCTION_EDITABLE = ("role", "start_date", "end_date")


def normalised_role(role: str) -> str:
    """Single spaces, no spaces at the ends: "board  member " is "board member"."""
    return " ".join(role.split())


def role_key(role: str) -> str:
    """What roles are compared by: "Board Member" and "board member" are one role."""
    return normalised_role(role).casefold()


class Function(Base):
    __tablename__ = "functions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    relation_id: Mapped[str] = mapped_column(String(36), ForeignKey("relations.id"))
    organisation_id: Mapped[str] = mapped_column(String(36), ForeignKey("relations.id"))
    role: Mapped[str] = mapped_column(String(ROLE_MAX))
    # Casefolded in Python, not lower() in SQL: SQLite's lower() knows only ASCII.
    role_key: Mapped[str] = mapped_column(String(ROLE_MAX))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        Index("ix_functions_relation", "relation_id", "start_date", "id"),
        Index("ix_functions_organisation", "organisation_id", "start_date", "id"),
    )

    def set_role(self, role: str) -> None:
        self.role = normalised_role(role)
        self.role_key = role_key(role)

    def active_on(self, day: date) -> bool:
        """Held on `day`: started, and not ended before it (the end date is the last day)."""
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def snapshot(self) -> dict[str, Any]:
        """What history keeps of the function: both ends, role and period."""
        return {"id": self.id, "relation_id": self.relation_id,
                "organisation_id": self.organisation_id, "role": self.role,
                "start_date": plain(self.start_date), "end_date": plain(self.end_date)}

    def state(self, today: date) -> dict[str, Any]:
        """The function as events carry it; `active` as of `today`."""
        return {**self.snapshot(), "active": self.active_on(today),
                "created_at": plain(self.created_at), "updated_at": plain(self.updated_at)}
