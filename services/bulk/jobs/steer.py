"""Steering a job: cancel it, retry its failed relations, or make the draft that undoes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update

from services.bulk.jobs.chunks import cancel_chunks
from services.bulk.jobs.common import (
    acting_principal,
    check_may_run,
    job_for_update,
    operation_context,
    operation_named,
)
from services.bulk.jobs.confirm import check_confirmed, schedule_pending
from services.bulk.jobs.create import IMPACTS_PAGE, PREVIEW_LIMIT, total_impacts
from services.bulk.jobs.finish import finish, finish_if_done
from services.bulk.jobs.reads import item_dict, job_state, preview_page
from services.bulk.messages import CountChangedSince
from services.bulk.models import FINISHED, BulkChunk, BulkItem, BulkJob, BulkOutcome, new_id
from shared.bus import COMMANDS_EXCHANGE
from shared.errors import Conflict
from shared.outbox import add_to_outbox

# Up to this many relations an undo's answer counts those changed since its job itself;
# beyond, a bulk worker counts them after the answer (asking the owner about a million
# relations takes longer than a request may).
COUNT_INLINE = 100_000


def cancel_job(uow, job_id: str) -> dict[str, Any]:
    """Chunks being applied finish; the others, and their relations, are cancelled."""
    acting_principal()
    with uow:
        job = job_for_update(uow, job_id)
        if job.status == "draft":
            finish(uow, job, status="cancelled")
        elif job.status in ("running", "cancelling"):
            job.status = "cancelling"
            cancel_chunks(uow, job)
            finish_if_done(uow, job)
        else:
            raise Conflict(f"the job is {job.status}: there is nothing left to cancel",
                           status_now=job.status)
        uow.commit()
        return job_state(job)


def retry_job(uow, rpc, job_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run the job's failed relations again (the owner sees a new key: job/retry-N). What
    retrying them would also do is asked anew; its confirmations, given now or when the job
    was confirmed, are checked as confirm checks them (422 naming `confirmations`)."""
    principal = acting_principal()
    with uow:
        job = job_for_update(uow, job_id)
        operation = operation_named(job.operation)
        check_may_run(principal, operation)
        _check_retryable(job)
        uow.session.expunge(job)
    # Out of the transaction: the impacts are asked of the owner over the bus.
    impacts = _retry_impacts(uow, rpc, operation, job)
    with uow:
        job = job_for_update(uow, job_id)
        _check_retryable(job)  # again: another retry may have started meanwhile
        given = list(dict.fromkeys([*(job.confirmations or []),
                                    *(body.get("confirmations") or [])]))
        check_confirmed(impacts, given, "retrying")
        _pending_again(uow, job)
        job.status, job.finished_at, job.error, job.principal = "running", None, None, principal
        job.impacts, job.confirmations = impacts, given
        schedule_pending(uow, job)
        uow.commit()
        return job_state(job)


def _check_retryable(job: BulkJob) -> None:
    if job.status not in FINISHED or not job.failed:
        raise Conflict(f"the job is {job.status} with {job.failed} failed relations: "
                       "only a finished job with failures can be retried",
                       status_now=job.status)


def _retry_impacts(uow, rpc, operation, job: BulkJob) -> list[dict[str, Any]]:
    """The impacts of applying the job to its failed relations now (an undo has none)."""
    if job.undo_of is not None:
        return []
    with uow:
        failed = list(uow.session.scalars(_failed_ids(job).order_by(BulkOutcome.seq)))
    return total_impacts(operation, operation_context(rpc, job), job.params, failed)


def _pending_again(uow, job: BulkJob) -> None:
    """The failed items pending again (their outcomes gone), in chunks numbered after every
    chunk so far."""
    base = (uow.session.scalar(select(func.max(BulkChunk.chunk_no))
                               .where(BulkChunk.job_id == job.id)) or 0) + 1
    uow.session.execute(update(BulkItem).where(
        BulkItem.job_id == job.id, BulkItem.relation_id.in_(_failed_ids(job)))
        .values(chunk_no=BulkItem.chunk_no + base))
    again = uow.session.execute(delete(BulkOutcome).where(
        BulkOutcome.job_id == job.id, BulkOutcome.outcome == "failed")).rowcount
    uow.session.execute(update(BulkJob).where(BulkJob.id == job.id).values(
        failed=BulkJob.failed - again, done=BulkJob.done - again,
        attempt=BulkJob.attempt + 1))
    uow.session.refresh(job)


