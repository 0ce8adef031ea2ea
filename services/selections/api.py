"""The selections HTTP API (mounted under /api/selections by the gateway)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.selections import handlers
from services.selections import lists as relation_lists
from services.selections.schemas import (
    CountSchema,
    FilterCountSchema,
    FilterQuerySchema,
    ListChangeSchema,
    ListCreateSchema,
    ListSchema,
    MemberPageSchema,
    RelationPageSchema,
)
from shared.access import requires
from shared.http import unit_of_work
from shared.pagination import PageArgs
from shared.permissions import SELECTIONS_READ

filters = Blueprint("filters", __name__, url_prefix="/api/selections/filters",
                    description="Find relations with a filter.")



@filters.post("/count")
@requires(SELECTIONS_READ)  # a POST only for the filter in its body: it changes nothing
@filters.arguments(FilterCountSchema)
@filters.response(200, CountSchema)
def count(body):
    """Count the relations a filter matches."""
    return {"count": handlers.count_matching(unit_of_work(), body["filter"])}


@filters.post("/query")
@requires(SELECTIONS_READ)
@filters.arguments(FilterQuerySchema)
@filters.response(200, RelationPageSchema)
def query(body):
    """The relations a filter matches (their states), a page at a time by id."""
    items, next_cursor = handlers.query_matching(
        unit_of_work(), body["filter"], limit=body["limit"], cursor=body.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}


lists = Blueprint("lists", __name__, url_prefix="/api/selections/lists",
                  description="Relation lists: saved filters whose members update themselves.")


@lists.route("")
class Lists(MethodView):
    @lists.response(200, ListSchema(many=True))
    def get(self):
        """Every relation list, by name."""
        return relation_lists.list_lists(unit_of_work())

    @lists.arguments(ListCreateSchema)
    @lists.response(201, ListSchema)
    def post(self, data):
        """Save a filter as a list with a name; its members are whoever matches when read."""
        return relation_lists.save_list(unit_of_work(), data), 201


@lists.route("/<list_id>")
class RelationListView(MethodView):
    @lists.response(200, ListSchema)
    def get(self, list_id):
        """One relation list."""
        return relation_lists.get_list(unit_of_work(), list_id)

    @lists.arguments(ListChangeSchema)
    @lists.response(200, ListSchema)
    def patch(self, data, list_id):
        """Rename a list or change its filter."""
        return relation_lists.save_list(unit_of_work(), data, list_id)

    @lists.response(204)
    def delete(self, list_id):
        """Delete a list; one that another list uses through in_list is refused (409 naming
        the users)."""
        relation_lists.delete_list(unit_of_work(), list_id)


@lists.get("/<list_id>/members")
@lists.arguments(PageArgs, location="query")
@lists.response(200, MemberPageSchema)
def members(args, list_id):
    """The list's members as of now, a page at a time, with their count."""
    items, next_cursor, count = relation_lists.list_members(
        unit_of_work(), list_id, limit=args["limit"], cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor, "count": count}
