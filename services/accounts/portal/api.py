"""The portal accounts HTTP API, and the open routes that set a portal password through a
one-time link (mounted under /api/accounts by the gateway)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.accounts.portal import accounts as portal_accounts
from services.accounts.portal import recovery
from services.accounts.portal.schemas import (
    AccountCreateSchema,
    AccountListArgs,
    AccountPageSchema,
    AccountSchema,
    BlockSchema,
    LinkSentSchema,
    NewPasswordSchema,
    ResetRequestedSchema,
    ResetRequestSchema,
)
from services.accounts.sessions import client_ip
from shared.access import open_route
from shared.http import unit_of_work

accounts = Blueprint("portal_accounts", __name__, url_prefix="/api/accounts/accounts",
                     description="Portal accounts of relations: create, block, unblock, "
                                 "delete, send a new link.")
access = Blueprint("portal_access", __name__, url_prefix="/api/accounts",
                   description="Setting a portal password through an e-mailed link; open to "
                               "anyone holding the link.")



@accounts.route("")
class Accounts(MethodView):
    @accounts.arguments(AccountListArgs, location="query")
    @accounts.response(200, AccountPageSchema)
    def get(self, args):
        """A page of portal accounts by id; narrow by status, relation_id or email."""
        limit, cursor = args.pop("limit"), args.pop("cursor", None)
        items, next_cursor = portal_accounts.list_accounts(
            unit_of_work(), limit=limit, cursor=cursor, filters=args)
        return {"items": items, "next_cursor": next_cursor}

    @accounts.arguments(AccountCreateSchema)
    @accounts.response(201, AccountSchema)
    def post(self, data):
        """Create a relation's portal account (invited) and e-mail it the activation link.

        The relation needs an e-mail address; one live account per relation and per address.
        Refused (409) until the sender is configured."""
        return portal_accounts.create_account(unit_of_work(), data), 201


@accounts.route("/<account_id>")
class Account(MethodView):
    @accounts.response(200, AccountSchema)
    def get(self, account_id):
        """One portal account (deleted ones too)."""
        return portal_accounts.get_account(unit_of_work(), account_id)

    @accounts.response(204)
    def delete(self, account_id):
        """Delete a portal account: the relation stays, its e-mail address is free again."""
        portal_accounts.delete_account(unit_of_work(), account_id)


@accounts.post("/<account_id>/block")
@accounts.arguments(BlockSchema)
@accounts.response(200, AccountSchema)
def block(data, account_id):
    """Block a portal account, for good or `until` a moment (then it lifts itself)."""
    return portal_accounts.block_account(unit_of_work(), account_id, data["until"])


@accounts.post("/<account_id>/unblock")
@accounts.response(200, AccountSchema)
def unblock(account_id):
    """Lift a block at once."""
    return portal_accounts.unblock_account(unit_of_work(), account_id)


@accounts.post("/<account_id>/send-reset")
@accounts.response(202, LinkSentSchema)
def send_reset(account_id):
    """E-mail the account a new link: the welcome again while invited, else a reset."""
    return portal_accounts.send_reset(unit_of_work(), account_id), 202


@access.post("/activate")
@open_route
@access.arguments(NewPasswordSchema)
@access.response(204)
def activate(data):
    """Choose the first password of an invited portal account with the link's token."""
    recovery.activate(unit_of_work(), data["token"], data["password"])


@access.post("/password-reset")
@open_route
@access.arguments(ResetRequestSchema)
@access.response(202, ResetRequestedSchema)
def request_reset(data):
    """Ask for a link to choose a new portal password; answered alike for any address."""
    return {"detail": recovery.request_reset(unit_of_work(), data["email"], client_ip())}, 202


@access.post("/password-reset/confirm")
@open_route
@access.arguments(NewPasswordSchema)
@access.response(204)
def confirm_reset(data):
    """Choose a new portal password with the reset link's token; every session ends."""
    recovery.confirm_reset(unit_of_work(), data["token"], data["password"])
