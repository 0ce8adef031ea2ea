"""The permission map and the check every view makes."""

import pytest

from shared.auth import Principal
from shared.context import acting_as
from shared.errors import Forbidden, Unauthenticated
from shared.permissions import PERMISSIONS, ROLES, permissions_for_roles, require


def test_each_role_holds_what_the_contract_gives_it():
    viewer = set(permissions_for_roles(["viewer"]))
    editor = set(permissions_for_roles(["editor"]))
    administrator = set(permissions_for_roles(["administrator"]))
    assert viewer == {"relations:read", "selections:read", "bulk:read", "accounts:read"}
    assert editor - viewer == {"relations:write", "relations:archive", "relations:merge",
                               "selections:write", "bulk:run"}
    assert administrator - editor == {"definitions:manage", "accounts:manage", "staff:manage",
                                      "api_clients:manage"}
    assert "relations:delete" not in administrator
    assert permissions_for_roles(["superuser"]) == PERMISSIONS
    assert set(ROLES) == {"viewer", "editor", "administrator", "superuser"}


def test_roles_add_up_and_unknown_roles_grant_nothing():
    assert permissions_for_roles(["viewer", "nobody"]) == permissions_for_roles(["viewer"])
    assert permissions_for_roles(["nobody"]) == ()
    assert permissions_for_roles(["viewer", "editor"]) == permissions_for_roles(["editor"])


def test_require_answers_the_principal_who_holds_the_permission():
    editor = Principal(kind="staff", id="e", roles=("editor",),
                       permissions=permissions_for_roles(["editor"]))
    with acting_as(editor):
        assert require("relations:write") is editor
        with pytest.raises(Forbidden) as refused:
            require("relations:delete")
    assert refused.value.status == 403 and "relations:delete" in refused.value.detail


def test_require_refuses_an_anonymous_caller_with_401():
    for nobody in (None, Principal.anonymous()):
        with acting_as(nobody), pytest.raises(Unauthenticated) as refused:
            require("relations:read")
        assert refused.value.status == 401


def test_roles_alone_grant_nothing_without_resolved_permissions():
    with acting_as(Principal(kind="staff", id="x", roles=("superuser",))), \
            pytest.raises(Forbidden):
        require("relations:read")


def test_an_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError):
        require("relations:fly")
