"""Relation lists: saved filters with a name, whose members are whoever matches when read."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from services.selections.dependencies import check_acyclic, filter_uses, refuse_if_used
from services.selections.filters import FilterCatalog, compile_filter
from services.selections.groups import materialise
from services.selections.handlers import SelectionsUnitOfWork
from services.selections.models import RelationList
from shared.errors import NotFound


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
    back to the list itself (through in_list, or in_group of a group that uses it). Groups
    that read the list are evaluated again."""
    with uow:
        relation_list = _found(uow, list_id) if list_id else RelationList(
            id=str(uuid.uuid4()), created_at=datetime.now(UTC))
        for name in ("name", "description", "filter"):
            if name in data:
                setattr(relation_list, name, data[name])
        check_acyclic(uow.session, "list", relation_list.id, filter_uses(relation_list.filter))
        compile_filter(relation_list.filter, FilterCatalog(uow.read_model, date.today()))
        relation_list.updated_at = datetime.now(UTC)
        uow.session.add(relation_list)
        uow.session.flush()
        if list_id and "filter" in data:
            materialise.evaluate_from(uow.session, [("list", list_id)])
        result = relation_list.to_dict()
        uow.commit()
    return result


def delete_list(uow: SelectionsUnitOfWork, list_id: str) -> None:
    """Delete a list nothing uses (a filter of a list or group, a selection's source): 409
    naming them."""
    with uow:
        relation_list = _found(uow, list_id)
        refuse_if_used(uow.session, "list", list_id, relation_list.name)
        uow.session.delete(relation_list)
        uow.commit()


def list_members(uow: SelectionsUnitOfWork, list_id: str, *, limit: int,
                 cursor: str | None) -> tuple[list[dict[str, Any]], str | None, int]:
    """A page of the list's members as of now, and how many there are in all."""
    with uow:
        relation_list = _found(uow, list_id)
        catalog = FilterCatalog(uow.read_model, date.today())
        condition = compile_filter(relation_list.filter, catalog)
        states, next_cursor = uow.read_model.page(condition, limit=limit, cursor=cursor)
        return states, next_cursor, uow.read_model.count(condition)


def _found(uow: SelectionsUnitOfWork, list_id: str) -> RelationList:
    relation_list = uow.session.get(RelationList, list_id)
    if relation_list is None:
        raise NotFound(f"no list has the id {list_id!r}")
    return relation_list

