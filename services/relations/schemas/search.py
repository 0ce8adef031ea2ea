"""Bodies of the search API."""

from marshmallow import Schema, fields, validate

from services.relations.models.search import SEARCH_FIELDS
from services.relations.repository.search import TIERS
from services.relations.schemas.relations import RelationSchema
from shared.pagination import PageArgs


class SearchArgs(PageArgs):
    q = fields.String(required=True, metadata={
        "description": "At least two characters of a name, an e-mail address or a phone "
                       "number; case and accents do not matter."})
    include_archived = fields.Boolean(load_default=False, metadata={
        "description": "Also find archived relations."})


class MatchSchema(Schema):
    field = fields.String(required=True, validate=validate.OneOf(SEARCH_FIELDS))
    kind = fields.String(required=True, validate=validate.OneOf(TIERS), metadata={
        "description": "exact, prefix (the name, a word of it, the address or the number "
                       "starts with the query) or contains"})
    value = fields.String(required=True, metadata={
        "description": "The name, address or number that matched, as stored."})


class SearchHitSchema(RelationSchema):
    match = fields.Nested(MatchSchema, required=True)


class SearchPageSchema(Schema):
    items = fields.List(fields.Nested(SearchHitSchema), required=True)
    next_cursor = fields.String(allow_none=True)
