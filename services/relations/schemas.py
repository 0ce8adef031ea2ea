"""Bodies of the relations HTTP API."""

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
from shared.pagination import MAX_LIMIT


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
    pass


class RelationListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    type = fields.String(validate=validate.OneOf(RELATION_TYPES))


class RelationPageSchema(Schema):
    items = fields.List(fields.Nested(RelationSchema), required=True)
    next_cursor = fields.String(allow_none=True)