def _failed_ids(job: BulkJob):
    return select(BulkOutcome.relation_id).where(BulkOutcome.job_id == job.id,
                                                 BulkOutcome.outcome == "failed")


def undo_job(uow, rpc, job_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new draft that puts back what the job changed; 409 when it cannot be undone."""
    principal = acting_principal()
    with uow:
        original = job_for_update(uow, job_id)
        operation = operation_named(original.operation)
        check_may_run(principal, operation)
        if operation.undo is None:
            raise Conflict(operation.undo_refusal or f"{operation.name} cannot be undone",
                           operation=operation.name)
        if original.undo_of is not None or original.status not in FINISHED:
            raise Conflict(f"the job is {original.status}"
                           + (", itself an undo" if original.undo_of else "")
                           + ": only a finished job can be undone", status_now=original.status)
        undo = BulkJob(id=new_id(), operation=original.operation, params=original.params,
                       target={"undo_of": original.id}, status="draft", principal=principal,
                       suppress_automations=original.suppress_automations,
                       undo_of=original.id, undo_mode=body.get("mode") or "skip",
                       chunk_size=original.chunk_size, impacts=[], confirmations=[])
        uow.session.add(undo)
        uow.session.flush()
        undo.total = _copy_changed_items(uow, original, undo)
        if not undo.total:
            raise Conflict("the job changed no relation: there is nothing to undo")
        if undo.total > COUNT_INLINE:
            undo.impacts = [_changed_since(None)]
            add_to_outbox(uow.session, CountChangedSince.envelope({"job_id": undo.id},
                                                                  source="bulk"),
                          aggregate_id=undo.id, exchange=COMMANDS_EXCHANGE)
        uow.commit()
    if undo.total <= COUNT_INLINE:
        # Out of the first transaction: counting asks the owner over the bus.
        _store_changed_since(uow, undo.id, _changed_since_count(uow, rpc, operation, undo))
    with uow:
        undo = uow.session.get(BulkJob, undo.id)
        return {**job_state(undo), **preview_page(uow, rpc, undo, limit=PREVIEW_LIMIT)}


def _copy_changed_items(uow, original: BulkJob, undo: BulkJob) -> int:
    """The relations the original changed, as the undo's items: what it changed, their
    before-images and the versions it left, in the original's order and chunk size."""
    copied = select(literal(undo.id), BulkOutcome.relation_id, BulkOutcome.seq,
                    BulkOutcome.seq // undo.chunk_size, BulkOutcome.detail, BulkOutcome.before,
                    BulkOutcome.version).where(BulkOutcome.job_id == original.id,
                                               BulkOutcome.outcome == "changed")
    return uow.session.execute(insert(BulkItem).from_select(
        ["job_id", "relation_id", "seq", "chunk_no", "detail", "before", "version"], copied)
        .execution_options(preserve_rowcount=True)).rowcount


def count_changed_since(new_uow, rpc, job_id: str) -> str:
    """A bulk worker's task: count a large undo's relations changed since its job, for its
    preview (informative: the undo's mode says what happens to them when it runs)."""
    with new_uow() as uow:
        undo = uow.session.get(BulkJob, job_id)
        if undo is None or undo.undo_of is None:
            return "skipped"
        uow.session.expunge(undo)
    uow = new_uow()
    _store_changed_since(uow, job_id, _changed_since_count(
        uow, rpc, operation_named(undo.operation), undo))
    return "counted"


def _store_changed_since(uow, job_id: str, count: int) -> None:
    with uow:
        undo = job_for_update(uow, job_id)
        undo.impacts = [_changed_since(count)] if count else []
        uow.commit()


def _changed_since(count: int | None) -> dict[str, Any]:
    """The undo's impact: relations someone else changed since the job (None: counting)."""
    counted = (f"{count} relations were changed" if count is not None
               else "Counting the relations changed")
    return {"key": "changed_since", "count": count, "confirmation": None,
            "description": f"{counted} by someone else since the job: confirm with mode skip "
                           "to leave them, overwrite to undo anyway"}


def _changed_since_count(uow, rpc, operation, undo: BulkJob) -> int:
    """How many of the relations someone else changed since the job, a page at a time."""
    ctx, count, after = operation_context(rpc, undo), 0, -1
    while True:
        with uow:
            items = [item_dict(row) for row in uow.session.execute(select(
                BulkItem.__table__).where(BulkItem.job_id == undo.id, BulkItem.seq > after)
                .order_by(BulkItem.seq)
                .limit(IMPACTS_PAGE))]
        if not items:
            return count
        count += len(operation.changed_since(ctx, items))
        after = items[-1]["seq"]
