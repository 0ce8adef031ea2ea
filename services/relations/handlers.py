"""What the relations service does, one function per message; HTTP and the bus share these."""

from __future__ import annotations

from typing import Any

from services.relations.messages import RelationCreated, RelationUpdated
from services.relations.models import EDITABLE_FIELDS, Relation
from services.relations.repository import RelationRepository
from shared.db import UnitOfWork
from shared.errors import PreconditionFailed, ValidationFailed


class RelationsUnitOfWork(UnitOfWork):
    @property
    def relations(self) -> RelationRepository:
        return RelationRepository(self.session)


def create_relation(uow: RelationsUnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    with uow:
        relation = Relation(type=data["type"], status="active", custom_fields={}, tags=[])
        given = {name: data[name] for name in EDITABLE_FIELDS if name in data}
        relation.apply(_with_primary(given))
        _check_card(relation)
        uow.relations.add(relation)
        state = relation.state()
        uow.emit(RelationCreated, {"relation": state}, aggregate_id=relation.id)
        uow.commit()
    return state


def update_relation(uow: RelationsUnitOfWork, relation_id: str, changes: dict[str, Any],
                    expected_version: int) -> dict[str, Any]:
    """Apply a partial update made against `expected_version` (412 if someone got there first)."""
    with uow:
        relation = uow.relations.get(relation_id)
        if relation.version != expected_version:
            raise PreconditionFailed(
                f"relation {relation_id} is at version {relation.version}, not "
                f"{expected_version}: reload it and apply your change again",
                current_version=relation.version)
        changed = relation.apply(_with_primary(changes))
        _check_card(relation)
        if changed:
            uow.session.flush()  # bumps the version, or raises if a concurrent write won
            uow.emit(RelationUpdated, {"relation": relation.state(), "changes": changed},
                     aggregate_id=relation.id)
        state = relation.state()
        uow.commit()
    return state


def get_relation(uow: RelationsUnitOfWork, relation_id: str) -> dict[str, Any]:
    with uow:
        return uow.relations.get(relation_id).state()


def list_relations(uow: RelationsUnitOfWork, **criteria: Any) -> tuple[list[dict], str | None]:
    with uow:
        relations, next_cursor = uow.relations.page(**criteria)
        return [relation.state() for relation in relations], next_cursor


def _with_primary(changes: dict[str, Any]) -> dict[str, Any]:
    """The first e-mail address and phone number are primary unless another was chosen."""
    normalised = dict(changes)
    for plural in ("emails", "phones"):
        entries = changes.get(plural)
        if entries and not any(entry.get("primary") for entry in entries):
            normalised[plural] = [dict(entries[0], primary=True), *entries[1:]]
    return normalised


def _check_card(relation: Relation) -> None:
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
