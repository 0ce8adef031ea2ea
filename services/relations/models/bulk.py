"""What bulk jobs did here, per (job, relation): the key that makes a redelivered chunk
harmless, and the before-image that makes the job undoable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now
from shared.db import JSONType


class BulkApplication(Base):
    __tablename__ = "bulk_applications"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # {"outcome", "reason"?, "before"?, "version"?}: answered again on a redelivery
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
