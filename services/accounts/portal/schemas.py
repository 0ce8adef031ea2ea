"""Bodies of the portal accounts HTTP API."""

from marshmallow import Schema, fields, validate

from services.accounts.messages import PortalAccountStateSchema
from shared.pagination import PageArgs

STATUSES = ("invited", "active", "blocked", "deleted")
LANGUAGES = ("nl", "en")


class AccountCreateSchema(Schema):
    relation_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    account_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    language = fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "Of its e-mail; the installation's default when left out."})


class AccountSchema(PortalAccountStateSchema):
    pass


class AccountListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    relation_id = fields.String()
    email = fields.String()


class AccountPageSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class BlockSchema(Schema):
    until = fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "When the block lifts itself (ISO 8601 with offset); none: for good."})


class LinkSentSchema(Schema):
    account_id = fields.String(required=True)
    email = fields.String(allow_none=True, metadata={
        "description": "welcome (still invited) or reset: the e-mail now queued."})


class NewPasswordSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                             load_only=True)


class ResetRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=320))


class ResetRequestedSchema(Schema):
    detail = fields.String(required=True)
