"""The read model: what selections knows of each relation, kept from relations events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import JSONType
from shared.tables import include_platform_tables


class Base(DeclarativeBase):
    pass


class RelationView(Base):
    """One row per relation; the columns filters use, and the whole state for answers."""

    __tablename__ = "relation_view"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(150))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # Filters compare case-insensitively; index what they compare.
        Index("ix_relation_view_city", func.lower(city)),
        Index("ix_relation_view_last_name", func.lower(last_name)),
        Index("ix_relation_view_email", "email"),
    )

    def absorb(self, state: dict[str, Any], at: datetime) -> None:
        address = state.get("address") or {}
        primary = next((e for e in state.get("emails") or [] if e.get("primary")), None)
        self.type = state["type"]
        self.status = state["status"]
        self.first_name = state.get("first_name")
        self.last_name = state.get("last_name")
        self.organisation_name = state.get("organisation_name")
        self.email = primary["address"].lower() if primary else None
        self.postcode = address.get("postcode")
        self.city = address.get("city")
        self.country = address.get("country")
        self.version = state["version"]
        self.state = state
        self.updated_at = at


include_platform_tables(Base.metadata)
