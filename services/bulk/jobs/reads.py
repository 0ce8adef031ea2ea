"""Reading jobs: state and progress, and their items a page at a time (the preview while a
job is a draft, the outcomes once it runs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from services.bulk.jobs.common import operation_context, operation_named, params_for
from services.bulk.models import COUNTED, BulkItem, BulkJob, BulkOutcome
from shared.errors import NotFound
from shared.pagination import cursor_time, decode_cursor, encode_cursor


def _at(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def job_state(job: BulkJob) -> dict[str, Any]:
    """The job as the API shows it: status, counts, progress and timings."""
    return {
        "id": job.id, "operation": job.operation, "params": job.params, "target": job.target,
        "status": job.status, "total": job.total, "suppress_automations":
        job.suppress_automations, "undo_of": job.undo_of, "undo_mode": job.undo_mode,
        "attempt": job.attempt, "impacts": job.impacts or [],
        "confirmations_required": job.required_confirmations(),
        "confirmations": job.confirmations or [], "error": job.error,
        "counts": {name: getattr(job, name) for name in ("done", *COUNTED)},
        "progress": progress(job),
        "created_at": _at(job.created_at), "confirmed_at": _at(job.confirmed_at),
        "started_at": _at(job.started_at), "finished_at": _at(job.finished_at),
    }


def progress(job: BulkJob) -> dict[str, Any]:
    """done / total, relations per second since it started, and the seconds left."""
    per_second = eta = None
    if job.started_at is not None and job.done:
        end = job.finished_at or datetime.now(UTC)
        started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
        end = end if end.tzinfo else end.replace(tzinfo=UTC)
        seconds = max((end - started).total_seconds(), 1e-3)
        per_second = round(job.done / seconds, 1)
        if job.finished_at is None:
            eta = round(max(job.total - job.done - job.cancelled, 0) / per_second, 1)
    return {"done": job.done, "total": job.total, "per_second": per_second,
            "eta_seconds": eta}


def get_job(uow, job_id: str) -> dict[str, Any]:
    with uow:
        return job_state(find_job(uow, job_id))


def find_job(uow, job_id: str) -> BulkJob:
    job = uow.session.get(BulkJob, job_id)
    if job is None:
        raise NotFound(f"no bulk job has the id {job_id!r}")
    return job


def items(uow, rpc, job_id: str, *, limit: int, cursor: str | None,
          outcome: str | None = None) -> dict[str, Any]:
    """A page of the job's items in target order: previewed while a draft, else recorded."""
    with uow:
        job = find_job(uow, job_id)
        if job.status != "draft":
            rows, next_cursor = _results(uow, job.id, limit, cursor, outcome)
            return {"items": [_result(row) for row in rows], "next_cursor": next_cursor}
        uow.session.expunge(job)  # kept as read: the rollback at the end would expire it
    # Out of the transaction: the preview asks the owner over the bus.
    return preview_page(uow, rpc, job, limit=limit, cursor=cursor)


def preview_page(uow, rpc, job: BulkJob, *, limit: int,
                 cursor: str | None = None) -> dict[str, Any]:
    """A page of what the draft would do to each relation, asked of the operation now."""
    with uow:
        rows, next_cursor = _page(uow, select(BulkItem.__table__).where(
            BulkItem.job_id == job.id), BulkItem.seq, limit, cursor)
    operation = operation_named(job.operation)
    ctx = operation_context(rpc, job)
    if job.undo_of is None:
        previews = operation.preview(ctx, params_for(job, rows),
                                     [row["relation_id"] for row in rows])
    else:
        previews = _undo_preview(operation, ctx, rows)
    return {"items": previews, "next_cursor": next_cursor}


def _undo_preview(operation, ctx, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What undoing puts back per relation, and who someone else changed since."""
    changed = set(operation.changed_since(ctx, items))
    return [{"relation_id": item["relation_id"], "name": None,
             "diff": {field: [after, before] for field, (before, after) in
                      ((item.get("detail") or {}).get("changes") or {}).items()},
             "outcome": "changed_since" if item["relation_id"] in changed else "would_change",
             **({"reason": "changed by someone else since the job"}
                if item["relation_id"] in changed else {})} for item in items]


def _results(uow, job_id: str, limit: int, cursor: str | None,
             outcome: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of what became of the job's items: those with this outcome, or every item
    (pending where it has none yet)."""
    if outcome not in (None, "pending"):
        return _page(uow, select(BulkOutcome.__table__).where(
            BulkOutcome.job_id == job_id, BulkOutcome.outcome == outcome),
            BulkOutcome.seq, limit, cursor)
    query = select(BulkItem.relation_id, BulkItem.seq,
                   func.coalesce(BulkOutcome.outcome, "pending").label("outcome"),
                   BulkOutcome.detail, BulkOutcome.done_at).outerjoin(BulkOutcome, (
                       BulkOutcome.job_id == BulkItem.job_id)
                       & (BulkOutcome.relation_id == BulkItem.relation_id)).where(
        BulkItem.job_id == job_id)
    if outcome == "pending":
        query = query.where(BulkOutcome.relation_id.is_(None))
    return _page(uow, query, BulkItem.seq, limit, cursor)


def _page(uow, query, seq, limit: int,
          cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of `query`'s rows in `seq` order, after the cursor's place; as plain dicts,
    since rows expire when the unit of work ends."""
    position = decode_cursor(cursor, 1)
    if position is not None:
        query = query.where(seq > position[0])
    rows = uow.session.execute(query.order_by(seq).limit(limit + 1)).mappings().all()
    next_cursor = encode_cursor([rows[limit - 1]["seq"]]) if len(rows) > limit else None
    return [dict(row) for row in rows[:limit]], next_cursor


def item_dict(row: Any) -> dict[str, Any]:
    """An item (a row of its table) as operations get it (undo_command, changed_since)."""
    return {"relation_id": row.relation_id, "detail": row.detail, "before": row.before,
            "version": row.version, "params": row.params, "seq": row.seq}


def _result(row: dict[str, Any]) -> dict[str, Any]:
    detail = row["detail"] or {}
    answer = {"relation_id": row["relation_id"], "outcome": row["outcome"],
              "diff": detail.get("changes") or {}, "done_at": _at(row["done_at"])}
    if detail.get("reason"):
        answer["reason"] = detail["reason"]
    return answer


def list_jobs(uow, *, limit: int, cursor: str | None, status: str | None) -> dict[str, Any]:
    """Jobs, newest first, a page at a time."""
    position = decode_cursor(cursor, 2)
    query = select(BulkJob)
    if status is not None:
        query = query.where(BulkJob.status == status)
    if position is not None:
        at = cursor_time(position[0])
        query = query.where((BulkJob.created_at < at)
                            | ((BulkJob.created_at == at) & (BulkJob.id < position[1])))
    with uow:
        rows = list(uow.session.scalars(query.order_by(BulkJob.created_at.desc(),
                                                       BulkJob.id.desc()).limit(limit + 1)))
        next_cursor = encode_cursor([_at(rows[limit - 1].created_at), rows[limit - 1].id]) \
            if len(rows) > limit else None
        return {"items": [job_state(row) for row in rows[:limit]], "next_cursor": next_cursor}
