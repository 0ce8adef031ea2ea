"""Staff users: the first superuser, adding, changing and removing staff, who may manage
whom, and changing one's own password."""

import io

import pytest
from werkzeug.test import Client

from gateway.embedded import build
from services.accounts.staff.bootstrap import first_superuser
from shared.config import ConfigError
from tests.unit.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_client, log_in

URL = "/api/accounts/staff"


def new_user(client, role="editor", email="Eva@Example.org", **extra):
    return client.post(URL, json={"email": email, "name": "Eva", "role": role,
                                  "password": "a good password", **extra})


@pytest.fixture
def root(product, api):
    """The bootstrap superuser's client."""
    return bearer_client(product.gateway, log_in(api, ADMIN_EMAIL, ADMIN_PASSWORD))


def test_the_first_superuser_comes_from_the_settings(root):
    me = root.get("/api/accounts/me").get_json()
    assert (me["email"], me["role"], me["must_change_password"]) == (ADMIN_EMAIL, "superuser",
                                                                      False)
    assert "relations:delete" in me["permissions"]


def test_without_a_password_the_first_superuser_gets_a_one_time_password(settings, capsys):
    product = build(settings.with_overrides(admin_password=""))
    try:
        printed = capsys.readouterr().err
        password = printed.split("one-time password ")[1].split()[0]
        runtime = next(r for r in product.runtimes if r.name == "accounts")
        again = io.StringIO()
        first_superuser(runtime, stderr=again)  # a second start creates nobody, prints nothing
        assert again.getvalue() == ""
        api = Client(product.gateway)
        login = api.post("/api/accounts/login", json={"email": ADMIN_EMAIL,
                                                      "password": password}).get_json()
        assert login["principal"]["must_change_password"] is True
        assert login["principal"]["permissions"] == []
        admin = bearer_client(product.gateway, login["token"])
        refused = admin.get(URL)
        assert refused.status_code == 403 and "/api/accounts/me/password" in \
            refused.get_json()["detail"]
        changed = admin.post("/api/accounts/me/password", json={
            "current_password": password, "new_password": "my very own password"})
        assert changed.status_code == 200 and changed.get_json()["must_change_password"] is False
        assert admin.get(URL).status_code == 200
    finally:
        product.stop()
    assert password not in capsys.readouterr().err


def test_a_weak_admin_password_is_refused_at_start(settings):
    with pytest.raises(ConfigError, match="CARDBOX_ADMIN_PASSWORD"):
        build(settings.with_overrides(admin_password="short"))


def test_staff_users_are_added_listed_changed_and_removed(root, api):
    created = new_user(root, must_change_password=False)
    assert created.status_code == 201
    user = created.get_json()
    assert user["role"] == "editor" and "password" not in user and "password_hash" not in user
    assert "relations:write" in user["permissions"]
    assert new_user(root, email="eva@EXAMPLE.org").status_code == 409
    first = root.get(URL, query_string={"limit": 1}).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = root.get(URL, query_string={"limit": 1, "cursor": first["next_cursor"]}).get_json()
    assert {first["items"][0]["email"], second["items"][0]["email"]} == {ADMIN_EMAIL,
                                                                         "Eva@Example.org"}
    assert second["next_cursor"] is None
    changed = root.patch(f"{URL}/{user['id']}", json={"role": "viewer", "name": "Eva B.",
                                                      "email": "eva@example.org"})
    assert (changed.get_json()["role"], changed.get_json()["name"],
            changed.get_json()["email"]) == ("viewer", "Eva B.", "eva@example.org")
    taken = root.patch(f"{URL}/{user['id']}", json={"email": ADMIN_EMAIL.upper()})
    assert taken.status_code == 409 and "email" in taken.get_json()["errors"]
    assert api.post("/api/accounts/login", json={"email": "eva@example.org",
                                                 "password": "a good password"}).status_code \
        == 200
    assert root.delete(f"{URL}/{user['id']}").status_code == 204
    assert root.get(f"{URL}/{user['id']}").status_code == 404


