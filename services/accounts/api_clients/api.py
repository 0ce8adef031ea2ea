"""The API clients HTTP API (under /api/accounts; needs api_clients:manage)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.accounts.api_clients import handlers
from services.accounts.api_clients.schemas import (
    ApiClientCreateSchema,
    ApiClientKeySchema,
    ApiClientPageSchema,
    ApiClientSchema,
    RotateSchema,
)
from shared import context
from shared.access import requires
from shared.http import unit_of_work
from shared.pagination import PageArgs
from shared.permissions import API_CLIENTS_MANAGE

api_clients = Blueprint("api_clients", __name__, url_prefix="/api/accounts/api-clients",
                        description="Keys of internal systems, with scopes; a key is shown "
                                    "once and stored hashed.")



@api_clients.route("")
@requires(API_CLIENTS_MANAGE)
class ApiClients(MethodView):
    @api_clients.arguments(PageArgs, location="query")
    @api_clients.response(200, ApiClientPageSchema)
    def get(self, args):
        """API clients, newest first, a page at a time (their keys are never shown again)."""
        items, next_cursor = handlers.list_clients(unit_of_work(), limit=args["limit"],
                                                   cursor=args.get("cursor"))
        return {"items": items, "next_cursor": next_cursor}

    @api_clients.arguments(ApiClientCreateSchema)
    @api_clients.response(201, ApiClientKeySchema)
    def post(self, data):
        """Add an API client with scopes; the answer holds its key, shown this once only."""
        actor = context.principal()
        return handlers.create_client(unit_of_work(), data, actor), 201


@api_clients.route("/<client_id>")
@requires(API_CLIENTS_MANAGE)
class ApiClient(MethodView):
    @api_clients.response(200, ApiClientSchema)
    def get(self, client_id):
        """One API client (without its key)."""
        return handlers.get_client(unit_of_work(), client_id)

    @api_clients.response(204)
    def delete(self, client_id):
        """Revoke an API client's key for good; the client stays listed as revoked."""
        handlers.revoke_client(unit_of_work(), client_id)


@api_clients.post("/<client_id>/rotate")
@requires(API_CLIENTS_MANAGE)
@api_clients.arguments(RotateSchema)
@api_clients.response(200, ApiClientKeySchema)
def rotate(data, client_id):
    """Give an API client a new key (shown this once); the old key stops at once or after
    grace_seconds."""
    return handlers.rotate_client(unit_of_work(), client_id, data["grace_seconds"])
