"""A merge: which relations became one, and everything needed to take it back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain
from shared.db import JSONType


class Merge(Base):
    __tablename__ = "merges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    keep_id: Mapped[str] = mapped_column(String(36))
    other_ids: Mapped[list[str]] = mapped_column(JSONType)
    choices: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # The full pre-merge records: {relation id: {column: value}}.
    before: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # What moved to the keeper: {"functions": [...], "contact_moments": [...], "history": [...],
    # "dossiers": [...]}, each entry enough to move it back.
    moved: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The keeper's version right after the merge: undo checks nobody changed it since.
    keep_version: Mapped[int] = mapped_column(Integer)
    principal: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_merges_keep", "keep_id"),)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "keep": self.keep_id, "others": list(self.other_ids),
                "choices": dict(self.choices or {}), "principal": self.principal,
                "at": plain(self.at), "undone_at": plain(self.undone_at),
                "before": self.before}
