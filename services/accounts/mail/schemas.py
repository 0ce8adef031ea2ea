"""Bodies of the sender API."""

from marshmallow import Schema, fields, validate


class SenderChangeSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.Email(required=True, validate=validate.Length(max=320))
    portal_url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                            validate=validate.Length(max=500), metadata={
                                "description": "Where the portal lives; links go to "
                                               "<portal_url>/activate and /reset-password."})


class SenderSchema(Schema):
    configured = fields.Boolean(required=True)
    name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    portal_url = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
