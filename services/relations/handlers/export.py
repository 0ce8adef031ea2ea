"""The current state of everything a read model keeps, a page at a time by id: what a
consumer that lost events (or its whole database) rebuilds from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from services.relations.handlers.unit_of_work import RelationsUnitOfWork
from services.relations.models import (
    Dossier,
    DossierActionDefinition,
    FieldDefinition,
    Function,
    Merge,
    Relation,
    TagDefinition,
)
from services.relations.models.base import plain
from shared.messages import Envelope

LIVE, GONE = ("active", "archived"), ("merged", "deleted")


def export_states(query: Envelope, uow: RelationsUnitOfWork) -> dict[str, Any]:
    """One page of a part: {"items": [...], "next": the id to ask after, or None at the end}."""
    payload = query.payload
    model, where, shape = PARTS[payload["part"]]
    key = model.__mapper__.primary_key[0]
    statement = select(model).where(*where)
    if payload["after"] is not None:
        statement = statement.where(key > payload["after"])
    with uow:
        rows = list(uow.session.scalars(statement.order_by(key).limit(payload["limit"] + 1)))
        page = rows[:payload["limit"]]
        more = len(rows) > payload["limit"]
        return {"items": shape(uow, page), "next": getattr(page[-1], key.key) if more else None}


def _states(_uow: RelationsUnitOfWork, rows: list[Any]) -> list[dict[str, Any]]:
    return [row.state() for row in rows]


def _definitions(_uow: RelationsUnitOfWork, rows: list[Any]) -> list[dict[str, Any]]:
    return [row.to_dict() for row in rows]


def _functions(_uow: RelationsUnitOfWork, rows: list[Function]) -> list[dict[str, Any]]:
    today = date.today()
    return [row.state(today) for row in rows]


def _gone(uow: RelationsUnitOfWork, rows: list[Relation]) -> list[dict[str, Any]]:
    """Tombstones; a merged one names its keeper and the merge that made it one."""
    merged = {row.id for row in rows if row.status == "merged"}
    keepers = {row.merged_into for row in rows if row.status == "merged"}
    merge_of: dict[str, str] = {}
    if keepers:
        merges = uow.session.scalars(select(Merge).where(
            Merge.keep_id.in_(keepers), Merge.undone_at.is_(None)).order_by(Merge.at))
        # The newest merge that took a relation away is the one in force.
        merge_of = {other: merge.id for merge in merges for other in merge.other_ids
                    if other in merged}
    return [{"id": row.id, "reason": row.status, "merged_into": row.merged_into,
             "merge_id": merge_of.get(row.id), "at": plain(row.updated_at)} for row in rows]


Shape = Callable[[RelationsUnitOfWork, list[Any]], list[dict[str, Any]]]
PARTS: dict[str, tuple[type, tuple[Any, ...], Shape]] = {
    "relations": (Relation, (Relation.status.in_(LIVE),), _states),
    "gone": (Relation, (Relation.status.in_(GONE),), _gone),
    "functions": (Function, (), _functions),
    "dossiers": (Dossier, (), _states),
    "fields": (FieldDefinition, (), _definitions),
    "tags": (TagDefinition, (), _definitions),
    "dossier_actions": (DossierActionDefinition, (), _definitions),
}
