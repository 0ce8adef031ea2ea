"""Bodies of the merge API."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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


class PairMergeSchema(Schema):
    pairs = fields.List(fields.List(fields.String(), validate=validate.Length(equal=2)),
                        validate=validate.Length(min=1, max=500), metadata={
                            "description": "[[a, b], ...]; or leave out and give min_score."})
    min_score = fields.Integer(validate=validate.Range(min=0, max=100), metadata={
        "description": "Merge the best stored pairs from this score (up to `limit`)."})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    mode = fields.String(load_default="safe", validate=validate.OneOf(("safe", "rules")),
                         metadata={"description": "safe: skip pairs whose values conflict; "
                                   "rules: merge them by `rule`."})
    rule = fields.String(load_default="keeper", validate=validate.OneOf(("keeper", "newest")),
                         metadata={"description": "Whose value wins a conflict in rules mode."})
    keeper = fields.String(load_default="oldest", validate=validate.OneOf(("oldest", "newest")),
                           metadata={"description": "Which relation of a pair stays."})

    @validates_schema
    def _pairs_or_score(self, data, **_kwargs):
        if ("pairs" in data) == ("min_score" in data):
            raise ValidationError("give either pairs or min_score", field_name="pairs")


class PairMergedSchema(Schema):
    a = fields.String(required=True)
    b = fields.String(required=True)
    keep = fields.String()
    other = fields.String()
    merge_id = fields.String()
    reason = fields.String()
    conflicts = fields.List(fields.String())


class PairMergeResultSchema(Schema):
    merged = fields.List(fields.Nested(PairMergedSchema), required=True)
    skipped = fields.List(fields.Nested(PairMergedSchema), required=True)