def test_bad_staff_bodies_are_refused_naming_the_field(root):
    for body, field in (
            ({"role": "boss"}, "role"), ({"password": "short"}, "password"),
            ({"email": "not an address"}, "email"), ({"colour": "red"}, "colour"),
            ({"password": "eva@example.org", "email": "eva@example.org"}, "password")):
        response = root.post(URL, json={"email": "eva@example.org", "name": "Eva",
                                        "role": "editor", "password": "a good password",
                                        **body})
        assert response.status_code == 422 and field in response.get_json()["errors"], body
    assert root.get(URL, query_string={"cursor": "forged"}).status_code == 422
    assert root.patch(f"{URL}/nobody", json={"name": "x"}).status_code == 404


def test_only_a_superuser_manages_superusers(root, staff_api):
    administrator = staff_api("administrator")
    assert new_user(administrator, role="superuser").status_code == 403
    superuser = new_user(root, role="superuser", email="second@example.org").get_json()
    for response in (administrator.patch(f"{URL}/{superuser['id']}", json={"name": "x"}),
                     administrator.delete(f"{URL}/{superuser['id']}")):
        assert response.status_code == 403
    editor = new_user(administrator).get_json()
    assert administrator.patch(f"{URL}/{editor['id']}",
                               json={"role": "superuser"}).status_code == 403
    assert administrator.patch(f"{URL}/{editor['id']}",
                               json={"role": "administrator"}).status_code == 200


def test_the_last_superuser_cannot_be_demoted_or_removed(root):
    me = root.get("/api/accounts/me").get_json()
    demoted = root.patch(f"{URL}/{me['id']}", json={"role": "administrator"})
    assert demoted.status_code == 409 and "role" in demoted.get_json()["errors"]
    assert root.delete(f"{URL}/{me['id']}").status_code == 409
    new_user(root, role="superuser", email="second@example.org")
    assert root.patch(f"{URL}/{me['id']}", json={"role": "administrator"}).status_code == 200


def test_managing_staff_needs_staff_manage(anonymous_api, staff_api):
    assert anonymous_api.get(URL).status_code == 401
    editor = staff_api("editor")
    assert editor.get(URL).status_code == 403
    assert new_user(editor).status_code == 403


def test_a_new_role_and_a_removal_count_at_once(root, staff_api):
    viewer = staff_api("viewer")
    assert viewer.get(URL).status_code == 403
    root.patch(f"{URL}/{viewer.user['id']}", json={"role": "administrator"})
    assert viewer.get(URL).status_code == 200
    root.delete(f"{URL}/{viewer.user['id']}")
    assert viewer.get("/api/accounts/me").status_code == 401


def test_changing_ones_own_password(product, api, staff_api):
    editor = staff_api("editor")
    other_session = bearer_client(product.gateway,
                                  log_in(api, editor.user["email"], "editor-password-123"))
    url = "/api/accounts/me/password"
    wrong = editor.post(url, json={"current_password": "not it at all",
                                   "new_password": "a brand new password"})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["errors"]
    for new in ("short", editor.user["email"], "editor-password-123"):
        weak = editor.post(url, json={"current_password": "editor-password-123",
                                      "new_password": new})
        assert weak.status_code == 422 and "new_password" in weak.get_json()["errors"], new
    assert editor.post(url, json={"current_password": "editor-password-123",
                                  "new_password": "a brand new password"}).status_code == 200
    assert editor.get("/api/accounts/me").status_code == 200
    assert other_session.get("/api/accounts/me").status_code == 401
    assert log_in(api, editor.user["email"], "a brand new password")


def test_an_administrator_setting_a_password_ends_the_users_sessions(root, staff_api):
    editor = staff_api("editor")
    reset = root.patch(f"{URL}/{editor.user['id']}", json={"password": "temporary password"})
    assert reset.get_json()["must_change_password"] is True
    assert editor.get("/api/accounts/me").status_code == 401
