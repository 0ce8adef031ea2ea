"""Functions: roles relations hold at other relations (Jan is director of Acme), listed from
both ends."""

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import functions as handlers
from services.relations.schemas.functions import (
    FunctionCreateSchema,
    FunctionListArgs,
    FunctionPageSchema,
    FunctionPatchSchema,
    FunctionSchema,
    FunctionViewSchema,
)

functions = Blueprint("functions", __name__, url_prefix="/api/relations",
                      description="Functions: a role a relation holds at another, for a period.")


@functions.route("/relations/<relation_id>/functions")
class RelationFunctions(MethodView):
    @functions.arguments(FunctionListArgs, location="query")
    @functions.response(200, FunctionPageSchema)
    def get(self, args, relation_id):
        """The functions a relation holds and those held at it, latest start first; each says
        its direction. Filter on active (held today) and role (any case)."""
        items, next_cursor = handlers.list_functions(
            uow(), relation_id, limit=args["limit"], cursor=args.get("cursor"),
            active=args.get("active"), role=args.get("role"))
        return {"items": items, "next_cursor": next_cursor}

    @functions.arguments(FunctionCreateSchema)
    @functions.response(201, FunctionViewSchema)
    def post(self, data, relation_id):
        """Add a function: this relation holds a role at organisation_id, or relation_id holds
        a role at this relation. 404 names the end that does not exist."""
        view = handlers.add_function(uow(), relation_id, data)
        return view, 201, {"Location": url_for("functions.Function", function_id=view["id"])}


@functions.route("/functions/<function_id>")
class Function(MethodView):
    @functions.response(200, FunctionSchema)
    def get(self, function_id):
        """One function: who (relation) holds which role where (organisation)."""
        return handlers.get_function(uow(), function_id)

    @functions.arguments(FunctionPatchSchema)
    @functions.response(200, FunctionSchema)
    def patch(self, changes, function_id):
        """Change the role or the period; set end_date to end the function."""
        return handlers.change_function(uow(), function_id, changes)

    @functions.response(204)
    def delete(self, function_id):
        """Remove a function entered by mistake (to end one, set its end_date instead)."""
        handlers.delete_function(uow(), function_id)
