"""What bulk jobs did here, per (job, relation): the key that makes a redelivered chunk
harmless, and the before-image that makes the job undoable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now
from shared.db import JSONType, relation_then_job_key


class BulkApplication(Base):
    __tablename__ = "bulk_applications"
    __table_args__ = (relation_then_job_key("bulk_applications"),)

    job_id: Mapped[str] = mapped_column(String(64))
    relation_id: Mapped[str] = mapped_column(String(36))
    # {"outcome", "reason"?, "before"?, "version"?}: answered again on a redelivery
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
