"""Bodies of the merge API."""

from marshmallow import Schema, fields, validate

from services.relations.schemas.relations import RelationSchema


class MergeRequestSchema(Schema):
    keep = fields.String(required=True, metadata={"description": "The relation that stays."})
    others = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=20),
                         metadata={"description": "The relations merged into it."})
    choices = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                          metadata={"description": 'Per field, whose value wins: {"last_name": '
                                    'id, "fields.newsletter": id}. Unnamed fields keep the '
                                    "keeper's value, or the first other's when the keeper has "
                                    "none."})


class MergeRecordSchema(Schema):
    id = fields.String(required=True)
    keep = fields.String(required=True)
    others = fields.List(fields.String(), required=True)
    choices = fields.Dict(required=True)
    principal = fields.String(required=True)
    at = fields.String(required=True)
    undone_at = fields.String(allow_none=True)
    before = fields.Dict(metadata={"description": "The full pre-merge records, by id."})


class MergeResultSchema(Schema):
    merge = fields.Nested(MergeRecordSchema, required=True)
    keep = fields.Nested(RelationSchema, required=True)
    restored = fields.List(fields.Nested(RelationSchema))


class UndoArgs(Schema):
    force = fields.Boolean(load_default=False, metadata={
        "description": "Undo although the kept relation changed since the merge."})
