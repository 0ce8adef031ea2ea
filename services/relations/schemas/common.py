"""Bodies of the relations HTTP API, shared by several resources."""

from marshmallow import Schema, fields


class ConfirmArgs(Schema):
    confirm = fields.Boolean(load_default=False, metadata={
        "description": "Go ahead although relations hold the values this removes."})
