"""Kinds of portal account, configured by administrators."""


def test_account_types_are_defined_changed_and_removed(staff_api):
    api = staff_api("administrator")
    created = api.post("/api/accounts/account-types", json={"key": "member", "label": "Member"})
    assert created.status_code == 201
    assert api.post("/api/accounts/account-types",
                    json={"key": "member", "label": "Again"}).status_code == 409
    changed = api.patch("/api/accounts/account-types/member", json={"label": "Full member"})
    assert changed.get_json()["label"] == "Full member"
    assert [t["key"] for t in api.get("/api/accounts/account-types").get_json()] == ["member"]
    assert api.delete("/api/accounts/account-types/member").status_code == 204
    assert api.get("/api/accounts/account-types/member").status_code == 404


def test_a_bad_account_type_is_refused_naming_the_field(staff_api):
    api = staff_api("administrator")
    for body, field in (({"key": "Member!", "label": "x"}, "key"), ({"key": "member"}, "label"),
                        ({"key": "member", "label": "x", "colour": "red"}, "colour")):
        response = api.post("/api/accounts/account-types", json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"]


def test_account_types_need_the_accounts_permissions(anonymous_api, staff_api):
    assert anonymous_api.get("/api/accounts/account-types").status_code == 401
    editor = staff_api("editor")
    assert editor.get("/api/accounts/account-types").status_code == 200
    refused = editor.post("/api/accounts/account-types", json={"key": "member", "label": "M"})
    assert refused.status_code == 403 and "accounts:manage" in refused.get_json()["detail"]
