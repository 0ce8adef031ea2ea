"""Custom fields: what administrators add to the relation card."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import fields as handlers
from services.relations.schemas.common import ConfirmArgs
from services.relations.schemas.fields import (
    FieldChangeSchema,
    FieldCreateSchema,
    FieldSchema,
)
from shared.access import requires
from shared.permissions import DEFINITIONS_MANAGE

custom_fields = Blueprint("fields", __name__, url_prefix="/api/relations/fields",
                          description="Custom fields of the relation card.")


@custom_fields.route("")
class Fields(MethodView):
    @custom_fields.response(200, FieldSchema(many=True))
    def get(self):
        """Every custom field, by key."""
        return handlers.list_fields(uow())

    @requires(DEFINITIONS_MANAGE)
    @custom_fields.arguments(FieldCreateSchema)
    @custom_fields.response(201, FieldSchema)
    def post(self, data):
        """Define a custom field: checkbox, choice, multi_choice, text, long_text, date or
        number; optional or required; for persons, organisations or both."""
        return handlers.define_field(uow(), data), 201


@custom_fields.route("/<key>")
class Field(MethodView):
    @custom_fields.response(200, FieldSchema)
    def get(self, key):
        """One custom field."""
        return handlers.get_field(uow(), key)

    @requires(DEFINITIONS_MANAGE)
    @custom_fields.arguments(FieldChangeSchema)
    @custom_fields.arguments(ConfirmArgs, location="query", as_kwargs=True)
    @custom_fields.response(200, FieldSchema)
    def patch(self, data, key, confirm):
        """Change a field's label, rules or options. Renaming an option's label keeps the
        values; removing an option that relations hold needs confirm=true (409 says how many)."""
        return handlers.change_field(uow(), key, data, confirm=confirm)

    @requires(DEFINITIONS_MANAGE)
    @custom_fields.arguments(ConfirmArgs, location="query", as_kwargs=True)
    @custom_fields.response(204)
    def delete(self, key, confirm):
        """Delete a field; if relations hold values for it, only with confirm=true (409 says
        how many)."""
        handlers.delete_field(uow(), key, confirm=confirm)
