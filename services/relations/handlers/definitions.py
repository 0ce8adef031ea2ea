"""Definitions administrators manage (tags, dossier actions): define, describe, delete — never
one that is in use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.relations.custom_fields import KEY_PATTERN
from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.messages import (
    DossierActionChanged,
    DossierActionDefined,
    DossierActionDeleted,
    TagChanged,
    TagDefined,
    TagDeleted,
)
from services.relations.models import DossierActionDefinition, TagDefinition
from services.relations.models.base import now
from services.relations.repository.definitions import DefinitionRepository
from shared.errors import Conflict, ValidationFailed
from shared.messages import Event


@dataclass(frozen=True)
class Catalogue:
    """One kind of definition, what its holders are, and the events its changes make."""

    noun: str
    holders: str
    path: str
    model: type
    repository: Callable[[RelationsUnitOfWork], DefinitionRepository]
    defined: Event
    changed: Event
    deleted: Event

    def aggregate(self, key: str) -> str:
        # The outbox keeps 64 characters; two long keys sharing one only orders them together.
        return f"{self.path}:{key}"[:64]


TAGS = Catalogue("tag", "relations", "tags", TagDefinition, lambda uow: uow.tags,
                 TagDefined, TagChanged, TagDeleted)
DOSSIER_ACTIONS = Catalogue("dossier action", "dossiers", "dossier-actions",
                            DossierActionDefinition, lambda uow: uow.dossier_actions,
                            DossierActionDefined, DossierActionChanged, DossierActionDeleted)
DESCRIBED = ("label", "description", "category")


def list_definitions(uow: RelationsUnitOfWork, catalogue: Catalogue, *, limit: int,
                     cursor: str | None, category: str | None = None
                     ) -> tuple[list[dict[str, Any]], str | None]:
    with uow:
        rows, next_cursor = catalogue.repository(uow).page(limit=limit, cursor=cursor,
                                                           category=category)
        return [row.to_dict() for row in rows], next_cursor


def get_definition(uow: RelationsUnitOfWork, catalogue: Catalogue, key: str) -> dict[str, Any]:
    with uow:
        return catalogue.repository(uow).get(key).to_dict()


def define(uow: RelationsUnitOfWork, catalogue: Catalogue, data: dict[str, Any]
           ) -> dict[str, Any]:
    """Define a key (lower-case letters, digits and _, like a custom field key) once."""
    key = data["key"]
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(f"{key!r} cannot be a {catalogue.noun} key: use lower-case "
                               "letters, digits and _, starting with a letter",
                               errors={"key": ["not a usable key"]})
    with uow:
        repository = catalogue.repository(uow)
        if repository.find(key) is not None:
            raise Conflict(f"a {catalogue.noun} with the key {key!r} exists already",
                           errors={"key": ["already in use"]})
        definition = catalogue.model(key=key, **{name: data.get(name) for name in DESCRIBED})
        repository.add(definition)
        uow.session.flush()
        result = definition.to_dict()
        uow.emit(catalogue.defined, {"definition": result}, aggregate_id=catalogue.aggregate(key))
        uow.commit()
    return result


def change_definition(uow: RelationsUnitOfWork, catalogue: Catalogue, key: str,
                      data: dict[str, Any]) -> dict[str, Any]:
    """Change the label, description or category; the key never changes (holders keep it)."""
    with uow:
        definition = catalogue.repository(uow).get(key)
        changed = {name: data[name] for name in DESCRIBED
                   if name in data and getattr(definition, name) != data[name]}
        for name, value in changed.items():
            setattr(definition, name, value)
        if changed:
            definition.updated_at = now()
            uow.session.flush()
            uow.emit(catalogue.changed, {"definition": definition.to_dict()},
                     aggregate_id=catalogue.aggregate(key))
        result = definition.to_dict()
        uow.commit()
    return result


def delete_definition(uow: RelationsUnitOfWork, catalogue: Catalogue, key: str) -> None:
    """Delete a definition nobody holds; one in use is a 409 that says how many hold it."""
    with uow:
        repository = catalogue.repository(uow)
        definition = repository.get(key)
        held = repository.count_holders(key)
        if held:
            raise Conflict(
                f"{held} {catalogue.holders} carry the {catalogue.noun} {key!r}; take it off "
                f"first with POST /api/relations/{catalogue.path}/{key}/remove-from-everyone",
                holders=held)
        repository.delete(definition)
        uow.emit(catalogue.deleted, {"key": key}, aggregate_id=catalogue.aggregate(key))
        uow.commit()
