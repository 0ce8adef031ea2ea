"""Create a job: check the operation, its parameters and who asks, freeze the target, add up
the impacts, and answer the preview. Nothing changes in the owners."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from marshmallow import ValidationError as SchemaError

from services.bulk.jobs.common import acting_principal, check_may_run, operation_named
from services.bulk.jobs.reads import job_state, preview_page
from services.bulk.models import BulkItem, BulkJob, new_id
from services.selections.messages import ResolveTarget
from shared.db import insert_rows
from shared.errors import NotFound, ValidationFailed
from shared.plugins import BulkOperation, OperationContext

TARGET_PAGE = 10_000  # ids a ResolveTarget answers at most
IMPACTS_PAGE = 5_000  # ids an impacts() call gets at most
PREVIEW_LIMIT = 50


def create_job(uow, rpc, body: dict[str, Any], *, chunk_size: int) -> dict[str, Any]:
    """Validate everything, then write the draft job and its items in one transaction."""
    operation = operation_named(body["operation"])
    principal = acting_principal()
    check_may_run(principal, operation)
    params = load_params(operation, body.get("params") or {})
    job_id = new_id()
    ctx = OperationContext(rpc=rpc, principal=principal, job={
        "id": job_id, "key": job_id, "params": params, "confirmations": [],
        "suppress_automations": body.get("suppress_automations", False)})
    operation.validate(ctx, params)
    # Each relation's own values stay with its item, not in the job's params.
    per_relation = params.pop("per_relation", None) or {}
    relation_ids = frozen_target(rpc, body["target"])
    check_in_target(per_relation, relation_ids)
    impacts = total_impacts(operation, ctx, params, relation_ids)
    with uow:
        job = BulkJob(id=job_id, operation=operation.name, params=params, target=body["target"],
                      status="draft", total=len(relation_ids), principal=principal,
                      suppress_automations=body.get("suppress_automations", False),
                      chunk_size=chunk_size, impacts=impacts, confirmations=[])
        uow.session.add(job)
        uow.session.flush()
        insert_rows(uow.session, BulkItem.__table__, [
            item_row(job_id, rid, seq, chunk_size, params=per_relation.get(rid))
            for seq, rid in enumerate(relation_ids)])
        uow.commit()
    return {**job_state(job), **preview_page(uow, rpc, job, limit=PREVIEW_LIMIT)}


def check_in_target(per_relation: dict[str, Any], relation_ids: list[str]) -> None:
    """Values are kept per item: values for a relation outside the target would be lost."""
    outside = sorted(set(per_relation) - set(relation_ids))
    if outside:
        raise ValidationFailed(
            f"per_relation holds values for {len(outside)} relations outside the job's "
            "target: take them out, or add them to the target", errors={
                f"params.per_relation.{rid}": ["not a relation of the job's target"]
                for rid in outside})


def load_params(operation: BulkOperation, raw: Any) -> dict[str, Any]:
    """The operation's parameters through its schema; a 422 names each `params.<field>`."""
    try:
        return operation.params().load(raw)
    except SchemaError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise ValidationFailed(f"the parameters of {operation.name} are not valid", errors={
            f"params.{name}": problems for name, problems in errors.items()}) from None


def frozen_target(rpc, target: dict[str, Any]) -> list[str]:
    """The target's member ids as of now, sorted; 422 on `target` for none or a bad one."""
    ids: list[str] = []
    after = None
    while True:
        try:
            page = rpc.call(ResolveTarget, {"target": target, "after": after,
                                            "limit": TARGET_PAGE})
        except NotFound as missing:
            kind = next(iter(target), "target")
            raise ValidationFailed(missing.detail,
                                   errors={f"target.{kind}": [missing.detail]}) from None
        ids += page["relation_ids"]
        after = page["next"]
        if after is None:
            break
    if not ids:
        raise ValidationFailed("the target has no relations", errors={
            "target": ["no relations: nothing to do"]})
    return ids


def total_impacts(operation: BulkOperation, ctx: OperationContext, params: dict[str, Any],
                  relation_ids: list[str]) -> list[dict[str, Any]]:
    """The operation's impacts over the whole target, a page of ids at a time, added up."""
    found: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(relation_ids), IMPACTS_PAGE):
        for impact in operation.impacts(ctx, params, relation_ids[start:start + IMPACTS_PAGE]):
            found.setdefault(impact["key"], impact)
            counts[impact["key"]] += impact.get("count", 0)
    return [{"key": key, "description": impact["description"], "count": counts[key],
             "confirmation": impact.get("confirmation")} for key, impact in found.items()]


def item_row(job_id: str, relation_id: str, seq: int, chunk_size: int, **extra: Any) -> dict:
    return {"job_id": job_id, "relation_id": relation_id, "seq": seq,
            "chunk_no": seq // chunk_size, "detail": None, "before": None, "version": None,
            "params": None, **extra}
