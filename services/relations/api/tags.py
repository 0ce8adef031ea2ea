"""Tags ("kenmerken"): what administrators define, and what relations carry."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import expected_version, uow
from services.relations.handlers import definitions, tags
from services.relations.handlers.definitions import TAGS
from services.relations.models import etag_of
from services.relations.schemas.definitions import (
    DefinitionChangeSchema,
    DefinitionCreateSchema,
    DefinitionListArgs,
    DefinitionOutSchema,
    DefinitionPageSchema,
    RelationTagsSchema,
    RemovedSchema,
)
from services.relations.schemas.relations import RelationSchema
from shared.access import requires
from shared.permissions import DEFINITIONS_MANAGE

tags_api = Blueprint("tags", __name__, url_prefix="/api/relations",
                     description="Tags (kenmerken): defined by administrators, carried by "
                                 "relations.")


@tags_api.route("/tags")
class Tags(MethodView):
    @tags_api.arguments(DefinitionListArgs, location="query")
    @tags_api.response(200, DefinitionPageSchema)
    def get(self, args):
        """Every tag definition, by key, a page at a time; `category` narrows the list."""
        items, next_cursor = definitions.list_definitions(
            uow(), TAGS, limit=args["limit"], cursor=args.get("cursor"),
            category=args.get("category"))
        return {"items": items, "next_cursor": next_cursor}

    @requires(DEFINITIONS_MANAGE)
    @tags_api.arguments(DefinitionCreateSchema)
    @tags_api.response(201, DefinitionOutSchema)
    def post(self, data):
        """Define a tag: a key (lower-case letters, digits, _), a label, optionally a
        description and a category."""
        return definitions.define(uow(), TAGS, data), 201


@tags_api.route("/tags/<key>")
class Tag(MethodView):
    @tags_api.response(200, DefinitionOutSchema)
    def get(self, key):
        """One tag definition."""
        return definitions.get_definition(uow(), TAGS, key)

    @requires(DEFINITIONS_MANAGE)
    @tags_api.arguments(DefinitionChangeSchema)
    @tags_api.response(200, DefinitionOutSchema)
    def patch(self, data, key):
        """Change a tag's label, description or category; its key never changes."""
        return definitions.change_definition(uow(), TAGS, key, data)

    @requires(DEFINITIONS_MANAGE)
    @tags_api.response(204)
    def delete(self, key):
        """Delete a tag no relation carries; if some do, 409 says how many (take it off them
        with remove-from-everyone first)."""
        definitions.delete_definition(uow(), TAGS, key)


@tags_api.post("/tags/<key>/remove-from-everyone")
@requires(DEFINITIONS_MANAGE)
@tags_api.response(200, RemovedSchema)
def remove_tag_from_everyone(key):
    """Take this tag off every relation carrying it, duplicates included, in one go; answers
    how many relations changed (each gets a new version and a history entry)."""
    return {"changed": tags.remove_tag_from_everyone(uow(), key)}


@tags_api.get("/relations/<relation_id>/tags")
@tags_api.response(200, RelationTagsSchema)
def relation_tags(relation_id):
    """The tags a relation carries, with their labels."""
    result = tags.relation_tags(uow(), relation_id)
    return result, 200, {"ETag": etag_of({"id": relation_id, **result})}


@tags_api.route("/relations/<relation_id>/tags/<key>")
class RelationTag(MethodView):
    @tags_api.response(200, RelationSchema)
    def put(self, relation_id, key):
        """Give a relation a defined tag (422 names an unknown one). Having it already changes
        nothing. If-Match is optional here: when sent, a stale one is a 412."""
        state = tags.tag_relation(uow(), relation_id, key,
                                  expected_version=_optional_version(relation_id))
        return state, 200, {"ETag": etag_of(state)}

    @tags_api.response(200, RelationSchema)
    def delete(self, relation_id, key):
        """Take a tag off a relation; not having it changes nothing. If-Match is optional
        here: when sent, a stale one is a 412."""
        state = tags.untag_relation(uow(), relation_id, key,
                                    expected_version=_optional_version(relation_id))
        return state, 200, {"ETag": etag_of(state)}


def _optional_version(relation_id: str) -> int | None:
    # Adding or removing one tag cannot overwrite another editor's change, so If-Match is
    # honoured when sent but not demanded.
    return expected_version(relation_id) if request.headers.get("If-Match") else None
