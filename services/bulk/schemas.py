"""Bodies of the bulk HTTP API."""

from marshmallow import Schema, fields


class OperationSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    owner = fields.String(required=True, metadata={"description": "The service that applies it."})
    permission = fields.String(required=True)
    params = fields.Dict(required=True, metadata={
        "description": "The JSON Schema of the operation's parameters."})
