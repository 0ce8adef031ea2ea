"""Bodies of the relation card API: the card, its lists, its history."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from services.relations.messages import (
    RELATION_TYPES,
    STATUSES,
    AddressSchema,
    EmailSchema,
    PhoneSchema,
    RelationStateSchema,
)
from shared.pagination import PageArgs


def _name(max_length: int) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(min=1, max=max_length))


class RelationFieldsSchema(Schema):
    initials = _name(20)
    first_name = _name(100)
    infix = _name(30)
    last_name = _name(150)
    organisation_name = _name(200)
    birth_date = fields.Date(allow_none=True)
    emails = fields.List(fields.Nested(EmailSchema), validate=validate.Length(max=20))
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=20))
    address = fields.Nested(AddressSchema, allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.String(),
                          values=fields.Raw(allow_none=True),
                          metadata={"description": "Custom field values by key; null removes."})


class RelationCreateSchema(RelationFieldsSchema):
    type = fields.String(required=True, validate=validate.OneOf(RELATION_TYPES))


class RelationPatchSchema(RelationFieldsSchema):
    type = fields.String(metadata={"description": "Never changes; present only to refuse it."})

    @validates_schema
    def _type_is_fixed(self, data, **_kwargs):
        if "type" in data:
            raise SchemaError("a relation's type never changes", field_name="type")
        if not data:
            raise SchemaError("name at least one field to change", field_name="_schema")


class RelationSchema(RelationStateSchema):
    merged_into = fields.String(metadata={
        "description": "Only on a merged relation: the id of the relation it became part of."})


class RelationListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    type = fields.String(validate=validate.OneOf(RELATION_TYPES))


class RelationPageSchema(Schema):
    items = fields.List(fields.Nested(RelationSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class FeedArgs(PageArgs):
    include_mine = fields.Boolean(load_default=False, metadata={
        "description": "Also show the changes made by the caller."})


class HistoryEntrySchema(Schema):
    id = fields.Integer(required=True)
    relation_id = fields.String(required=True)
    at = fields.String(required=True)
    principal = fields.String(required=True)
    via = fields.String(required=True, metadata={"description": "api, bulk, merge or system"})
    via_ref = fields.String(allow_none=True, metadata={
        "description": "The request's correlation id, the bulk job or the merge."})
    field = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class HistoryPageSchema(Schema):
    items = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    next_cursor = fields.String(allow_none=True)
