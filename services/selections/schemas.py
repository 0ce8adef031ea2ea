"""Bodies of the selections HTTP API."""

from marshmallow import Schema, fields, validate

from services.relations.messages import RelationStateSchema
from shared.pagination import MAX_LIMIT


class FilterCountSchema(Schema):
    filter = fields.Dict(required=True, metadata={
        "description": 'A condition, e.g. {"field": "city", "op": "eq", "value": "Utrecht"}'})


class FilterQuerySchema(FilterCountSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(allow_none=True)


class CountSchema(Schema):
    count = fields.Integer(required=True)


class RelationPageSchema(Schema):
    items = fields.List(fields.Nested(RelationStateSchema), required=True)
    next_cursor = fields.String(allow_none=True)
