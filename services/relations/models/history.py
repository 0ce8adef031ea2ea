"""Per-relation change history: who changed which field, from what to what, through what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain
from shared.db import JSONType

VIA = ("api", "bulk", "merge", "system")


class HistoryEntry(Base):
    __tablename__ = "history"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    principal: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(10))
    # The request's correlation id, the bulk job id or the merge id.
    via_ref: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(100))
    before: Mapped[Any] = mapped_column(JSONType, nullable=True)
    after: Mapped[Any] = mapped_column(JSONType, nullable=True)

    __table_args__ = (
        Index("ix_history_relation", "relation_id", "id"),
        Index("ix_history_at", "at"),
    )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "relation_id": self.relation_id, "at": plain(self.at),
                "principal": self.principal, "via": self.via, "via_ref": self.via_ref,
                "field": self.field, "before": self.before, "after": self.after}
