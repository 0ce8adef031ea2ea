"""Bodies of the functions API: a relation holding a role at another, for a period."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from services.relations.models.functions import ROLE_MAX
from services.relations.schemas.text import SingleLine
from shared.pagination import PageArgs

_ROLE = {"description": "Free text: director, board member, employee, contact person, ... "
                        "Compared without regard to case."}


def _role(**kwargs) -> SingleLine:
    return SingleLine(validate=validate.Length(min=1, max=ROLE_MAX), metadata=_ROLE, **kwargs)


class FunctionCreateSchema(Schema):
    organisation_id = fields.String(metadata={
        "description": "The relation at which the path relation holds the role."})
    relation_id = fields.String(metadata={
        "description": "Instead of organisation_id: the relation that holds the role at the "
                       "path relation."})
    role = _role(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, metadata={
        "description": "The last day the role is held; none while it runs."})


class FunctionPatchSchema(Schema):
    role = _role()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True, metadata={
        "description": "Set it to end the function; null opens it again."})

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise SchemaError("name at least one field to change", field_name="_schema")


class FunctionListArgs(PageArgs):
    active = fields.Boolean(metadata={
        "description": "true: held today; false: ended, or not started yet."})
    role = SingleLine(validate=validate.Length(min=1, max=ROLE_MAX), metadata=_ROLE)


class RelationRefSchema(Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    display_name = fields.String(required=True)


class _FunctionBase(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    start_date = fields.String(required=True)
    end_date = fields.String(allow_none=True, required=True)
    active = fields.Boolean(required=True, metadata={"description": "Held today."})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class FunctionViewSchema(_FunctionBase):
    """A function seen from one relation: "Jan holds director at Acme" or "Acme is held by
    Jan as director"."""

    relation = fields.Nested(RelationRefSchema, required=True, metadata={
        "description": "The relation whose functions these are."})
    other = fields.Nested(RelationRefSchema, required=True)
    direction = fields.String(required=True, validate=validate.OneOf(("holds", "held_by")),
                              metadata={"description": "holds: `relation` holds the role at "
                                                       "`other`; held_by: `other` holds it at "
                                                       "`relation`."})


class FunctionSchema(_FunctionBase):
    relation = fields.Nested(RelationRefSchema, required=True, metadata={
        "description": "Who holds the role."})
    organisation = fields.Nested(RelationRefSchema, required=True, metadata={
        "description": "Where the role is held."})


class FunctionPageSchema(Schema):
    items = fields.List(fields.Nested(FunctionViewSchema), required=True)
    next_cursor = fields.String(allow_none=True)
