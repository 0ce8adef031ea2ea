"""The end of a job: its final status from its counts, and the bulk.jobs.finished event."""

from __future__ import annotations

from sqlalchemy import select

from services.bulk.messages import JobFinished
from services.bulk.models import COUNTED, OPEN_CHUNK, BulkChunk, BulkJob, now


def final_status(job: BulkJob) -> str:
    if job.status == "cancelling":
        return "cancelled"
    return "completed_with_errors" if job.failed else "completed"


def finish(uow, job: BulkJob, status: str | None = None, error: str | None = None) -> None:
    """Mark the job finished (in the caller's transaction) and announce it."""
    job.status = status or final_status(job)
    job.finished_at = now()
    if error is not None:
        job.error = error
    counts = {name: getattr(job, name) for name in ("total", "done", *COUNTED)}
    uow.emit(JobFinished, {"job_id": job.id, "operation": job.operation, "status": job.status,
                           "counts": counts, "undo_of": job.undo_of,
                           "suppress_automations": job.suppress_automations},
             aggregate_id=job.id)


def finish_if_done(uow, job: BulkJob) -> bool:
    """End the job once no chunk is pending or running."""
    open_chunk = uow.session.scalar(
        select(BulkChunk.chunk_no).where(BulkChunk.job_id == job.id,
                                         BulkChunk.status.in_(OPEN_CHUNK)).limit(1))
    if open_chunk is not None:
        return False
    finish(uow, job)
    return True
