"""The selections HTTP API (mounted under /api/selections by the gateway)."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from services.selections import handlers
from services.selections.schemas import (
    CountSchema,
    FilterCountSchema,
    FilterQuerySchema,
    RelationPageSchema,
)

filters = Blueprint("filters", __name__, url_prefix="/api/selections/filters",
                    description="Find relations with a filter.")


def _uow() -> handlers.SelectionsUnitOfWork:
    return current_app.extensions["cardbox.runtime"].unit_of_work()


@filters.post("/count")
@filters.arguments(FilterCountSchema)
@filters.response(200, CountSchema)
def count(body):
    """Count the relations a filter matches."""
    return {"count": handlers.count_matching(_uow(), body["filter"])}


@filters.post("/query")
@filters.arguments(FilterQuerySchema)
@filters.response(200, RelationPageSchema)
def query(body):
    """The relations a filter matches (their states), a page at a time by id."""
    items, next_cursor = handlers.query_matching(_uow(), body["filter"], limit=body["limit"],
                                                 cursor=body.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}
