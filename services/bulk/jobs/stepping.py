"""Walking a draft one relation at a time (edit_each): each relation with its own values and
its neighbours, and setting those values, checked by the operation, before confirmation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from services.bulk.jobs.common import (
    acting_principal,
    check_may_run,
    job_for_update,
    operation_context,
    operation_named,
)
from services.bulk.jobs.reads import find_job
from services.bulk.models import BulkItem
from services.relations.messages import GetRelationStates
from shared.errors import Conflict, NotFound


def step(uow, rpc, job_id: str, relation_id: str) -> dict[str, Any]:
    """One relation of the job: its state now, its own values, position and neighbours."""
    with uow:
        answer = {**_place(uow, job_id, relation_id), "total": find_job(uow, job_id).total}
    states = rpc.call(GetRelationStates, {"relation_ids": [relation_id]})["states"]
    return {**answer, "relation": states[0] if states else None}


def set_values(uow, rpc, job_id: str, relation_id: str, values: dict[str, Any]) -> dict:
    """Give one relation of a draft its own values, once the operation accepts them."""
    principal = acting_principal()
    with uow:
        job = find_job(uow, job_id)
        operation = operation_named(job.operation)
        check_may_run(principal, operation)
        _item(uow, job_id, relation_id)
        _still_draft(job)
        uow.session.expunge(job)
    # Out of the transaction: the operation may ask the owner.
    operation.validate(operation_context(rpc, job),
                       {**job.params, "per_relation": {relation_id: values}})
    with uow:
        _still_draft(job_for_update(uow, job_id))
        _item(uow, job_id, relation_id).params = values
        uow.commit()
    return step(uow, rpc, job_id, relation_id)


def _still_draft(job) -> None:
    if job.status != "draft":
        raise Conflict(f"the job is {job.status}: values change only while it is a draft",
                       status_now=job.status)


def _item(uow, job_id: str, relation_id: str) -> BulkItem:
    item = uow.session.get(BulkItem, (job_id, relation_id))
    if item is None:
        raise NotFound(f"relation {relation_id!r} is not in job {job_id!r}")
    return item


def _place(uow, job_id: str, relation_id: str) -> dict[str, Any]:
    item = _item(uow, job_id, relation_id)
    of_job = BulkItem.job_id == job_id
    previous = uow.session.scalar(select(BulkItem.relation_id).where(
        of_job, BulkItem.seq < item.seq).order_by(BulkItem.seq.desc()).limit(1))
    following = uow.session.scalar(select(BulkItem.relation_id).where(
        of_job, BulkItem.seq > item.seq).order_by(BulkItem.seq).limit(1))
    before = uow.session.scalar(select(func.count()).select_from(BulkItem).where(
        of_job, BulkItem.seq < item.seq))
    return {"relation_id": relation_id, "values": item.params, "previous": previous,
            "next": following, "position": before + 1}
