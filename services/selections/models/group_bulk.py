"""What bulk jobs did to static group memberships, per (job, relation): the key that makes a
redelivered chunk harmless, and what its undo needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.selections.models.read_model import Base
from shared.db import JSONType, relation_then_job_key


class GroupBulkApplication(Base):
    __tablename__ = "group_bulk_applications"
    __table_args__ = (relation_then_job_key("group_bulk_applications"),)

    job_id: Mapped[str] = mapped_column(String(64))
    relation_id: Mapped[str] = mapped_column(String(36))
    group_id: Mapped[str] = mapped_column(String(36))
    # {"relation_id", "outcome", "reason"?, "changes"?, "before"?}: answered again on a
    # redelivery
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
