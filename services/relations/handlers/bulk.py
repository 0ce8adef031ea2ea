"""Chunk commands for the bulk service: one transaction per chunk, an outcome per relation,
the before-image that undoes it, and never the same (job, relation) applied twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import select

from services.relations.field_changes import RelationRefused, changes_for, plan_changes
from services.relations.handlers import bulk_set_based, lifecycle
from services.relations.handlers.relations import check_card
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import RelationsBatchUpdated
from services.relations.models import BulkApplication, Relation
from services.relations.models.base import now, plain
from shared import context
from shared.auth import Principal
from shared.db import insert_rows
from shared.errors import Forbidden, ValidationFailed
from shared.messages import Envelope
from shared.permissions import (
    RELATIONS_ARCHIVE,
    RELATIONS_DELETE,
    RELATIONS_WRITE,
    require,
)

Outcome = dict[str, Any]
CARD_COLUMNS = ("initials", "first_name", "infix", "last_name", "organisation_name",
                "birth_date", "address", "custom_fields", "updated_at")


@contextmanager
def _on_behalf_of(payload: dict[str, Any], permission: str) -> Iterator[None]:
    """Run as the job's principal, if it holds `permission` (checked again here, whatever the
    bulk service checked), so checks and history see who asked for the job."""
    if payload.get("principal") is None:
        raise Forbidden(f"a chunk carries the job's principal, who needs {permission}",
                        permission=permission)
    try:
        principal = Principal.from_dict(payload["principal"])
    except (TypeError, ValueError):
        raise ValidationFailed("the job's principal is not one",
                               errors={"principal": ["not a principal"]}) from None
    with context.acting_as(principal):
        require(permission)
        yield


def _already_applied(uow: RelationsUnitOfWork, job: str,
                     relation_ids: list[str]) -> dict[str, Outcome]:
    rows = uow.session.scalars(select(BulkApplication).where(
        BulkApplication.job_id == job, BulkApplication.relation_id.in_(relation_ids)))
    return {row.relation_id: row.outcome for row in rows}


def _remember(uow: RelationsUnitOfWork, job: str, outcomes: list[Outcome]) -> None:
    insert_rows(uow.session, BulkApplication.__table__, [
        {"job_id": job, "relation_id": o["relation_id"], "outcome": o, "applied_at": now()}
        for o in outcomes])


def _per_relation(uow: RelationsUnitOfWork, payload: dict[str, Any],
                  change: Callable[[Relation], dict[str, Any] | None]) -> list[Outcome]:
    """Apply `change` (answers apply() input, or None for nothing to do) to each relation of
    the chunk not yet done for this job; record history, one batch event, the outcomes."""
    job, ids = payload["job"], list(dict.fromkeys(payload["relation_ids"]))
    done = _already_applied(uow, job, ids)
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
        uow.emit(RelationsBatchUpdated, {
            "entries": [{"relation": r.state(), "changes": o["changes"]} for r, o in changed],
            "job": job, "suppress_automations": payload.get("suppress_automations", False)},
            aggregate_id=changed[0][0].id)
    _remember(uow, job, outcomes)
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


def apply_field_changes(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    payload = command.payload
    with uow, _on_behalf_of(payload, RELATIONS_WRITE):
        definitions = uow.fields.all()
        plan = plan_changes(payload["changes"], definitions)
        if bulk_set_based.fits(uow.session, plan):
            outcomes = bulk_set_based.apply_chunk(uow, payload, plan, definitions)
        else:
            outcomes = _per_relation(uow, payload,
                                     lambda relation: changes_for(relation, plan, definitions))
        uow.commit()
    return outcomes


def add_tag(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Give each relation of the chunk a defined tag (once)."""
    payload, tag = command.payload, command.payload["tag"]
    with uow, _on_behalf_of(payload, RELATIONS_WRITE):
        if uow.tags.find(tag) is None:
            raise ValidationFailed(f"no tag has the key {tag!r}: define it first",
                                   errors={"tag": [f"unknown tag {tag!r}"]})
        outcomes = _per_relation(uow, payload, lambda relation: None if tag in (
            relation.tags or []) else {"tags": [*(relation.tags or []), tag]})
        uow.commit()
    return outcomes


