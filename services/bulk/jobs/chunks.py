"""A worker's part: take one chunk of a running job, have the owner apply it, record what
became of each relation and move the job's counters; the last chunk ends the job.

Redelivery is harmless: a chunk that is done (or cancelled) is skipped, the owner answers a
chunk it applied already from its (job, relation) records, and an item gets an outcome only
while it has none (it is pending)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import exists, insert, literal, null, select, update

from services.accounts.messages import GetPrincipal
from services.bulk.jobs.common import (
    job_for_update,
    missing_permission,
    operation_named,
    params_for,
)
from services.bulk.jobs.finish import finish, finish_if_done
from services.bulk.jobs.reads import item_dict
from services.bulk.models import (
    COUNTED,
    OPEN_CHUNK,
    BulkChunk,
    BulkItem,
    BulkJob,
    BulkOutcome,
    now,
)
from shared.db import insert_rows
from shared.errors import PlatformError, Unavailable
from shared.plugins import OperationContext

log = logging.getLogger(__name__)


class OwnerUnavailable(RuntimeError):
    """The owner did not answer (in time): not a refusal, so the chunk is redelivered with
    backoff rather than failed or dead-lettered at once."""


def run_chunk(new_uow, rpc, job_id: str, chunk_no: int) -> str:
    """Run one chunk; answers what happened to it (for logs and tests)."""
    started = claim_chunk(new_uow(), job_id, chunk_no)
    if isinstance(started, str):
        return started
    job, retry, rows = started
    operation = operation_named(job.operation)
    try:
        principal = current_principal(rpc, job.principal)
        refusal = _refusal(principal, operation)
        if refusal is not None:
            fail_job(new_uow(), job_id, refusal)
            return "refused"
        ctx = OperationContext(rpc=rpc, principal=principal, job=job.context_job(retry))
        outcomes = _apply(operation, ctx, job, rows)
    except Unavailable as exc:
        # The owner may have applied it: redeliver (the owner answers from its records).
        raise OwnerUnavailable(exc.detail) from exc
    except PlatformError as refused:
        # The owner refused the whole chunk (a tag gone, a confirmation missing): each of
        # its relations failed, for this reason; the other chunks go on.
        outcomes = [{"relation_id": row.relation_id, "outcome": "failed",
                     "reason": refused.detail} for row in rows]
    return _record(new_uow(), job_id, chunk_no, outcomes,
                   {row.relation_id: row.seq for row in rows})


def claim_chunk(uow, job_id: str, chunk_no: int):
    """Claim the chunk (status running); a string says why there is nothing to do."""
    with uow:
        job = job_for_update(uow, job_id)
        chunk = uow.session.get(BulkChunk, (job_id, chunk_no))
        if chunk is None or chunk.status not in OPEN_CHUNK:
            return "skipped"
        # A chunk already taken when the job was cancelled still finishes (redelivered too).
        if job.status != "running" and not (job.status == "cancelling"
                                            and chunk.status == "running"):
            cancel_chunks(uow, job, [chunk_no])
            finish_if_done(uow, job)
            uow.commit()
            return "cancelled"
        chunk.status, chunk.attempts, chunk.taken_at = "running", chunk.attempts + 1, now()
        rows = uow.session.execute(select(BulkItem.__table__).where(
            BulkItem.job_id == job_id, BulkItem.chunk_no == chunk_no, pending())
            .order_by(BulkItem.seq)).all()
        uow.commit()
        return job, chunk.retry, rows


def current_principal(rpc, principal: dict[str, Any]) -> dict[str, Any] | None:
    """Who the job runs for, as of now: a changed role or a revoked client counts at once."""
    if principal.get("kind") not in ("staff", "api_client"):
        return principal
    return rpc.call(GetPrincipal, {"kind": principal["kind"], "id": principal["id"]})[
        "principal"]


def _refusal(principal: dict[str, Any] | None, operation) -> str | None:
    if principal is None:
        return "the job's principal no longer exists"
    needed = missing_permission(principal, operation)
    if needed is not None:
        return f"the job's principal no longer holds the permission {needed}"
    return None


def _apply(operation, ctx: OperationContext, job: BulkJob,
           rows: list[Any]) -> list[dict[str, Any]]:
    ids = [row.relation_id for row in rows]
    if not ids:
        return []
    if job.undo_of is None:
        params = params_for(job, [item_dict(row) for row in rows])
        command, payload = operation.command(ctx, ids, params)
        return operation.interpret(ctx, ctx.rpc.call(command, payload))
    items, skipped = [item_dict(row) for row in rows], set()
    if job.undo_mode != "overwrite":
        skipped = set(operation.changed_since(ctx, items))
    outcomes = [{"relation_id": rid, "outcome": "skipped",
                 "reason": "changed by someone else since the job"} for rid in ids
                if rid in skipped]
    rest = [item for item in items if item["relation_id"] not in skipped]
    for group in _by_owner_key(rest):
        sent = operation.undo_command(ctx, [item["relation_id"] for item in group], group,
                                      job.undo_mode or "skip")
        if sent is not None:
            outcomes += operation.interpret(ctx, ctx.rpc.call(*sent))
    return outcomes


def _by_owner_key(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The items in groups by the owner key their change was applied under (a before-image
    may name it: the job's first run and each retry have their own), undone a group at a
    time, since an owner finds what to take back under the key it applied it with."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault((item.get("before") or {}).get("key"), []).append(item)
    return list(groups.values())


def pending():
    """The condition on BulkItem that it has no outcome yet."""
    return ~exists().where(BulkOutcome.job_id == BulkItem.job_id,
                           BulkOutcome.relation_id == BulkItem.relation_id)


def _record(uow, job_id: str, chunk_no: int, outcomes: list[dict[str, Any]],
            seqs: dict[str, int]) -> str:
    """Outcomes, the chunk done and the counters, in one transaction; only the first
    recording of a chunk counts."""
    with uow:
        job = job_for_update(uow, job_id)
        claimed = uow.session.execute(
            update(BulkChunk).where(BulkChunk.job_id == job_id, BulkChunk.chunk_no == chunk_no,
                                    BulkChunk.status.in_(OPEN_CHUNK))
            .values(status="done", finished_at=now()))
        if claimed.rowcount == 0:
            return "skipped"
        counts = _write_outcomes(uow, job_id, outcomes, seqs)
        _add_counts(uow, job, counts)
        finish_if_done(uow, job)
        uow.commit()
    return "done"


def _write_outcomes(uow, job_id: str, outcomes: list[dict[str, Any]],
                    seqs: dict[str, int]) -> dict[str, int]:
    """Each relation's outcome. Only the chunk's first recording gets here (the caller
    claimed the chunk), so its items are still pending: none has an outcome yet."""
    rows, at = [], now()
    for outcome in outcomes:
        kind = outcome.get("outcome")
        kind = kind if kind in COUNTED else "failed"
        detail = {k: outcome[k] for k in ("changes", "reason") if outcome.get(k) is not None}
        rows.append({"job_id": job_id, "relation_id": outcome["relation_id"],
                     "seq": seqs[outcome["relation_id"]], "outcome": kind,
                     "detail": detail or None, "before": outcome.get("before"),
                     "version": outcome.get("version"), "done_at": at})
    insert_rows(uow.session, BulkOutcome.__table__, rows)
    counts = dict.fromkeys(COUNTED, 0)
    for row in rows:
        counts[row["outcome"]] += 1
    return counts


def _add_counts(uow, job: BulkJob, counts: dict[str, int]) -> None:
    """UPDATE … SET done = done + n: concurrent chunks add up, none overwrites another."""
    finished = sum(n for kind, n in counts.items() if kind != "cancelled")
    values = {kind: getattr(BulkJob, kind) + n for kind, n in counts.items() if n}
    if finished:
        values["done"] = BulkJob.done + finished
    if values:
        uow.session.execute(update(BulkJob).where(BulkJob.id == job.id).values(**values))
        uow.session.refresh(job)


def cancel_chunks(uow, job: BulkJob, numbers: list[int] | None = None) -> int:
    """Cancel pending chunks (all, or these) and their pending items; answers how many
    items."""
    chunks = update(BulkChunk).where(BulkChunk.job_id == job.id,
                                     BulkChunk.status == "pending")
    if numbers is not None:
        chunks = chunks.where(BulkChunk.chunk_no.in_(numbers))
    uow.session.execute(chunks.values(status="cancelled", finished_at=now()))
    cancelled_chunks = select(BulkChunk.chunk_no).where(BulkChunk.job_id == job.id,
                                                        BulkChunk.status == "cancelled")
    cancelled = close_pending(uow, job.id, "cancelled", None,
                              BulkItem.chunk_no.in_(cancelled_chunks))
    if cancelled:
        _add_counts(uow, job, {"cancelled": cancelled})
    return cancelled


def fail_chunk(uow, job: BulkJob, chunk: BulkChunk, reason: str) -> int:
    """Give up on an open chunk: its pending relations fail with the reason, and the job
    ends once no chunk is left; answers how many relations failed."""
    chunk.status, chunk.finished_at = "failed", now()
    failed = close_pending(uow, job.id, "failed", reason, BulkItem.chunk_no == chunk.chunk_no)
    _add_counts(uow, job, {"failed": failed})
    finish_if_done(uow, job)
    return failed


def fail_job(uow, job_id: str, reason: str) -> None:
    """The job cannot go on (its principal lost the permission): every relation not done
    fails with the reason, the chunks left are cancelled, the job ends failed."""
    with uow:
        job = job_for_update(uow, job_id)
        if job.status not in ("running", "cancelling"):
            return
        uow.session.execute(update(BulkChunk).where(
            BulkChunk.job_id == job_id, BulkChunk.status.in_(OPEN_CHUNK))
            .values(status="cancelled", finished_at=now()))
        _add_counts(uow, job, {"failed": close_pending(uow, job_id, "failed", reason)})
        finish(uow, job, status="failed", error=reason)
        uow.commit()
    log.warning("bulk job %s failed: %s", job_id, reason)


def close_pending(uow, job_id: str, outcome: str, reason: str | None, *where) -> int:
    """The same outcome (and reason) for each pending item of the job (those `where` says);
    answers how many."""
    detail = null() if reason is None else literal({"reason": reason}, BulkOutcome.detail.type)
    closed = select(BulkItem.job_id, BulkItem.relation_id, BulkItem.seq, literal(outcome),
                    detail, literal(now(), BulkOutcome.done_at.type)).where(
        BulkItem.job_id == job_id, pending(), *where)
    return uow.session.execute(insert(BulkOutcome).from_select(
        ["job_id", "relation_id", "seq", "outcome", "detail", "done_at"], closed)
        .execution_options(preserve_rowcount=True)).rowcount
