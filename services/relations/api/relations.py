"""Relations: the card of a person or organisation, and its history."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import expected_version, region, uow
from services.relations.handlers import history
from services.relations.handlers import relations as handlers
from services.relations.models import etag_of
from services.relations.schemas.duplicates import CreateArgs
from services.relations.schemas.relations import (
    HistoryPageSchema,
    RelationCreateSchema,
    RelationListArgs,
    RelationPageSchema,
    RelationPatchSchema,
    RelationSchema,
)
from shared.idempotency import idempotent
from shared.pagination import PageArgs

relations = Blueprint("relations", __name__, url_prefix="/api/relations/relations",
                      description="Persons and organisations: the relation card.")


@relations.route("")
class Relations(MethodView):
    @relations.arguments(RelationListArgs, location="query")
    @relations.response(200, RelationPageSchema)
    def get(self, args):
        """List relations, oldest first, a page at a time."""
        items, next_cursor = handlers.list_relations(
            uow(), limit=args["limit"], cursor=args.get("cursor"), status=args.get("status"),
            relation_type=args.get("type"))
        return {"items": items, "next_cursor": next_cursor}

    @idempotent
    @relations.arguments(RelationCreateSchema)
    @relations.arguments(CreateArgs, location="query")
    @relations.response(201, RelationSchema)
    def post(self, data, args):
        """Register a person or an organisation. on_duplicate=reject refuses one that looks
        like an existing relation (409 listing the candidates); on_duplicate=merge merges it
        into the best candidate (200 with that relation; the merge can be undone)."""
        state, new = handlers.create_relation(uow(), data, region=region(),
                                              on_duplicate=args["on_duplicate"])
        headers = {"ETag": etag_of(state),
                   "Location": url_for("relations.Relation", relation_id=state["id"])}
        # 200 with the existing relation when on_duplicate=merge folded the new one into it.
        return state, 201 if new else 200, headers


@relations.route("/<relation_id>")
class Relation(MethodView):
    @relations.response(200, RelationSchema)
    def get(self, relation_id):
        """Read one relation; its ETag goes into If-Match when you change it."""
        state = handlers.get_relation(uow(), relation_id)
        if "merged_into" in state:
            return state  # a tombstone: no ETag, nothing to change here
        return state, 200, {"ETag": etag_of(state)}

    @relations.arguments(RelationPatchSchema)
    @relations.response(200, RelationSchema)
    def patch(self, changes, relation_id):
        """Change some fields of a relation (If-Match required; 412 if it changed meanwhile)."""
        state = handlers.update_relation(uow(), relation_id, changes,
                                         expected_version(relation_id), region=region())
        return state, 200, {"ETag": etag_of(state)}


@relations.get("/<relation_id>/history")
@relations.arguments(PageArgs, location="query")
@relations.response(200, HistoryPageSchema)
def relation_history(args, relation_id):
    """Every change to one relation, newest first: who, when, which field, from what to what,
    and through what (API call, bulk job, merge)."""
    items, next_cursor = history.relation_history(uow(), relation_id, limit=args["limit"],
                                                  cursor=args.get("cursor"))
    return {"items": items, "next_cursor": next_cursor}
