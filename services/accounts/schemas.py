"""Bodies of the accounts HTTP API."""

from marshmallow import Schema, fields, validate

from services.accounts.messages import AccountTypeStateSchema


class AccountTypeChangeSchema(Schema):
    label = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=1000))


class AccountTypeCreateSchema(AccountTypeChangeSchema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))


class AccountTypeSchema(AccountTypeStateSchema):
    pass
