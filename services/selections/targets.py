"""A target as the ids of its members now: explicit ids, a list, a selection, a group or a
filter, sorted and a page at a time, so a bulk job can freeze a million of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from services.selections.filters import FilterCatalog, compile_filter
from services.selections.handlers import SelectionsUnitOfWork
from services.selections.models import RelationView
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
        return _page(sorted(set(_explicit(value))), after, limit)
    with uow:
        members = _members(uow, kind, value)
        column = members.selected_columns[0]
        if after is not None:
            members = members.where(column > after)
        ids = list(uow.session.scalars(members.order_by(column).limit(limit + 1)))
    return {"relation_ids": ids[:limit], "next": ids[limit - 1] if len(ids) > limit else None}


def _members(uow: SelectionsUnitOfWork, kind: str, value: Any) -> Select:
    catalog = FilterCatalog(uow.read_model, date.today())
    if kind == "filter":
        try:
            return select(RelationView.id).where(compile_filter(value, catalog))
        except ValidationFailed as refused:
            raise ValidationFailed(refused.detail, errors={
                f"target.{path}": messages for path, messages in refused.errors.items()}) from None
    if not isinstance(value, str) or not value:
        raise ValidationFailed(f"a {kind} target names its id",
                               errors={f"target.{kind}": ["expected an id"]})
    members = catalog.members_of(kind, value)
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


def _page(ids: list[str], after: str | None, limit: int) -> dict[str, Any]:
    if after is not None:
        ids = [rid for rid in ids if rid > after]
    return {"relation_ids": ids[:limit], "next": ids[limit - 1] if len(ids) > limit else None}
