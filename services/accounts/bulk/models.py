"""What bulk jobs did to portal accounts, per (job, relation): the key that makes a redelivered
chunk harmless, and the before-image its undo needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, now
from shared.db import JSONType, relation_then_job_key


class AccountBulkApplication(Base):
    __tablename__ = "account_bulk_applications"
    __table_args__ = (relation_then_job_key("account_bulk_applications"),)

    job_id: Mapped[str] = mapped_column(String(64))
    relation_id: Mapped[str] = mapped_column(String(36))
    operation: Mapped[str] = mapped_column(String(32))
    # {"relation_id", "outcome", "account_id"?, "reason"?, "before"?, "version"?}: the answer,
    # given again on a redelivery
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
