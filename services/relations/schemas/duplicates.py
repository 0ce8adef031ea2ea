"""Bodies of the de-duplication API: rules, candidates, pairs, dismissals, on_duplicate."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from services.relations.matching import ON_DUPLICATE_CHOICES, RULES, SIMILARITY_FLOOR
from services.relations.messages import (
    DuplicateDismissalSchema,
    DuplicateRulesPayload,
    DuplicateRuleStateSchema,
)
from shared.pagination import PageArgs

SCORE = validate.Range(min=1, max=100)


class RuleSchema(DuplicateRuleStateSchema):
    rule = fields.String(required=True, validate=validate.OneOf(RULES))


class RulesSchema(DuplicateRulesPayload):
    pass


class RuleChangeSchema(Schema):
    enabled = fields.Boolean(required=True)
    score = fields.Integer(required=True, validate=SCORE, metadata={
        "description": "1-100: the score a pair this rule matches gets (the similar-name rule "
                       "scales it by the similarity)."})
    threshold = fields.Integer(allow_none=True, validate=validate.Range(
        min=SIMILARITY_FLOOR, max=100), metadata={
        "description": f"Only and required for similar_name_same_postcode: the least name "
                       f"similarity that matches, {SIMILARITY_FLOOR}-100."})


class SettingsChangeSchema(Schema):
    reject_min_score = fields.Integer(validate=SCORE, metadata={
        "description": "The score from which on_duplicate=reject refuses a new relation."})

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise SchemaError("name at least one setting to change", field_name="_schema")


class RelationSummarySchema(Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    birth_date = fields.String(allow_none=True)
    emails = fields.List(fields.String(), required=True)
    phones = fields.List(fields.String(), required=True)
    postcode = fields.String(allow_none=True)
    city = fields.String(allow_none=True)


class RuleMatchSchema(Schema):
    rule = fields.String(required=True, validate=validate.OneOf(RULES))
    score = fields.Integer(required=True)
    similarity = fields.Integer(metadata={"description": "Only the similar-name rule: 0-100."})


class CandidateSchema(Schema):
    relation = fields.Nested(RelationSummarySchema, required=True)
    score = fields.Integer(required=True, metadata={
        "description": "The highest score of the rules that matched."})
    rules = fields.List(fields.Nested(RuleMatchSchema), required=True, metadata={
        "description": "Every enabled rule that matched, best first."})


class CandidatesSchema(Schema):
    items = fields.List(fields.Nested(CandidateSchema), required=True)
    merged_into = fields.String(metadata={
        "description": "Only for a merged relation: where it went (its duplicates are there)."})


class MinScoreArgs(Schema):
    min_score = fields.Integer(load_default=1, validate=SCORE)


class PairArgs(PageArgs, MinScoreArgs):
    pass


class PairSchema(Schema):
    a = fields.Nested(RelationSummarySchema, required=True, metadata={
        "description": "The relation with the smaller id."})
    b = fields.Nested(RelationSummarySchema, required=True)
    score = fields.Integer(required=True)
    rules = fields.List(fields.Nested(RuleMatchSchema), required=True)


class PairPageSchema(Schema):
    items = fields.List(fields.Nested(PairSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class DismissalCreateSchema(Schema):
    a = fields.String(required=True, validate=validate.Length(min=1, max=36))
    b = fields.String(required=True, validate=validate.Length(min=1, max=36))


class DismissalSchema(DuplicateDismissalSchema):
    pass


class DismissalPageSchema(Schema):
    items = fields.List(fields.Nested(DismissalSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class CreateArgs(Schema):
    on_duplicate = fields.String(load_default="allow", validate=validate.OneOf(
        ON_DUPLICATE_CHOICES), metadata={
        "description": "What happens when the new relation scores at least reject_min_score "
                       "(see duplicate-rules) against existing ones: allow (create it anyway), "
                       "reject (409 listing the candidates; nothing is created). merge is not "
                       "available yet (422)."})
