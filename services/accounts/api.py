"""The accounts HTTP API (mounted under /api/accounts by the gateway)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.accounts import handlers
from services.accounts.schemas import (
    AccountTypeChangeSchema,
    AccountTypeCreateSchema,
    AccountTypeSchema,
)
from shared.http import unit_of_work

account_types = Blueprint("account_types", __name__, url_prefix="/api/accounts/account-types",
                          description="Kinds of portal account, configured by administrators "
                                      "(accounts:read to read, accounts:manage to change).")



@account_types.route("")
class AccountTypes(MethodView):
    @account_types.response(200, AccountTypeSchema(many=True))
    def get(self):
        """Every kind of portal account, by key."""
        return handlers.list_account_types(unit_of_work())

    @account_types.arguments(AccountTypeCreateSchema)
    @account_types.response(201, AccountTypeSchema)
    def post(self, data):
        """Add a kind of portal account (e.g. member, volunteer)."""
        return handlers.define_account_type(unit_of_work(), data), 201


@account_types.route("/<key>")
class AccountType(MethodView):
    @account_types.response(200, AccountTypeSchema)
    def get(self, key):
        """One kind of portal account."""
        return handlers.get_account_type(unit_of_work(), key)

    @account_types.arguments(AccountTypeChangeSchema)
    @account_types.response(200, AccountTypeSchema)
    def patch(self, data, key):
        """Rename or describe a kind of portal account; its key never changes."""
        return handlers.change_account_type(unit_of_work(), key, data)

    @account_types.response(204)
    def delete(self, key):
        """Remove a kind of portal account."""
        handlers.delete_account_type(unit_of_work(), key)
