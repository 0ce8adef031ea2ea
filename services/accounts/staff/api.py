"""The staff users HTTP API and a staff user's own profile (under /api/accounts)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.accounts.login import bearer_token
from services.accounts.staff import handlers
from services.accounts.staff.schemas import (
    PasswordChangeSchema,
    StaffChangeSchema,
    StaffCreateSchema,
    StaffPageSchema,
    StaffSchema,
)
from shared import context
from shared.access import requires, staff_only
from shared.http import unit_of_work
from shared.pagination import PageArgs
from shared.permissions import STAFF_MANAGE

staff = Blueprint("staff", __name__, url_prefix="/api/accounts/staff",
                  description="Staff users and their roles (needs staff:manage; only a "
                              "superuser manages superusers).")
me = Blueprint("me", __name__, url_prefix="/api/accounts/me",
               description="The signed-in staff user's own profile and password.")



@staff.route("")
@requires(STAFF_MANAGE)
class StaffUsers(MethodView):
    @staff.arguments(PageArgs, location="query")
    @staff.response(200, StaffPageSchema)
    def get(self, args):
        """Staff users by e-mail address, a page at a time."""
        items, next_cursor = handlers.list_staff(unit_of_work(), limit=args["limit"],
                                                 cursor=args.get("cursor"))
        return {"items": items, "next_cursor": next_cursor}

    @staff.arguments(StaffCreateSchema)
    @staff.response(201, StaffSchema)
    def post(self, data):
        """Add a staff user with a role and a first password (to be changed at first login
        unless must_change_password is false)."""
        actor = context.principal()
        return handlers.create_staff(unit_of_work(), data, actor), 201


@staff.route("/<user_id>")
@requires(STAFF_MANAGE)
class StaffUser(MethodView):
    @staff.response(200, StaffSchema)
    def get(self, user_id):
        """One staff user."""
        return handlers.get_staff(unit_of_work(), user_id)

    @staff.arguments(StaffChangeSchema)
    @staff.response(200, StaffSchema)
    def patch(self, data, user_id):
        """Change a staff user's name, e-mail address, role or password; the last superuser
        keeps that role (409)."""
        actor = context.principal()
        return handlers.change_staff(unit_of_work(), user_id, data, actor)

    @staff.response(204)
    def delete(self, user_id):
        """Remove a staff user and end their sessions; never the last superuser (409)."""
        actor = context.principal()
        handlers.delete_staff(unit_of_work(), user_id, actor)


@me.get("")
@staff_only
@me.response(200, StaffSchema)
def profile():
    """The signed-in staff user, with their role and permissions."""
    return handlers.own_profile(unit_of_work(), context.principal())


@me.post("/password")
@staff_only
@me.arguments(PasswordChangeSchema)
@me.response(200, StaffSchema)
def change_password(data):
    """Change your own password (also the one-time password of a first login); your other
    sessions end, this one stays."""
    return handlers.change_own_password(unit_of_work(), context.principal(),
                                        data["current_password"], data["new_password"],
                                        bearer_token(request.headers.get("Authorization")))
