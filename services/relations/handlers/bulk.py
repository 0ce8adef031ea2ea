"""Chunk commands for the bulk service (field changes, tags, their undo by before-images,
delete) and the queries its operations ask; what chunks share is in bulk_chunks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.relations.field_changes import RelationRefused, changes_for, plan_changes
from services.relations.handlers import bulk_set_based, lifecycle
from services.relations.handlers.bulk_chunks import (
    Outcome,
    once_per_relation,
    per_relation,
)
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.models import Relation
from services.relations.models.base import plain
from shared import jsontext
from shared.db import one_of
from shared.errors import ValidationFailed
from shared.messages import Envelope
from shared.permissions import RELATIONS_DELETE, RELATIONS_WRITE, on_behalf_of_job


def apply_field_changes(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    payload = command.payload
    with uow, on_behalf_of_job(payload, RELATIONS_WRITE):
        definitions = uow.fields.all()
        plan = plan_changes(payload["changes"], definitions)
        if bulk_set_based.fits(uow.session, plan):
            outcomes = bulk_set_based.apply_chunk(
                uow, payload, bulk_set_based.Rule.of_plan(plan, definitions))
        else:
            outcomes = per_relation(uow, payload,
                                    lambda relation: changes_for(relation, plan, definitions))
        uow.commit()
    return outcomes


def add_tag(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Give each relation of the chunk a defined tag (once)."""
    payload, tag = command.payload, command.payload["tag"]
    with uow, on_behalf_of_job(payload, RELATIONS_WRITE):
        if uow.tags.find(tag) is None:
            raise ValidationFailed(f"no tag has the key {tag!r}: define it first",
                                   errors={"tag": [f"unknown tag {tag!r}"]})
        outcomes = per_relation(uow, payload, lambda relation: None if tag in (
            relation.tags or []) else {"tags": [*(relation.tags or []), tag]})
        uow.commit()
    return outcomes


def remove_tag(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Take a tag off each relation of the chunk, every occurrence of it."""
    payload, tag = command.payload, command.payload["tag"]
    with uow, on_behalf_of_job(payload, RELATIONS_WRITE):
        outcomes = per_relation(uow, payload, lambda relation: {
            "tags": [t for t in relation.tags or [] if t != tag]} if tag in (
            relation.tags or []) else None)
        uow.commit()
    return outcomes


def restore_before_images(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Undo: put back each relation's before-image; a relation changed by someone else since
    the job is skipped (mode "skip") or restored all the same ("overwrite")."""
    payload = command.payload
    images, overwrite = payload["images"], payload["mode"] == "overwrite"

    def refusal(relation_id: str, version: int) -> str | None:
        image = images.get(relation_id)
        if image is None:
            return "the job left no before-image for this relation"
        if version != image.get("version") and not overwrite:
            return "changed by someone else since the job; skipped"
        return None

    def back(relation: Relation) -> dict[str, Any] | None:
        refused = refusal(relation.id, relation.version)
        if refused is not None:
            raise RelationRefused(refused)
        return _as_apply_input(images[relation.id]["before"])

    with uow, on_behalf_of_job(payload, RELATIONS_WRITE):
        if bulk_set_based.fits_images(uow.session, images):
            # Relations whose before-images are alike are decided together: the image's
            # JSON text tells them apart.
            texts = {rid: jsontext.dumps(image.get("before") or {})
                     for rid, image in images.items()}
            outcomes = bulk_set_based.apply_chunk(uow, payload, bulk_set_based.Rule(
                keys=sorted({name.removeprefix("fields.") for image in images.values()
                             for name in image.get("before") or {}}),
                wanted=lambda _stand_in, text: _as_apply_input(jsontext.loads(text)),
                variant_of=texts.get,
                refusal=lambda relation_id, row: refusal(relation_id, row.version)))
        else:
            outcomes = per_relation(uow, payload, back)
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


def delete_chunk(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    payload = command.payload
    with on_behalf_of_job(payload, RELATIONS_DELETE):
        return once_per_relation(uow, payload, lambda ids: lifecycle.delete_relations(
            uow, ids, via=Via.bulk(payload["job"]), job=payload["job"]))


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


def get_relation_versions(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    """Only the versions: an undo of a million relations asks them all, and full states
    would cost it twenty times as much."""
    with uow:
        rows = uow.session.execute(select(Relation.id, Relation.version).where(
            one_of(uow.session, Relation.id, query.payload["relation_ids"]),
            Relation.status.in_(("active", "archived"))))
        return {"versions": {rid: version for rid, version in rows}}


def assess_archive(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    impacts = lifecycle.assess_archive(uow, query.payload["relation_ids"])
    return {"impacts": [impact.to_dict() for impact in impacts]}
