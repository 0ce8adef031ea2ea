"""Bodies of the contact moments API."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from services.relations.messages import ContactMomentStateSchema
from services.relations.models.contact_moments import CONTACT_KINDS, NOTE_MAX, SUBJECT_MAX
from services.relations.schemas.text import SingleLine
from shared.pagination import PageArgs


class ContactMomentChangeSchema(Schema):
    kind = fields.String(validate=validate.OneOf(CONTACT_KINDS))
    at = fields.AwareDateTime(metadata={
        "description": "When it happened, with its zone (2024-05-01T14:30:00+02:00)."})
    subject = SingleLine(validate=validate.Length(min=1, max=SUBJECT_MAX))
    note = fields.String(allow_none=True, validate=validate.Length(max=NOTE_MAX))

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise SchemaError("name at least one field to change", field_name="_schema")


class ContactMomentCreateSchema(ContactMomentChangeSchema):
    kind = fields.String(required=True, validate=validate.OneOf(CONTACT_KINDS))
    at = fields.AwareDateTime(metadata={
        "description": "When it happened, with its zone; now when left out."})
    subject = SingleLine(required=True, validate=validate.Length(min=1, max=SUBJECT_MAX))


class ContactMomentListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(CONTACT_KINDS))


class ContactMomentSchema(ContactMomentStateSchema):
    pass


class ContactMomentPageSchema(Schema):
    items = fields.List(fields.Nested(ContactMomentSchema), required=True)
    next_cursor = fields.String(allow_none=True)
