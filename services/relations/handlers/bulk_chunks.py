"""What every chunk command of the bulk service shares: running as the job's principal, the
(job, relation) keys that let a redelivered chunk answer without applying it twice, and the
per-relation apply with history, before-images and one batch event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.relations.field_changes import RelationRefused
from services.relations.handlers.batch import emit_entries
from services.relations.handlers.relations import check_card
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.models import BulkApplication, Relation
from services.relations.models.base import now
from shared.db import applied_outcomes, insert_rows
from shared.errors import ValidationFailed

Outcome = dict[str, Any]
CARD_COLUMNS = ("initials", "first_name", "infix", "last_name", "organisation_name",
                "birth_date", "address", "custom_fields", "updated_at")


def already_applied(uow: RelationsUnitOfWork, job: str,
                    relation_ids: list[str]) -> dict[str, Outcome]:
    """The outcomes this job answered before for these relations (a redelivered chunk)."""
    return applied_outcomes(uow.session, BulkApplication, job, relation_ids)


def remember(uow: RelationsUnitOfWork, job: str, outcomes: list[Outcome]) -> None:
    """The (job, relation) keys with their outcomes, answered again on a redelivery."""
    insert_rows(uow.session, BulkApplication.__table__, [
        {"job_id": job, "relation_id": o["relation_id"], "outcome": o, "applied_at": now()}
        for o in outcomes])


def per_relation(uow: RelationsUnitOfWork, payload: dict[str, Any],
                 change: Callable[[Relation], dict[str, Any] | None]) -> list[Outcome]:
    """Apply `change` (answers apply() input, or None for nothing to do) to each relation of
    the chunk not yet done for this job; record history, one batch event, the outcomes."""
    job, ids = payload["job"], list(dict.fromkeys(payload["relation_ids"]))
    done = already_applied(uow, job, ids)
    todo = [rid for rid in ids if rid not in done]
    relations = uow.relations.detached(todo) if todo else {}
    outcomes, changed = [], []
    for rid in todo:
        relation = relations.get(rid)
        outcome = _apply_one(relation, rid, change)
        if outcome["outcome"] == "changed":
            changed.append((relation, outcome))
        outcomes.append(outcome)
    if changed:
        uow.relations.write_back([(r, set(o["changes"])) for r, o in changed])
        uow.record_many([(r.id, o["changes"]) for r, o in changed], Via.bulk(job))
        for relation, outcome in changed:
            outcome["version"] = relation.version
        emit_entries(uow, [{"relation": r.state(), "changes": o["changes"]} for r, o in changed],
                     job=job, suppress_automations=payload.get("suppress_automations", False))
    remember(uow, job, outcomes)
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]


def _apply_one(relation: Relation | None, rid: str,
               change: Callable[[Relation], dict[str, Any] | None]) -> Outcome:
    if relation is None:
        return {"relation_id": rid, "outcome": "failed", "reason": "no such relation"}
    if relation.status in ("deleted", "merged"):
        return {"relation_id": rid, "outcome": "failed", "reason": f"it was {relation.status}"}
    snapshot = {name: getattr(relation, name) for name in CARD_COLUMNS}
    try:
        wanted = change(relation)
        changes = relation.apply(wanted) if wanted else {}
        check_card(relation)
    except (RelationRefused, ValidationFailed) as exc:
        # Set back what apply() changed: nothing of a refused change is written.
        for name, value in snapshot.items():
            setattr(relation, name, value)
        reason = exc.detail if isinstance(exc, ValidationFailed) else str(exc)
        return {"relation_id": rid, "outcome": "failed", "reason": reason}
    if not changes:
        return {"relation_id": rid, "outcome": "unchanged"}
    before = {field: values[0] for field, values in changes.items()}
    return {"relation_id": rid, "outcome": "changed", "changes": changes, "before": before}


def once_per_relation(uow: RelationsUnitOfWork, payload: dict[str, Any],
                      run: Callable[[list[str]], list[Outcome]]) -> list[Outcome]:
    """Run a lifecycle handler on the chunk's relations not yet done for this job, in one
    transaction with their (job, relation) keys."""
    job, ids = payload["job"], list(dict.fromkeys(payload["relation_ids"]))
    with uow:
        done = already_applied(uow, job, ids)
        todo = [rid for rid in ids if rid not in done]
        outcomes = run(todo) if todo else []
        remember(uow, job, outcomes)
        uow.commit()
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]
