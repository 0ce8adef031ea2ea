"""What the job handlers share: finding an operation and a job, who acts, and the checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.bulk.models import BulkJob
from services.bulk.registry import installed
from shared import context
from shared.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from shared.permissions import BULK_RUN
from shared.plugins import BulkOperation, OperationContext


def operation_named(name: str, field: str = "operation") -> BulkOperation:
    """The installed operation of this name; a 422 on `field` lists the installed ones."""
    operations = installed()
    if name not in operations:
        raise ValidationFailed(f"no bulk operation is called {name!r}", errors={
            field: [f"unknown operation; installed: {', '.join(sorted(operations))}"]})
    return operations[name]


def acting_principal() -> dict[str, Any]:
    """The principal of the request in hand as a dict, which a job keeps."""
    principal = context.principal()
    if principal is None or principal.kind == "anonymous":
        raise Unauthenticated("sign in first: bulk jobs need the permission " + BULK_RUN)
    answer = principal.to_dict()
    for listed in ("roles", "scopes", "permissions"):
        answer[listed] = list(answer[listed])
    return answer


def missing_permission(principal: dict[str, Any] | None,
                       operation: BulkOperation) -> str | None:
    """The first of bulk:run and the operation's own permission the principal lacks."""
    held = set((principal or {}).get("permissions") or ())
    return next((needed for needed in (BULK_RUN, operation.permission) if needed not in held),
                None)


def check_may_run(principal: dict[str, Any] | None, operation: BulkOperation) -> None:
    """403 unless the principal holds bulk:run and the operation's own permission."""
    needed = missing_permission(principal, operation)
    if needed is not None:
        raise Forbidden(f"the {operation.name} operation needs the permission {needed}",
                        permission=needed)


def job_for_update(uow, job_id: str) -> BulkJob:
    """The job, locked for the rest of the transaction (a no-op lock on SQLite, whose
    writers are serialised anyway); 404 when there is none."""
    job = uow.session.scalars(select(BulkJob).where(BulkJob.id == job_id)
                              .with_for_update()).first()
    if job is None:
        raise NotFound(f"no bulk job has the id {job_id!r}")
    return job


def operation_context(rpc, job: BulkJob, retry: int | None = None) -> OperationContext:
    return OperationContext(rpc=rpc, principal=job.principal, job=job.context_job(retry))


def params_for(job: BulkJob, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The job's params, with `per_relation` holding these items' own values (edit_each)."""
    own = {item["relation_id"]: item["params"] for item in items if item.get("params")}
    return {**job.params, "per_relation": own} if own else dict(job.params)
