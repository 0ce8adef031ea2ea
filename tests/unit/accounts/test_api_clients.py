"""API clients: scoped keys shown once, stored hashed, revocable and rotatable."""

from sqlalchemy import select

from services.accounts.api_clients.models import ApiClient
from services.accounts.tokens import digest

URL = "/api/accounts/api-clients"


def key_client(api, key, scheme="ApiKey"):
    return lambda path: api.get(path, headers={"Authorization": f"{scheme} {key}"})


def create(admin, scopes=("relations:read",), name="CRM"):
    return admin.post(URL, json={"name": name, "scopes": list(scopes)})


def test_a_key_is_shown_once_stored_hashed_and_works(staff_api, api, product):
    admin = staff_api("administrator")
    created = create(admin, scopes=["staff:manage", "relations:read"])
    assert created.status_code == 201
    client = created.get_json()
    key = client["key"]
    assert key.startswith(f"cbx_{client['id']}_") and client["scopes"] == ["relations:read",
                                                                            "staff:manage"]
    assert "key" not in admin.get(f"{URL}/{client['id']}").get_json()
    assert all("key" not in item for item in admin.get(URL).get_json()["items"])
    runtime = next(r for r in product.runtimes if r.name == "accounts")
    with runtime.unit_of_work() as uow:
        stored = uow.session.scalar(select(ApiClient.secret_hash))
    assert stored == digest(key.split("_", 2)[2]) and key not in stored
    for scheme in ("ApiKey", "Bearer"):
        assert key_client(api, key, scheme)("/api/accounts/staff").status_code == 200
    assert admin.get(f"{URL}/{client['id']}").get_json()["last_used_at"]


def test_a_key_holds_only_its_scopes(staff_api, api):
    key = create(staff_api("administrator"), scopes=["relations:read"]).get_json()["key"]
    refused = key_client(api, key)("/api/accounts/staff")
    assert refused.status_code == 403 and "staff:manage" in refused.get_json()["detail"]


def test_scopes_must_be_permissions_and_never_permanent_delete(staff_api):
    admin = staff_api("administrator")
    for scopes in (["relations:fly"], ["relations:delete"], ["relations:read", "root"]):
        response = create(admin, scopes=scopes)
        assert response.status_code == 422 and "scopes" in response.get_json()["errors"]
    for body, field in (({"scopes": []}, "name"), ({"name": "x"}, "scopes"),
                        ({"name": "x", "scopes": [], "owner": "me"}, "owner")):
        response = admin.post(URL, json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]
    assert admin.get(URL).get_json()["items"] == []


def test_a_revoked_key_stops_at_once(staff_api, api):
    admin = staff_api("administrator")
    client = create(admin).get_json()
    assert admin.delete(f"{URL}/{client['id']}").status_code == 204
    assert key_client(api, client["key"])("/api/accounts/me").status_code == 401
    assert admin.get(f"{URL}/{client['id']}").get_json()["status"] == "revoked"
    assert admin.post(f"{URL}/{client['id']}/rotate", json={}).status_code == 409
    assert admin.delete(f"{URL}/nothing1").status_code == 404


def test_rotation_ends_the_old_key_at_once_or_after_a_grace_period(staff_api, api):
    admin = staff_api("administrator")
    client = create(admin, scopes=["staff:manage"]).get_json()
    rotated = admin.post(f"{URL}/{client['id']}/rotate")  # no body: no grace period
    assert rotated.status_code == 200
    second = rotated.get_json()["key"]
    assert key_client(api, client["key"])("/api/accounts/staff").status_code == 401
    assert key_client(api, second)("/api/accounts/staff").status_code == 200
    graced = admin.post(f"{URL}/{client['id']}/rotate", json={"grace_seconds": 600}).get_json()
    assert graced["previous_key_expires_at"]
    for key in (second, graced["key"]):
        assert key_client(api, key)("/api/accounts/staff").status_code == 200
    admin.post(f"{URL}/{client['id']}/rotate", json={"grace_seconds": 0})
    assert key_client(api, graced["key"])("/api/accounts/staff").status_code == 401
    too_long = admin.post(f"{URL}/{client['id']}/rotate", json={"grace_seconds": 10**9})
    assert too_long.status_code == 422 and "grace_seconds" in too_long.get_json()["errors"]


def test_api_clients_are_listed_a_page_at_a_time(staff_api):
    admin = staff_api("administrator")
    ids = [create(admin, name=f"system {n}").get_json()["id"] for n in range(3)]
    first = admin.get(URL, query_string={"limit": 2}).get_json()
    second = admin.get(URL, query_string={"limit": 2, "cursor": first["next_cursor"]}).get_json()
    assert [c["id"] for c in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_managing_api_clients_needs_api_clients_manage(staff_api, anonymous_api):
    assert anonymous_api.get(URL).status_code == 401
    editor = staff_api("editor")
    assert editor.get(URL).status_code == 403
    assert create(editor).status_code == 403
