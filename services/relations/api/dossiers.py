"""Dossiers: a household or a case holding several relations, and the actions that apply to
each of its members."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import dossiers as handlers
from services.relations.schemas.dossiers import (
    DossierCreateSchema,
    DossierListArgs,
    DossierPageSchema,
    DossierPatchSchema,
    DossierSchema,
)
from shared.pagination import PageArgs

dossiers_api = Blueprint("dossiers", __name__, url_prefix="/api/relations",
                         description="Dossiers (households, cases) of relations and their "
                                     "actions.")


@dossiers_api.route("/dossiers")
class Dossiers(MethodView):
    @dossiers_api.arguments(DossierListArgs, location="query")
    @dossiers_api.response(200, DossierPageSchema)
    def get(self, args):
        """Every dossier, by name, a page at a time; `kind` narrows the list."""
        items, next_cursor = handlers.list_dossiers(uow(), limit=args["limit"],
                                                    cursor=args.get("cursor"),
                                                    kind=args.get("kind"))
        return {"items": items, "next_cursor": next_cursor}

    @dossiers_api.arguments(DossierCreateSchema)
    @dossiers_api.response(201, DossierSchema)
    def post(self, data):
        """Open a dossier (kind household or case), with its first members and actions if
        given; 422 names unknown relations or actions."""
        state = handlers.open_dossier(uow(), data)
        return state, 201, {"Location": url_for("dossiers.Dossier", dossier_id=state["id"])}


@dossiers_api.route("/dossiers/<dossier_id>")
class Dossier(MethodView):
    @dossiers_api.response(200, DossierSchema)
    def get(self, dossier_id):
        """One dossier: name, kind, member ids and action keys."""
        return handlers.get_dossier(uow(), dossier_id)

    @dossiers_api.arguments(DossierPatchSchema)
    @dossiers_api.response(200, DossierSchema)
    def patch(self, data, dossier_id):
        """Rename a dossier or change its kind."""
        return handlers.change_dossier(uow(), dossier_id, data)

    @dossiers_api.response(204)
    def delete(self, dossier_id):
        """Delete a dossier with its memberships and actions (the members keep the history);
        the relations themselves stay."""
        handlers.close_dossier(uow(), dossier_id)


@dossiers_api.route("/dossiers/<dossier_id>/members/<relation_id>")
class DossierMember(MethodView):
    @dossiers_api.response(200, DossierSchema)
    def put(self, dossier_id, relation_id):
        """Put a relation in the dossier; a member already changes nothing. A relation can be
        in several dossiers."""
        return handlers.add_member(uow(), dossier_id, relation_id)

    @dossiers_api.response(200, DossierSchema)
    def delete(self, dossier_id, relation_id):
        """Take a relation out of the dossier; not being in it changes nothing."""
        return handlers.remove_member(uow(), dossier_id, relation_id)


@dossiers_api.route("/dossiers/<dossier_id>/actions/<key>")
class DossierAction(MethodView):
    @dossiers_api.response(200, DossierSchema)
    def put(self, dossier_id, key):
        """Give the dossier a defined action (422 names an unknown one); it applies to each
        member. Having it already changes nothing."""
        return handlers.add_action(uow(), dossier_id, key)

    @dossiers_api.response(200, DossierSchema)
    def delete(self, dossier_id, key):
        """Take an action off the dossier; not having it changes nothing."""
        return handlers.remove_action(uow(), dossier_id, key)


@dossiers_api.get("/relations/<relation_id>/dossiers")
@dossiers_api.arguments(PageArgs, location="query")
@dossiers_api.response(200, DossierPageSchema)
def relation_dossiers(args, relation_id):
    """The dossiers a relation is in, with their actions, by name."""
    items, next_cursor = handlers.list_dossiers(uow(), limit=args["limit"],
                                                cursor=args.get("cursor"),
                                                relation_id=relation_id)
    return {"items": items, "next_cursor": next_cursor}
