"""Bodies of the custom fields API."""

from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from services.relations.messages import RELATION_TYPES, FieldDefinitionSchema
from services.relations.models.fields import FIELD_TYPES


class FieldOptionInput(fields.Field):
    """An option: a plain label, or {"key", "label"} to keep a key while renaming."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict) and set(value) == {"key", "label"} and all(
                isinstance(v, str) and v.strip() for v in value.values()):
            return {"key": value["key"].strip(), "label": value["label"].strip()}
        raise SchemaError('an option is a label or {"key": ..., "label": ...}')


class FieldChangeSchema(Schema):
    label = fields.String(validate=validate.Length(min=1, max=200))
    options = fields.List(FieldOptionInput(), validate=validate.Length(max=500))
    required = fields.Boolean()
    applies_to = fields.List(fields.String(validate=validate.OneOf(RELATION_TYPES)),
                             validate=validate.Length(min=1))


class FieldCreateSchema(FieldChangeSchema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    applies_to = fields.List(fields.String(validate=validate.OneOf(RELATION_TYPES)),
                             load_default=lambda: list(RELATION_TYPES),
                             validate=validate.Length(min=1))


class FieldSchema(FieldDefinitionSchema):
    pass
