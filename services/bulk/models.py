"""The bulk service's database: jobs, their frozen items with outcomes and before-images, and
the chunks the workers take."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import JSONType, relation_then_job_key
from shared.tables import include_platform_tables

STATUSES = ("draft", "running", "cancelling", "completed", "completed_with_errors",
            "cancelled", "failed")
FINISHED = ("completed", "completed_with_errors", "cancelled", "failed")
OUTCOMES = ("pending", "changed", "unchanged", "failed", "skipped", "cancelled")
COUNTED = ("changed", "unchanged", "failed", "skipped", "cancelled")
OPEN_CHUNK = ("pending", "running")  # a chunk's other statuses: done, cancelled, failed


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class BulkJob(Base):
    """One operation on a frozen target; the counters move as chunks finish."""

    __tablename__ = "bulk_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    operation: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSONType)
    target: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    principal: Mapped[dict] = mapped_column(JSONType)
    suppress_automations: Mapped[bool] = mapped_column(Boolean, default=False)
    undo_of: Mapped[str | None] = mapped_column(String(36), index=True)
    undo_mode: Mapped[str | None] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=0)  # retries so far
    chunk_size: Mapped[int] = mapped_column(Integer, default=500)
    impacts: Mapped[list] = mapped_column(JSONType, default=list)
    confirmations: Mapped[list] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def required_confirmations(self) -> list[str]:
        return [i["confirmation"] for i in self.impacts or [] if i.get("confirmation")]

    def context_job(self, retry: int | None = None) -> dict[str, Any]:
        """The job as an operation sees it; `key` is the owner's idempotency key."""
        attempt = self.attempt if retry is None else retry
        return {"id": self.id, "key": self.id if not attempt else f"{self.id}/retry-{attempt}",
                "params": self.params, "suppress_automations": self.suppress_automations,
                "confirmations": list(self.confirmations or []), "undo_of": self.undo_of,
                "undo_mode": self.undo_mode}


class BulkItem(Base):
    """One relation of a job, frozen when the job is made: its place, its chunk, its own
    values (edit_each) and, in an undo, what the undone job did to it (its changes,
    before-image and version) to put back. What became of it is its BulkOutcome; an item
    without one is pending."""

    __tablename__ = "bulk_items"
    __table_args__ = (Index("ix_bulk_items_job_seq", "job_id", "seq"),
                      Index("ix_bulk_items_job_chunk", "job_id", "chunk_no"))

    job_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    chunk_no: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict | None] = mapped_column(JSONType)  # an undo's: the changes undone
    before: Mapped[dict | None] = mapped_column(JSONType)
    version: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[dict | None] = mapped_column(JSONType)  # per relation (edit_each)


class BulkOutcome(Base):
    """What became of one item of a job, written once when its chunk is recorded (or
    cancelled, or given up). Rows are only ever added (and a failed one taken away when the
    job is retried): writing the outcome into the item instead made a new version of the
    item's row and an entry in each of its indexes, the dearest statement of a bulk job."""

    __tablename__ = "bulk_outcomes"
    # No index leads with the job: a job the planner has no statistics for yet is estimated
    # at one row, and an index led by it was chosen to scan all its outcomes (see
    # relation_then_job_key). Results by outcome start from the outcome.
    __table_args__ = (relation_then_job_key("bulk_outcomes"),
                      Index("ix_bulk_outcomes_outcome_job_seq", "outcome", "job_id", "seq"))

    job_id: Mapped[str] = mapped_column(String(36))
    relation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)  # the item's: results list in target order
    outcome: Mapped[str] = mapped_column(String(16))  # one of COUNTED
    detail: Mapped[dict | None] = mapped_column(JSONType)  # changes and/or reason
    before: Mapped[dict | None] = mapped_column(JSONType)
    version: Mapped[int | None] = mapped_column(Integer)
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BulkChunk(Base):
    """A task on bulk.tasks; `retry` is the job attempt it belongs to (the owner's key).
    `published_at`, `taken_at` and `republished` let the reconciler tell a chunk whose task
    was dead-lettered or lost from one still waiting its turn."""

    __tablename__ = "bulk_chunks"

    job_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # + running, done,
    attempts: Mapped[int] = mapped_column(Integer, default=0)           # cancelled, failed
    retry: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    republished: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


include_platform_tables(Base.metadata)
