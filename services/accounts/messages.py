"""The published contract of the accounts service."""

from marshmallow import Schema, fields

from shared.messages import Event


class AccountTypeStateSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class AccountTypePayload(Schema):
    account_type = fields.Nested(AccountTypeStateSchema, required=True)


class AccountTypeDeletedPayload(Schema):
    key = fields.String(required=True)


AccountTypeDefined = Event("accounts.account_types.defined", AccountTypePayload,
                           description="A kind of portal account (member, volunteer) was added.")
AccountTypeChanged = Event("accounts.account_types.changed", AccountTypePayload,
                           description="A kind of portal account was renamed or described.")
AccountTypeDeleted = Event("accounts.account_types.deleted", AccountTypeDeletedPayload,
                           description="A kind of portal account was removed.")


class PortalAccountStateSchema(Schema):
    relation_id = fields.String(required=True)
    # active | blocked | deleted (a deleted account frees its e-mail address)
    status = fields.String(required=True)
    account_type = fields.String(allow_none=True)
    blocked_until = fields.String(allow_none=True)
    version = fields.Integer(required=True)


class PortalAccountPayload(Schema):
    account = fields.Nested(PortalAccountStateSchema, required=True)


PortalAccountChanged = Event(
    "accounts.portal_accounts.changed", PortalAccountPayload,
    description="A relation's portal account was created, blocked, unblocked or deleted; "
                "carries its whole state.")
