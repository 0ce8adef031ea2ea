"""Bodies of the staff, me and login HTTP API."""

from marshmallow import Schema, fields, validate

from services.accounts.staff.models import STAFF_ROLES

EMAIL = validate.Length(max=320)
PASSWORD = validate.Length(min=1, max=1000)




class StaffChangeSchema(Schema):
    email = fields.Email(validate=EMAIL)
    name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(STAFF_ROLES))
    password = fields.String(load_only=True, validate=PASSWORD,
                             metadata={"description": "A new password (at least 10 "
                                                      "characters, not the e-mail address)."})
    must_change_password = fields.Boolean(
        metadata={"description": "Whether the user must choose a new password at the next "
                                 "login; true by default when a password is set here."})


class StaffCreateSchema(StaffChangeSchema):
    email = fields.Email(required=True, validate=EMAIL)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class StaffSchema(Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    permissions = fields.List(fields.String())
    must_change_password = fields.Boolean()
    version = fields.Integer()
    created_at = fields.String()
    updated_at = fields.String()
    last_login_at = fields.String(allow_none=True)


class StaffPageSchema(Schema):
    items = fields.List(fields.Nested(StaffSchema))
    next_cursor = fields.String(allow_none=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=PASSWORD)
    new_password = fields.String(required=True, validate=PASSWORD)


class LoginSchema(Schema):
    # Not checked as an address: a malformed one gets the same 401 as an unknown one.
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(required=True, validate=PASSWORD)
    kind = fields.String(load_default="staff", validate=validate.OneOf(("staff", "portal")))


class PrincipalSchema(Schema):
    kind = fields.String()
    id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    scopes = fields.List(fields.String())
    permissions = fields.List(fields.String())
    relation_id = fields.String(allow_none=True)
    must_change_password = fields.Boolean(
        metadata={"description": "Present and true when the user may do nothing but change "
                                 "their password (POST /api/accounts/me/password)."})


class LoginAnswerSchema(Schema):
    token = fields.String(metadata={"description": "Send as Authorization: Bearer <token>."})
    expires_at = fields.String()
    principal = fields.Nested(PrincipalSchema)


class AuthenticateSchema(Schema):
    authorization = fields.String(required=True, validate=validate.Length(min=1, max=4096))
