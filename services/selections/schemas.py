"""Bodies of the selections HTTP API."""

from marshmallow import Schema, fields, validate

from services.relations.messages import RelationStateSchema
from shared.pagination import MAX_LIMIT

# Relation ids one call may add to or remove from a group or selection.
MAX_IDS = 10_000
FILTER_DESCRIPTION = (
    'A tree of {"and": [...]}, {"or": [...]}, {"not": node} over conditions '
    '{"field": "city", "op": "eq", "value": "Utrecht"} (standard fields, or custom fields by '
    "key; ops eq ne in contains starts_with gt gte lt lte between empty not_empty) and the "
    'nodes {"age": {"op": "gte", "value": 65}}, {"tag": "journalist"}, '
    '{"dossier_action": "newsletter"}, {"function": {"role": "board member", '
    '"organisation": id, "active": true}}, {"archived": false}, {"account": "active"}, '
    '{"in_group": id}, {"in_list": id}, {"in_selection": id}. Text compares without regard '
    "to case or accents. A filter that says nothing of archived (or of the status field) "
    "finds active relations only. At most 20 levels deep and 500 nodes.")


class FilterCountSchema(Schema):
    # Raw: the filter checks its own shape, naming the bad node by its path.
    filter = fields.Raw(required=True, allow_none=True, metadata={"description": FILTER_DESCRIPTION,
                                                 "type": "object"})


class FilterQuerySchema(FilterCountSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(allow_none=True)


class CountSchema(Schema):
    count = fields.Integer(required=True)


class RelationPageSchema(Schema):
    items = fields.List(fields.Nested(RelationStateSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class ListChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=1000))
    filter = fields.Dict(metadata={"description": "The filter whose matches are the members."})


class ListCreateSchema(ListChangeSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filter = fields.Dict(required=True)


class ListSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    filter = fields.Dict(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class MemberPageSchema(RelationPageSchema):
    """A page of a set's members; a group or selection page overrides `items` with states
    that carry their `membership`."""

    count = fields.Integer(required=True, metadata={"description": "Members in all."})


class RelationIdsSchema(Schema):
    """The relations a call adds to or removes from a group or selection."""

    relation_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                               required=True, validate=validate.Length(min=1, max=MAX_IDS))
