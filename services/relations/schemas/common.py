"""Bodies of the relations HTTP API, shared by several resources."""

from marshmallow import Schema, fields, validate

from shared.pagination import MAX_LIMIT


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String()


class ConfirmArgs(Schema):
    confirm = fields.Boolean(load_default=False, metadata={
        "description": "Go ahead although relations hold the values this removes."})
