"""What accounts remembers of its reactions to relations' archives and merges, so a restore or
an undone merge takes back exactly what it did, and a late or repeated event does nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, now
from shared.db import JSONType


class LifecycleReaction(Base):
    """The newest archive or restore of a relation accounts acted on, and the block that
    archive made (with what the account was before), which only that relation's restore
    lifts, and only while nobody changed the account since."""

    __tablename__ = "portal_lifecycle_reactions"

    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The relation's version in the newest archive/restore event handled: older ones are late.
    version: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[str | None] = mapped_column(String(36))
    # The account's version right after the archive blocked it.
    account_version: Mapped[int | None] = mapped_column(Integer)
    # {"status", "blocked_until", "reason"} of the account before the block.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class MergeReaction(Base):
    """A merge accounts reconciled (merged), or whose undo came first (undone: the late merge
    does nothing)."""

    __tablename__ = "portal_merge_reactions"

    merge_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # merged | undone
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class MergeReconciliation(Base):
    """What a merge did to one account: moved it to the keeper, or blocked it because the
    keeper had one already (disabled)."""

    __tablename__ = "portal_merge_reconciliations"

    merge_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    action: Mapped[str] = mapped_column(String(10))  # moved | disabled
    relation_id: Mapped[str] = mapped_column(String(36))  # the merged relation it belonged to
    keeper_id: Mapped[str] = mapped_column(String(36))
    before: Mapped[dict[str, Any]] = mapped_column(JSONType)
    account_version: Mapped[int] = mapped_column(Integer)  # right after the merge's change
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
