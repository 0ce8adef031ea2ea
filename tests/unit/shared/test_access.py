"""shared.access on its own: where a view's declaration is found, and who each kind of route
lets in."""

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint

from shared import access
from shared.access import RoutePermissions, portal_only, requires
from shared.auth import Principal
from shared.errors import Forbidden, Unauthenticated
from shared.permissions import permissions_for_roles

DEFAULTS = RoutePermissions(read="relations:read", write="relations:write")
blueprint = Blueprint("things", __name__)


@blueprint.route("/things")
@portal_only
class Things(MethodView):
    @blueprint.response(200)
    def get(self):
        return {}

    @requires("relations:merge")
    @blueprint.response(200)
    def post(self):
        return {}


@blueprint.post("/undecorated")
@blueprint.response(200)
def undecorated():
    return {}


@blueprint.post("/marked")
@blueprint.response(200)
@requires("relations:delete")  # innermost: the decorators above copy the mark
def marked():
    return {}


def test_a_declaration_is_found_wherever_it_sits_and_the_defaults_fill_in():
    things = Things.as_view("things")
    assert access.resolve(things, "GET", DEFAULTS) == access.PORTAL  # the class's
    assert access.resolve(things, "HEAD", DEFAULTS) == access.PORTAL
    assert access.resolve(things, "POST", DEFAULTS) == "relations:merge"  # the method's own
    assert access.resolve(marked, "POST", DEFAULTS) == "relations:delete"
    assert access.resolve(undecorated, "POST", DEFAULTS) == "relations:write"
    assert access.resolve(undecorated, "GET", DEFAULTS) == "relations:read"
    assert access.resolve(undecorated, "POST", None) is None


def test_unknown_permissions_are_refused_when_declared():
    with pytest.raises(ValueError):
        requires("relations:fly")
    with pytest.raises(ValueError):
        RoutePermissions(read="relations:read", write="everything")


def staff(role):
    return Principal(kind="staff", id=role, roles=(role,),
                     permissions=permissions_for_roles([role]))


PORTAL = Principal(kind="portal", id="account-1", relation_id="relation-1")
CRM = Principal(kind="api_client", id="crm", permissions=("relations:read",))


@pytest.mark.parametrize("needed, principal, refusal", [
    (access.OPEN, Principal.anonymous(), None),
    ("relations:read", Principal.anonymous(), Unauthenticated),
    (access.SIGNED_IN, Principal.anonymous(), Unauthenticated),
    ("relations:read", staff("viewer"), None),
    ("relations:write", staff("viewer"), Forbidden),
    ("relations:delete", staff("administrator"), Forbidden),
    ("relations:delete", staff("superuser"), None),
    ("relations:read", CRM, None),
    ("relations:write", CRM, Forbidden),
    (access.STAFF, CRM, Forbidden),
    (access.STAFF, staff("viewer"), None),
    (access.PORTAL, staff("superuser"), Forbidden),
    (access.PORTAL, PORTAL, None),
    (access.SIGNED_IN, PORTAL, None),
    ("relations:read", PORTAL, Forbidden),
    (access.SYSTEM, staff("superuser"), Forbidden),
    (access.SYSTEM, Principal.system("gateway"), None),
    ("relations:delete", Principal.system("gateway"), None),
    (None, staff("superuser"), Forbidden),  # a route nobody declared
])
def test_who_each_route_lets_in(needed, principal, refusal):
    if refusal is None:
        access.admit(needed, principal, auth_required=True)
    else:
        with pytest.raises(refusal):
            access.admit(needed, principal, auth_required=True)


def test_without_auth_required_anonymous_callers_pass_all_but_the_platform_routes():
    access.admit("relations:delete", Principal.anonymous(), auth_required=False)
    with pytest.raises(Unauthenticated):
        access.admit(access.SYSTEM, Principal.anonymous(), auth_required=False)
