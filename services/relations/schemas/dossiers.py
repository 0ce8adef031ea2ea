"""Bodies of the dossiers API."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.relations.messages import DossierStateSchema
from services.relations.models.dossiers import DOSSIER_KINDS
from shared.pagination import PageArgs


class DossierPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(DOSSIER_KINDS))

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("name at least one of name, kind", field_name="_schema")


class DossierCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(DOSSIER_KINDS))
    member_ids = fields.List(fields.String(), load_default=list,
                             validate=validate.Length(max=500),
                             metadata={"description": "Relations in it from the start."})
    actions = fields.List(fields.String(), load_default=list, validate=validate.Length(max=100),
                          metadata={"description": "Keys of defined dossier actions."})


class DossierSchema(DossierStateSchema):
    pass


class DossierListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(DOSSIER_KINDS))


class DossierPageSchema(Schema):
    items = fields.List(fields.Nested(DossierSchema), required=True)
    next_cursor = fields.String(allow_none=True)
