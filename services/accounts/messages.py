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
