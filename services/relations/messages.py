"""The published contract of the relations service: its events and their payloads."""

from marshmallow import Schema, fields, validate

from shared.messages import Event

RELATION_TYPES = ("person", "organisation")
STATUSES = ("active", "archived")


class EmailSchema(Schema):
    address = fields.Email(required=True)
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    primary = fields.Boolean(load_default=False)


class PhoneSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    primary = fields.Boolean(load_default=False)


class AddressSchema(Schema):
    street = fields.String(allow_none=True, validate=validate.Length(max=200))
    number = fields.String(allow_none=True, validate=validate.Length(max=20))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=20))
    city = fields.String(allow_none=True, validate=validate.Length(max=100))
    country = fields.String(allow_none=True, validate=validate.Length(equal=2))


class RelationStateSchema(Schema):
    """A relation as other services see it (ARCHITECTURE.md, "Shapes other systems rely on")."""

    id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(RELATION_TYPES))
    initials = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    infix = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    emails = fields.List(fields.Nested(EmailSchema), required=True)
    phones = fields.List(fields.Nested(PhoneSchema), required=True)
    address = fields.Nested(AddressSchema, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    fields_ = fields.Dict(data_key="fields", attribute="fields", required=True)
    tags = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class RelationCreatedPayload(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)


class RelationUpdatedPayload(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)
    # field -> [before, after], for history and for consumers that react to one field
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          required=True)


RelationCreated = Event("relations.relations.created", RelationCreatedPayload,
                        description="A relation was registered.")
RelationUpdated = Event("relations.relations.updated", RelationUpdatedPayload,
                        description="Fields of a relation changed; carries the whole new state.")


class BatchEntrySchema(Schema):
    relation = fields.Nested(RelationStateSchema, required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                          required=True)


class RelationsBatchUpdatedPayload(Schema):
    entries = fields.List(fields.Nested(BatchEntrySchema), required=True)
    # The bulk job that made the change, when one did.
    job = fields.String(allow_none=True, load_default=None)


class FieldOptionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class FieldDefinitionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True)
    options = fields.List(fields.Nested(FieldOptionSchema), required=True)
    required = fields.Boolean(required=True)
    applies_to = fields.List(fields.String(), required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class FieldPayload(Schema):
    field = fields.Nested(FieldDefinitionSchema, required=True)


class FieldDeletedPayload(Schema):
    key = fields.String(required=True)


RelationsBatchUpdated = Event(
    "relations.relations.batch_updated", RelationsBatchUpdatedPayload,
    description="Many relations changed in one transaction: one entry per relation.")
FieldDefined = Event("relations.fields.defined", FieldPayload,
                     description="A custom field was added to the relation card.")
FieldChanged = Event("relations.fields.changed", FieldPayload,
                     description="A custom field's label, options or rules changed.")
FieldDeleted = Event("relations.fields.deleted", FieldDeletedPayload,
                     description="A custom field was removed, with its values.")
