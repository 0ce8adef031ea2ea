"""Confirm a draft: check the confirmations and who asks (again), cut the items into chunks
and put one bulk.run_chunk per chunk in the outbox, in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from services.bulk.jobs.chunks import pending
from services.bulk.jobs.common import (
    acting_principal,
    check_may_run,
    job_for_update,
    operation_named,
)
from services.bulk.jobs.finish import finish_if_done
from services.bulk.jobs.reads import job_state
from services.bulk.messages import RunChunk
from services.bulk.models import BulkChunk, BulkItem, BulkJob, now
from shared.bus import COMMANDS_EXCHANGE
from shared.errors import Conflict, ValidationFailed
from shared.outbox import add_to_outbox


def confirm_job(uow, job_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Start a draft job; 409 unless it is a draft, 422 on `confirmations` for a missing one."""
    principal = acting_principal()
    with uow:
        job = job_for_update(uow, job_id)
        operation = operation_named(job.operation)
        check_may_run(principal, operation)
        if job.status != "draft":
            raise Conflict(f"the job is {job.status}, not a draft: it was confirmed already",
                           status_now=job.status)
        given = list(dict.fromkeys(body.get("confirmations") or []))
        check_confirmed(job.impacts or [], given, "this job")
        if body.get("mode") is not None and job.undo_of is None:
            raise ValidationFailed("only an undo job has a mode",
                                   errors={"mode": ["only for an undo job"]})
        if job.undo_of is not None:
            job.undo_mode = body.get("mode") or job.undo_mode or "skip"
        job.confirmations, job.principal = given, principal
        job.status, job.confirmed_at, job.started_at = "running", now(), now()
        schedule_pending(uow, job)
        uow.commit()
        return job_state(job)


def check_confirmed(impacts: list[dict[str, Any]], given: list[str], what: str) -> None:
    """422 on `confirmations` naming each impact that needs confirming and is not."""
    missing = [impact["confirmation"] for impact in impacts
               if impact.get("confirmation") and impact["confirmation"] not in given]
    if missing:
        raise ValidationFailed(f"confirm what {what} also does: " + ", ".join(missing),
                               errors={"confirmations": [f"missing {key!r}"
                                                         for key in missing]},
                               impacts=impacts)


def schedule_pending(uow, job: BulkJob) -> int:
    """A chunk row and a bulk.run_chunk command for each chunk with pending items."""
    numbers = list(uow.session.scalars(
        select(BulkItem.chunk_no).distinct().where(BulkItem.job_id == job.id, pending())
        .order_by(BulkItem.chunk_no)))
    if numbers:
        uow.session.execute(insert(BulkChunk), [
            {"job_id": job.id, "chunk_no": number, "status": "pending", "attempts": 0,
             "retry": job.attempt, "published_at": now(), "republished": 0}
            for number in numbers])
    for number in numbers:
        envelope = RunChunk.envelope({"job_id": job.id, "chunk_no": number}, source="bulk")
        add_to_outbox(uow.session, envelope, aggregate_id=job.id, exchange=COMMANDS_EXCHANGE)
    if not numbers:
        finish_if_done(uow, job)
    return len(numbers)
