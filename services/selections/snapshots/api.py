"""The selections HTTP API: /api/selections/selections."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.selections.schemas import RelationIdsSchema
from services.selections.snapshots import edits, reads, service
from services.selections.snapshots.schemas import (
    EditOutcomesSchema,
    EditPageSchema,
    RefreshArgs,
    RefreshPageSchema,
    RefreshSchema,
    SelectionChangeSchema,
    SelectionCreateSchema,
    SelectionMemberPageSchema,
    SelectionPageSchema,
    SelectionSchema,
)
from shared.http import unit_of_work
from shared.pagination import PageArgs

selections = Blueprint("selections", __name__, url_prefix="/api/selections/selections",
                       description="Selections: static snapshots of a filter, list or group, "
                                   "refreshed on demand or on a schedule, editable by hand.")


@selections.route("")
class Selections(MethodView):
    @selections.arguments(PageArgs, location="query")
    @selections.response(200, SelectionPageSchema)
    def get(self, args):
        """Selections by name, a page at a time, with their member counts."""
        items, next_cursor = reads.list_selections(unit_of_work(), limit=args["limit"],
                                                   cursor=args.get("cursor"))
        return {"items": items, "next_cursor": next_cursor}

    @selections.arguments(SelectionCreateSchema)
    @selections.response(201, SelectionSchema)
    def post(self, data):
        """Create a selection of a filter, list or group; its snapshot is taken at once."""
        return service.create_selection(unit_of_work(), data), 201


@selections.route("/<selection_id>")
class SelectionView(MethodView):
    @selections.response(200, SelectionSchema)
    def get(self, selection_id):
        """One selection, with its member count and its last and next refresh."""
        return service.get_selection(unit_of_work(), selection_id)

    @selections.arguments(SelectionChangeSchema)
    @selections.response(200, SelectionSchema)
    def patch(self, data, selection_id):
        """Rename a selection, or change its source (taken at the next refresh) or its
        schedule."""
        return service.change_selection(unit_of_work(), selection_id, data)

    @selections.response(204)
    def delete(self, selection_id):
        """Delete a selection; one that a list, group or selection uses through in_selection
        is refused (409 naming the users)."""
        service.delete_selection(unit_of_work(), selection_id)


@selections.post("/<selection_id>/refresh")
@selections.arguments(RefreshArgs)
@selections.response(200, RefreshSchema)
def refresh(args, selection_id):
    """Take the snapshot anew: the source now, plus those added and less those removed by
    hand (unless keep_edits is false); answers how many joined and left."""
    return service.refresh_selection(unit_of_work(), selection_id, keep_edits=args["keep_edits"])


@selections.get("/<selection_id>/refreshes")
@selections.arguments(PageArgs, location="query")
@selections.response(200, RefreshPageSchema)
def refreshes(args, selection_id):
    """The selection's refreshes, newest first: when, why, by whom, joined, left, total."""
    items, next_cursor = reads.refreshes(unit_of_work(), selection_id, limit=args["limit"],
                                         cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}


@selections.get("/<selection_id>/members")
@selections.arguments(PageArgs, location="query")
@selections.response(200, SelectionMemberPageSchema)
def members(args, selection_id):
    """The selection's members (their states, each with when and how it came in), a page at
    a time by id, with their count."""
    items, next_cursor, count = reads.members(unit_of_work(), selection_id, limit=args["limit"],
                                              cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor, "count": count}


@selections.post("/<selection_id>/members")
@selections.arguments(RelationIdsSchema)
@selections.response(200, EditOutcomesSchema)
def add_members(data, selection_id):
    """Add relations by hand (at most 10,000 a call); later refreshes keep them."""
    return edits.add_by_hand(unit_of_work(), selection_id, data["relation_ids"])


@selections.post("/<selection_id>/members/remove")
@selections.arguments(RelationIdsSchema)
@selections.response(200, EditOutcomesSchema)
def remove_members(data, selection_id):
    """Remove relations by hand (at most 10,000 a call); later refreshes leave them out."""
    return edits.remove_by_hand(unit_of_work(), selection_id, data["relation_ids"])


@selections.get("/<selection_id>/edits")
@selections.arguments(PageArgs, location="query")
@selections.response(200, EditPageSchema)
def edit_list(args, selection_id):
    """The hand edits that refreshes honour: relations added (included) or removed by hand."""
    items, next_cursor = reads.edits(unit_of_work(), selection_id, limit=args["limit"],
                                     cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}
