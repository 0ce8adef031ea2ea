"""Bodies of the API clients HTTP API."""

from marshmallow import Schema, fields, validate

MAX_GRACE = 7 * 86400


class ApiClientCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=1000))
    scopes = fields.List(fields.String(), required=True,
                         metadata={"description": "Permission names the client may use "
                                                  "(relations:delete is never granted)."})


class RotateSchema(Schema):
    grace_seconds = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=MAX_GRACE),
        metadata={"description": "How long the old key keeps working (0: it stops at once)."})


class ApiClientSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    scopes = fields.List(fields.String())
    status = fields.String(metadata={"description": "active or revoked"})
    created_by = fields.String(allow_none=True)
    created_at = fields.String()
    rotated_at = fields.String(allow_none=True)
    revoked_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True)
    previous_key_expires_at = fields.String(allow_none=True)


class ApiClientKeySchema(ApiClientSchema):
    key = fields.String(metadata={"description": "cbx_<id>_<secret>: shown this once only. "
                                                 "Send as Authorization: ApiKey <key>."})


class ApiClientPageSchema(Schema):
    items = fields.List(fields.Nested(ApiClientSchema))
    next_cursor = fields.String(allow_none=True)
