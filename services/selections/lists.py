"""Relation lists: saved filters with a name, whose members are whoever matches when read."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from services.selections.filters import FilterCatalog, compile_filter
from services.selections.handlers import SelectionsUnitOfWork
from services.selections.models import RelationList
from shared.errors import Conflict, NotFound


def list_lists(uow: SelectionsUnitOfWork) -> list[dict[str, Any]]:
    with uow:
        query = select(RelationList).order_by(RelationList.name, RelationList.id)
        return [relation_list.to_dict() for relation_list in uow.session.scalars(query)]


def get_list(uow: SelectionsUnitOfWork, list_id: str) -> dict[str, Any]:
    with uow:
        return _found(uow, list_id).to_dict()


def save_list(uow: SelectionsUnitOfWork, data: dict[str, Any],
              list_id: str | None = None) -> dict[str, Any]:
    """Create a list, or change one (`list_id`); its filter must compile, and may not come
    back to the list itself through in_list."""
    with uow:
        relation_list = _found(uow, list_id) if list_id else RelationList(
            id=str(uuid.uuid4()), created_at=datetime.now(UTC))
        for name in ("name", "description", "filter"):
            if name in data:
                setattr(relation_list, name, data[name])
        within = frozenset({relation_list.id})
        compile_filter(relation_list.filter, FilterCatalog(uow.read_model, date.today(), within))
        relation_list.updated_at = datetime.now(UTC)
        uow.session.add(relation_list)
        uow.session.flush()
        result = relation_list.to_dict()
        uow.commit()
    return result


def delete_list(uow: SelectionsUnitOfWork, list_id: str) -> None:
    """Delete a list no other list uses (409 naming them)."""
    with uow:
        relation_list = _found(uow, list_id)
        users = [other for other in uow.session.scalars(select(RelationList))
                 if other.id != list_id and _names_list(other.filter, list_id)]
        if users:
            raise Conflict(f"list {list_id} is used by " + ", ".join(
                f"{user.name!r} ({user.id})" for user in users) + "; change those first",
                used_by=[{"kind": "list", "id": user.id, "name": user.name} for user in users])
        uow.session.delete(relation_list)
        uow.commit()


def list_members(uow: SelectionsUnitOfWork, list_id: str, *, limit: int,
                 cursor: str | None) -> tuple[list[dict[str, Any]], str | None, int]:
    """A page of the list's members as of now, and how many there are in all."""
    with uow:
        relation_list = _found(uow, list_id)
        catalog = FilterCatalog(uow.read_model, date.today(), frozenset({list_id}))
        condition = compile_filter(relation_list.filter, catalog)
        states, next_cursor = uow.read_model.page(condition, limit=limit, cursor=cursor)
        return states, next_cursor, uow.read_model.count(condition)


def _found(uow: SelectionsUnitOfWork, list_id: str) -> RelationList:
    relation_list = uow.session.get(RelationList, list_id)
    if relation_list is None:
        raise NotFound(f"no list has the id {list_id!r}")
    return relation_list


def _names_list(node: Any, list_id: str) -> bool:
    if isinstance(node, dict):
        return node.get("in_list") == list_id or any(_names_list(v, list_id)
                                                      for v in node.values())
    if isinstance(node, list):
        return any(_names_list(item, list_id) for item in node)
    return False
