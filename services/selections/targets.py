"""A target as the ids of its members now: explicit ids, a list, a selection, a group or a
filter, sorted and a page at a time, so a bulk job can freeze a million of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select

from services.selections.filters import FilterCatalog, reference_members
from services.selections.handlers import SelectionsUnitOfWork
from shared.errors import NotFound, ValidationFailed
from shared.messages import Envelope

MAX_EXPLICIT = 100_000


def resolve_target(query: Envelope, uow: SelectionsUnitOfWork) -> dict[str, Any]:
    """{"relation_ids": the next `limit` member ids after `after`, "next": the id to ask
    after, or None at the end}."""
    payload = query.payload
    ((kind, value),) = payload["target"].items()
    after, limit = payload["after"], payload["limit"]
    if kind == "relation_ids":
        ids = [rid for rid in sorted(set(_explicit(value))) if after is None or rid > after]
        return _page(ids, limit)
    with uow:
        members = _members(uow, kind, value)
        column = members.selected_columns[0]
        if after is not None:
            members = members.where(column > after)
        return _page(list(uow.session.scalars(members.order_by(column).limit(limit + 1))),
                     limit)


def _members(uow: SelectionsUnitOfWork, kind: str, value: Any) -> Select:
    members = reference_members(kind, value, FilterCatalog(uow.read_model, date.today()),
                                "target")
    if members is None:
        raise NotFound(f"no {kind} has the id {value!r}")
    return members


def _explicit(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(rid, str) and rid for rid in value):
        raise ValidationFailed("relation_ids is a list of relation ids",
                               errors={"target.relation_ids": ["expected a list of ids"]})
    if len(value) > MAX_EXPLICIT:
        raise ValidationFailed(f"at most {MAX_EXPLICIT:,} relation ids",
                               errors={"target.relation_ids": [f"at most {MAX_EXPLICIT}"]})
    return value


def _page(ids: list[str], limit: int) -> dict[str, Any]:
    """The first `limit` of the sorted ids, and where the next page starts after."""
    return {"relation_ids": ids[:limit], "next": ids[limit - 1] if len(ids) > limit else None}
