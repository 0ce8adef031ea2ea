"""Bodies of the archive, restore and delete API."""

from marshmallow import Schema, fields, validate


class ArchiveSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    confirm = fields.List(fields.String(), load_default=list, metadata={
        "description": "The keys of the impacts you accept (see archive-impacts)."})


class ImpactSchema(Schema):
    key = fields.String(required=True)
    description = fields.String(required=True)
    count = fields.Integer(required=True)
    requires_confirmation = fields.Boolean(required=True)
    details = fields.List(fields.Dict())


class ImpactsSchema(Schema):
    impacts = fields.List(fields.Nested(ImpactSchema), required=True)
