"""Bodies of the definitions administrators manage: tags and dossier actions."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.relations.messages import DefinitionSchema
from shared.pagination import PageArgs


def _text(max_length: int) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(min=1, max=max_length))


class DefinitionChangeSchema(Schema):
    label = fields.String(validate=validate.Length(min=1, max=200))
    description = _text(1000)
    category = _text(100)

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("name at least one of label, description, category",
                                  field_name="_schema")


class DefinitionCreateSchema(DefinitionChangeSchema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "Lower-case letters, digits and _, starting with a letter; never "
                       "changes."})
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DefinitionOutSchema(DefinitionSchema):
    created_at = fields.String(allow_none=True, required=True)
    updated_at = fields.String(allow_none=True, required=True)


class DefinitionListArgs(PageArgs):
    category = fields.String(validate=validate.Length(min=1, max=100))


class DefinitionPageSchema(Schema):
    items = fields.List(fields.Nested(DefinitionOutSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class RemovedSchema(Schema):
    changed = fields.Integer(required=True, metadata={
        "description": "How many holders (relations for a tag, dossiers for an action) "
                       "changed."})


class RelationTagsSchema(Schema):
    relation_id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "The relation's version; its ETag goes into If-Match."})
    items = fields.List(fields.Nested(DefinitionOutSchema), required=True)