def remove_tag(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Take a tag off each relation of the chunk, every occurrence of it."""
    payload, tag = command.payload, command.payload["tag"]
    with uow, _on_behalf_of(payload, RELATIONS_WRITE):
        outcomes = _per_relation(uow, payload, lambda relation: {
            "tags": [t for t in relation.tags or [] if t != tag]} if tag in (
            relation.tags or []) else None)
        uow.commit()
    return outcomes


def restore_before_images(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Undo: put back each relation's before-image; a relation changed by someone else since
    the job is skipped (mode "skip") or restored all the same ("overwrite")."""
    payload = command.payload
    images, overwrite = payload["images"], payload["mode"] == "overwrite"

    def back(relation: Relation) -> dict[str, Any] | None:
        image = images.get(relation.id)
        if image is None:
            raise RelationRefused("the job left no before-image for this relation")
        if relation.version != image.get("version") and not overwrite:
            raise RelationRefused("changed by someone else since the job; skipped")
        return _as_apply_input(image["before"])

    with uow, _on_behalf_of(payload, RELATIONS_WRITE):
        outcomes = _per_relation(uow, payload, back)
        uow.commit()
    return outcomes


def _as_apply_input(before: dict[str, Any]) -> dict[str, Any]:
    """Before-images name custom fields `fields.<key>` and carry dates as text; apply() takes
    custom fields under `fields` and dates as dates."""
    result: dict[str, Any] = {}
    for field, value in before.items():
        if field.startswith("fields."):
            result.setdefault("fields", {})[field.removeprefix("fields.")] = value
        elif field == "birth_date" and value is not None:
            result[field] = date.fromisoformat(value)
        else:
            result[field] = value
    return result


def archive_chunk(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    payload = command.payload
    with _on_behalf_of(payload, RELATIONS_ARCHIVE):
        return _once_per_relation(uow, payload, lambda ids: lifecycle.archive_relations(
            uow, ids, reason=payload["reason"], confirmations=set(payload["confirmations"]),
            via=Via.bulk(payload["job"]), job=payload["job"]))


def delete_chunk(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    payload = command.payload
    with _on_behalf_of(payload, RELATIONS_DELETE):
        return _once_per_relation(uow, payload, lambda ids: lifecycle.delete_relations(
            uow, ids, via=Via.bulk(payload["job"]), job=payload["job"]))


def _once_per_relation(uow: RelationsUnitOfWork, payload: dict[str, Any],
                       run: Callable[[list[str]], list[Outcome]]) -> list[Outcome]:
    """Lifecycle handlers on the chunk's relations not yet done for this job."""
    job, ids = payload["job"], list(dict.fromkeys(payload["relation_ids"]))
    with uow:
        done = _already_applied(uow, job, ids)
        todo = [rid for rid in ids if rid not in done]
        outcomes = run(todo) if todo else []
        _remember(uow, job, outcomes)
        uow.commit()
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]


def check_field_changes(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    with uow:
        plan = plan_changes(query.payload["changes"], uow.fields.all())
    return {"changes": [{"field": c.field, "op": c.op, "value": plain(c.value)} for c in plan]}


def get_relation_states(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    ids = query.payload["relation_ids"]
    with uow:
        found = {r.id: r for r in uow.session.scalars(select(Relation)
                                                      .where(Relation.id.in_(ids)))}
        return {"states": [found[rid].state() for rid in ids
                           if rid in found and found[rid].status in ("active", "archived")],
                "missing": [rid for rid in ids
                            if rid not in found or found[rid].status not in ("active",
                                                                             "archived")]}


def assess_archive(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    impacts = lifecycle.assess_archive(uow, query.payload["relation_ids"])
    return {"impacts": [impact.to_dict() for impact in impacts]}
