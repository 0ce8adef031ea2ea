"""Dossier actions ("acties"): what administrators define for dossiers to carry."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import definitions, dossiers
from services.relations.handlers.definitions import DOSSIER_ACTIONS
from services.relations.schemas.definitions import (
    DefinitionChangeSchema,
    DefinitionCreateSchema,
    DefinitionListArgs,
    DefinitionOutSchema,
    DefinitionPageSchema,
    RemovedSchema,
)
from shared.access import requires
from shared.permissions import DEFINITIONS_MANAGE

dossier_actions_api = Blueprint(
    "dossier_actions", __name__, url_prefix="/api/relations/dossier-actions",
    description="Dossier actions (acties, e.g. newsletter, christmas card): defined by "
                "administrators; a dossier's action applies to each of its members.")


@dossier_actions_api.route("")
class DossierActions(MethodView):
    @dossier_actions_api.arguments(DefinitionListArgs, location="query")
    @dossier_actions_api.response(200, DefinitionPageSchema)
    def get(self, args):
        """Every dossier action definition, by key, a page at a time; `category` narrows."""
        items, next_cursor = definitions.list_definitions(
            uow(), DOSSIER_ACTIONS, limit=args["limit"], cursor=args.get("cursor"),
            category=args.get("category"))
        return {"items": items, "next_cursor": next_cursor}

    @requires(DEFINITIONS_MANAGE)
    @dossier_actions_api.arguments(DefinitionCreateSchema)
    @dossier_actions_api.response(201, DefinitionOutSchema)
    def post(self, data):
        """Define a dossier action: a key (lower-case letters, digits, _), a label,
        optionally a description and a category."""
        return definitions.define(uow(), DOSSIER_ACTIONS, data), 201


@dossier_actions_api.route("/<key>")
class DossierAction(MethodView):
    @dossier_actions_api.response(200, DefinitionOutSchema)
    def get(self, key):
        """One dossier action definition."""
        return definitions.get_definition(uow(), DOSSIER_ACTIONS, key)

    @requires(DEFINITIONS_MANAGE)
    @dossier_actions_api.arguments(DefinitionChangeSchema)
    @dossier_actions_api.response(200, DefinitionOutSchema)
    def patch(self, data, key):
        """Change an action's label, description or category; its key never changes."""
        return definitions.change_definition(uow(), DOSSIER_ACTIONS, key, data)

    @requires(DEFINITIONS_MANAGE)
    @dossier_actions_api.response(204)
    def delete(self, key):
        """Delete an action no dossier carries; if some do, 409 says how many (take it off
        them with remove-from-everyone first)."""
        definitions.delete_definition(uow(), DOSSIER_ACTIONS, key)


@dossier_actions_api.post("/<key>/remove-from-everyone")
@requires(DEFINITIONS_MANAGE)
@dossier_actions_api.response(200, RemovedSchema)
def remove_action_from_everyone(key):
    """Take this action off every dossier carrying it, duplicates included, in one go;
    answers how many dossiers changed (their members each get a history entry)."""
    return {"changed": dossiers.remove_action_from_everyone(uow(), key)}
