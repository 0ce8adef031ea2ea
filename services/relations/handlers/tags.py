"""Tags on relations: add one, take one off, take one off everyone."""

from __future__ import annotations

from typing import Any

from services.relations.handlers.batch import rewrite_relations
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import RelationUpdated
from services.relations.models import Relation
from shared.errors import NotFound, PreconditionFailed, ValidationFailed


def relation_tags(uow: RelationsUnitOfWork, relation_id: str) -> dict[str, Any]:
    """The tags a relation carries, each once, with their labels."""
    with uow:
        relation = uow.relations.get(relation_id)
        keys = list(dict.fromkeys(relation.tags or []))
        known = uow.tags.labels(keys)
        items = [known[key].to_dict() if key in known else _undefined(key) for key in keys]
        return {"relation_id": relation.id, "version": relation.version, "items": items}


def tag_relation(uow: RelationsUnitOfWork, relation_id: str, key: str, *,
                 expected_version: int | None = None, via: Via | None = None) -> dict[str, Any]:
    """Give a relation a defined tag; a relation that has it already stays as it is."""
    with uow:
        relation = _relation(uow, relation_id, expected_version)
        if uow.tags.find(key) is None:
            raise ValidationFailed(f"no tag has the key {key!r}: define it first",
                                   errors={"tag": [f"unknown tag {key!r}"]})
        tags = list(relation.tags or [])
        if key not in tags:
            _retag(uow, relation, [*tags, key], via or Via.api())
        state = relation.state()
        uow.commit()
    return state


def untag_relation(uow: RelationsUnitOfWork, relation_id: str, key: str, *,
                   expected_version: int | None = None, via: Via | None = None
                   ) -> dict[str, Any]:
    """Take a tag off a relation (every occurrence of it); not having it is no error."""
    with uow:
        relation = _relation(uow, relation_id, expected_version)
        _retag(uow, relation, _without(relation, key), via or Via.api())
        state = relation.state()
        uow.commit()
    return state


def remove_tag_from_everyone(uow: RelationsUnitOfWork, key: str, *,
                             via: Via | None = None) -> int:
    """Take a tag off every relation carrying it, duplicates included, in one transaction;
    answers how many relations changed."""
    with uow:
        if uow.tags.find(key) is None and not uow.tags.count_holders(key):
            raise NotFound(f"no tag has the key {key!r}")
        changed = rewrite_relations(uow, uow.tags.holders(key),
                                    lambda relation: {"tags": _without(relation, key)},
                                    via or Via.api())
        uow.commit()
    return changed


def _relation(uow: RelationsUnitOfWork, relation_id: str,
              expected_version: int | None) -> Relation:
    """A relation that can change; with an If-Match version, only at that version."""
    relation = uow.relations.live(relation_id)
    if expected_version is not None and relation.version != expected_version:
        raise PreconditionFailed(
            f"relation {relation_id} is at version {relation.version}, not "
            f"{expected_version}: reload it and apply your change again",
            current_version=relation.version)
    return relation


def _retag(uow: RelationsUnitOfWork, relation: Relation, tags: list[str], via: Via) -> None:
    changed = relation.apply({"tags": tags})
    if changed:
        uow.session.flush()  # bumps the version, or raises if a concurrent write won
        uow.record(relation.id, changed, via)
        uow.emit(RelationUpdated, {"relation": relation.state(), "changes": changed},
                 aggregate_id=relation.id)


def _without(relation: Relation, key: str) -> list[str]:
    return [tag for tag in relation.tags or [] if tag != key]


def _undefined(key: str) -> dict[str, Any]:
    """A tag carried without a definition (from before definitions were kept)."""
    return {"key": key, "label": key, "description": None, "category": None,
            "created_at": None, "updated_at": None}

