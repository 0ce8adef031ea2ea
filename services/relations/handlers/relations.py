"""The relation card: register, read, list, change."""

from __future__ import annotations

from typing import Any

from services.relations.contacts import normalised_contacts
from services.relations.custom_fields import check_values, missing_required
from services.relations.handlers.duplicates import settle_duplicates
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import RelationCreated, RelationUpdated
from services.relations.models import EDITABLE_FIELDS, Relation
from services.relations.models.base import now
from services.relations.repository.relations import tombstone_error
from shared.errors import PreconditionFailed, ValidationFailed


def create_relation(uow: RelationsUnitOfWork, data: dict[str, Any], *, region: str,
                    via: Via | None = None,
                    on_duplicate: str = "allow") -> tuple[dict[str, Any], bool]:
    """Register a relation; `region` is the country its phone numbers are dialled in,
    `on_duplicate` what happens when it looks like an existing one (handlers.duplicates).
    Answers the state that stands for the registration, and whether it is a new relation
    (False when on_duplicate=merge merged it into an existing one)."""
    with uow:
        created = now()
        relation = Relation(type=data["type"], status="active", custom_fields={}, tags=[],
                            created_at=created, updated_at=created)
        changes = _checked_changes(uow, relation.type, data, region)
        missing_required(uow.fields.all(), relation.type, changes.get("fields", {}))
        changed = relation.apply(changes)
        relation.updated_at = created
        check_card(relation)
        uow.relations.add(relation)
        uow.record(relation.id, {"created": [None, relation.type], **changed},
                   via or Via.api())
        state = relation.state()
        uow.emit(RelationCreated, {"relation": state}, aggregate_id=relation.id)
        kept = settle_duplicates(uow, relation, on_duplicate)
        uow.commit()
    return (kept, False) if kept is not None else (state, True)


def update_relation(uow: RelationsUnitOfWork, relation_id: str, changes: dict[str, Any],
                    expected_version: int, *, region: str,
                    via: Via | None = None) -> dict[str, Any]:
    """Apply a partial update made against `expected_version` (412 if someone got there first)."""
    with uow:
        relation = uow.relations.live(relation_id)
        if relation.version != expected_version:
            raise PreconditionFailed(
                f"relation {relation_id} is at version {relation.version}, not "
                f"{expected_version}: reload it and apply your change again",
                current_version=relation.version)
        changed = relation.apply(_checked_changes(uow, relation.type, changes, region))
        check_card(relation)
        if changed:
            uow.session.flush()  # bumps the version, or raises if a concurrent write won
            uow.record(relation.id, changed, via or Via.api())
            uow.emit(RelationUpdated, {"relation": relation.state(), "changes": changed},
                     aggregate_id=relation.id)
        state = relation.state()
        uow.commit()
    return state


def get_relation(uow: RelationsUnitOfWork, relation_id: str) -> dict[str, Any]:
    """The relation's state; a merged one says where it went, a deleted one is gone (410)."""
    with uow:
        relation = uow.relations.get(relation_id)
        if relation.status == "merged":
            return {"id": relation.id, "merged_into": relation.merged_into}
        if relation.status == "deleted":
            raise tombstone_error(relation)
        return relation.state()


def list_relations(uow: RelationsUnitOfWork, **criteria: Any) -> tuple[list[dict], str | None]:
    with uow:
        relations, next_cursor = uow.relations.page(**criteria)
        return [relation.state() for relation in relations], next_cursor


def _checked_changes(uow: RelationsUnitOfWork, relation_type: str, data: dict[str, Any],
                     region: str) -> dict[str, Any]:
    changes = {name: data[name] for name in EDITABLE_FIELDS if name in data}
    changes = normalised_contacts(changes, _region_of(data, region))
    if "fields" in data:
        changes["fields"] = check_values(uow.fields.all(), relation_type, data["fields"])
    return changes


def _region_of(data: dict[str, Any], default: str) -> str:
    """Numbers are read as dialled in the relation's own country, else the installation's."""
    country = (data.get("address") or {}).get("country")
    return (country or default).upper()


def check_card(relation: Relation) -> None:
    """The rules every relation card keeps, whatever changed it."""
    errors: dict[str, list[str]] = {}
    if relation.type == "person":
        if not (relation.last_name or relation.first_name):
            errors["last_name"] = ["a person needs a last name or a first name"]
        if relation.organisation_name:
            errors["organisation_name"] = ["only organisations have an organisation name"]
    elif not relation.organisation_name:
        errors["organisation_name"] = ["an organisation needs a name"]
    for plural in ("emails", "phones"):
        if sum(1 for entry in getattr(relation, plural) or [] if entry.get("primary")) > 1:
            errors[plural] = ["at most one can be primary"]
    if errors:
        raise ValidationFailed("the relation card is not valid: " + ", ".join(sorted(errors)),
                               errors=errors)
