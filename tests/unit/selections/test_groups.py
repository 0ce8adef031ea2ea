"""Groups: created, read, changed and deleted, with every refusal naming its field; cycles
through groups and lists refused; a group or list in use is not deleted."""

import pytest

GROUPS = "/api/selections/groups"
LISTS = "/api/selections/lists"


def city(name):
    return {"field": "city", "op": "eq", "value": name}


def created(response):
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def make(api, name, kind="static", **fields):
    return created(api.post(GROUPS, json={"name": name, "kind": kind, **fields}))


def refused(response, status, *fields):
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    for field in fields:
        assert field in problem["errors"], problem
    return problem


def test_a_group_of_each_kind_is_created_read_listed_and_changed(selections):
    api = selections.api
    selections.add(address={"city": "Delft"})
    static = make(api, "Koor", description="Zingt", visible_on_portal=True,
                  changeable_on_portal=True)
    assert static["kind"] == "static" and static["member_count"] == 0
    assert static["evaluated_at"] is None and static["changeable_on_portal"] is True
    dynamic = make(api, "Delft", "dynamic", filter=city("Delft"))
    assert dynamic["member_count"] == 1 and dynamic["evaluated_at"]
    union = make(api, "Samen", "composite", combine="union",
                 groups=[static["id"], dynamic["id"]])
    assert union["groups"] == [static["id"], dynamic["id"]] and union["member_count"] == 1
    assert api.get(f"{GROUPS}/{union['id']}").get_json() == union
    renamed = api.patch(f"{GROUPS}/{static['id']}", json={"name": "Zangkoor",
                                                          "visible_on_portal": True})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Zangkoor"
    page = api.get(f"{GROUPS}?limit=2").get_json()
    assert [g["name"] for g in page["items"]] == ["Delft", "Samen"]
    rest = api.get(f"{GROUPS}?limit=2&cursor={page['next_cursor']}").get_json()
    assert [g["name"] for g in rest["items"]] == ["Zangkoor"] and rest["next_cursor"] is None
    only = api.get(f"{GROUPS}?kind=dynamic").get_json()["items"]
    assert [g["id"] for g in only] == [dynamic["id"]]


def test_unknown_groups_are_404_and_a_bad_cursor_or_kind_is_422(selections):
    api = selections.api
    assert api.get(f"{GROUPS}/nope").status_code == 404
    assert api.patch(f"{GROUPS}/nope", json={"name": "x"}).status_code == 404
    assert api.delete(f"{GROUPS}/nope").status_code == 404
    refused(api.get(f"{GROUPS}?cursor=bogus"), 422, "cursor")
    refused(api.get(f"{GROUPS}?kind=odd"), 422)


@pytest.mark.parametrize(("body", "fields"), [
    ({"kind": "static"}, ["name"]),
    ({"name": "G", "kind": "odd"}, ["kind"]),
    ({"name": "G", "kind": "static", "filter": city("X")}, ["filter"]),
    ({"name": "G", "kind": "static", "groups": [], "combine": "union"}, ["groups", "combine"]),
    ({"name": "G", "kind": "dynamic"}, ["filter"]),
    ({"name": "G", "kind": "dynamic", "filter": {"field": "shoe", "op": "eq", "value": 1}},
     ["filter.field"]),
    ({"name": "G", "kind": "dynamic", "filter": {"and": [city("X"), {"tag": 3}]}},
     ["filter.and[1].tag"]),
    ({"name": "G", "kind": "dynamic", "filter": {"in_group": "nope"}}, ["filter.in_group"]),
    ({"name": "G", "kind": "composite", "groups": ["a"]}, ["combine"]),
    ({"name": "G", "kind": "composite", "combine": "union"}, ["groups"]),
    ({"name": "G", "kind": "composite", "combine": "union", "groups": []}, ["groups"]),
    ({"name": "G", "kind": "composite", "combine": "nope", "groups": ["a"]}, ["combine"]),
    ({"name": "G", "kind": "dynamic", "filter": city("X"), "changeable_on_portal": True,
      "visible_on_portal": True}, ["changeable_on_portal"]),
    ({"name": "G", "kind": "static", "changeable_on_portal": True}, ["changeable_on_portal"]),
    ({"name": "G", "kind": "static", "colour": "red"}, ["colour"]),
])
def test_a_group_that_does_not_fit_its_kind_is_refused_naming_the_field(selections, body,
                                                                         fields):
    refused(selections.api.post(GROUPS, json=body), 422, *fields)
    assert selections.api.get(GROUPS).get_json()["items"] == []


def test_composite_groups_need_known_distinct_groups_enough_for_their_combination(selections):
    api = selections.api
    a, b = make(api, "A")["id"], make(api, "B")["id"]
    problem = refused(api.post(GROUPS, json={"name": "C", "kind": "composite",
                                             "combine": "union", "groups": [a, "nope", a]}),
                      422, "groups[1]", "groups[2]")
    assert "nope" in problem["errors"]["groups[1]"][0]
    for combine in ("intersection", "difference"):
        refused(api.post(GROUPS, json={"name": "C", "kind": "composite", "combine": combine,
                                       "groups": [a]}), 422, "groups")
    both = make(api, "C", "composite", combine="intersection", groups=[a, b])
    refused(api.patch(f"{GROUPS}/{both['id']}", json={"groups": [a]}), 422, "groups")
    assert api.patch(f"{GROUPS}/{both['id']}", json={"combine": "union",
                                                     "groups": [a]}).status_code == 200


def test_the_kind_does_not_change_and_fields_stay_with_their_kind(selections):
    api = selections.api
    static = make(api, "S")
    dynamic = make(api, "D", "dynamic", filter=city("X"))
    problem = refused(api.patch(f"{GROUPS}/{static['id']}", json={"kind": "dynamic"}), 422,
                      "kind")
    assert "does not change" in problem["errors"]["kind"][0]
    assert api.patch(f"{GROUPS}/{static['id']}", json={"kind": "static"}).status_code == 200
    refused(api.patch(f"{GROUPS}/{static['id']}", json={"filter": city("Y")}), 422, "filter")
    refused(api.patch(f"{GROUPS}/{dynamic['id']}", json={"groups": [static["id"]]}), 422,
            "groups")
    refused(api.patch(f"{GROUPS}/{dynamic['id']}", json={"filter": {"nope": 1}}), 422,
            "filter")
    assert api.get(f"{GROUPS}/{dynamic['id']}").get_json()["filter"] == city("X")


def test_portal_flags_changeable_is_for_visible_static_groups(selections):
    api = selections.api
    group = make(api, "P", visible_on_portal=True, changeable_on_portal=True)
    problem = refused(api.patch(f"{GROUPS}/{group['id']}", json={"visible_on_portal": False}),
                      422, "visible_on_portal")
    assert "visible" in problem["detail"]
    hidden = api.patch(f"{GROUPS}/{group['id']}", json={"visible_on_portal": False,
                                                        "changeable_on_portal": False})
    assert hidden.get_json()["visible_on_portal"] is False
    refused(api.post(GROUPS, json={"name": "Q", "kind": "static", "visible_on_portal": False,
                                   "changeable_on_portal": True}), 422, "changeable_on_portal")


def test_names_are_unique_whatever_their_case(selections):
    api = selections.api
    first = make(api, "Ångström")
    response = api.post(GROUPS, json={"name": "ÅNGSTRÖM", "kind": "static"})
    assert response.status_code == 409 and "name" in response.get_json()["errors"]
    other = make(api, "Other")
    assert api.patch(f"{GROUPS}/{other['id']}", json={"name": "ångström"}).status_code == 409
    assert api.patch(f"{GROUPS}/{first['id']}", json={"name": "ångström"}).status_code == 200


def test_a_cycle_through_groups_and_lists_is_refused_naming_it(selections):
    api = selections.api
    base = make(api, "Base", "dynamic", filter=city("X"))
    middle = created(api.post(LISTS, json={"name": "Middle", "filter": {"in_group": base[
        "id"]}}))
    top = make(api, "Top", "composite", combine="union", groups=[base["id"]])
    problem = refused(api.patch(f"{GROUPS}/{base['id']}", json={"filter": {"in_list": middle[
        "id"]}}), 422, "filter")
    assert "group 'Base' → list 'Middle' → group 'Base'" in problem["detail"]
    problem = refused(api.patch(f"{GROUPS}/{base['id']}", json={"filter": {"not": {
        "in_group": top["id"]}}}), 422, "filter")
    assert "group 'Base' → group 'Top' → group 'Base'" in problem["detail"]
    refused(api.patch(f"{GROUPS}/{top['id']}", json={"groups": [top["id"]]}), 422, "groups")
    problem = refused(api.patch(f"{LISTS}/{middle['id']}", json={"filter": {"and": [
        {"in_group": base["id"]}, {"in_list": middle["id"]}]}}), 422, "filter")
    assert "list 'Middle' → list 'Middle'" in problem["detail"]
    assert api.get(f"{GROUPS}/{base['id']}").get_json()["filter"] == city("X")


def test_a_group_or_list_in_use_is_not_deleted_and_the_refusal_names_the_users(selections):
    api = selections.api
    base = make(api, "Base")
    union = make(api, "Union", "composite", combine="union", groups=[base["id"]])
    user = make(api, "User", "dynamic", filter={"in_group": base["id"]})
    listed = created(api.post(LISTS, json={"name": "Listed", "filter": {"in_group": base[
        "id"]}}))
    response = api.delete(f"{GROUPS}/{base['id']}")
    assert response.status_code == 409
    assert [(u["kind"], u["name"]) for u in response.get_json()["used_by"]] == [
        ("group", "Union"), ("group", "User"), ("list", "Listed")]
    reader = make(api, "Reader", "dynamic", filter={"in_list": listed["id"]})
    response = api.delete(f"{LISTS}/{listed['id']}")
    assert response.status_code == 409
    assert response.get_json()["used_by"] == [{"kind": "group", "id": reader["id"],
                                               "name": "Reader"}]
    for path in (f"{GROUPS}/{reader['id']}", f"{LISTS}/{listed['id']}",
                 f"{GROUPS}/{user['id']}", f"{GROUPS}/{union['id']}", f"{GROUPS}/{base['id']}"):
        assert api.delete(path).status_code == 204, path
    assert api.get(GROUPS).get_json()["items"] == []


def test_a_group_a_selection_takes_its_members_from_is_not_deleted(selections):
    api = selections.api
    base = make(api, "Base", "dynamic", filter=city("Delft"))
    snapshot = created(api.post("/api/selections/selections", json={
        "name": "Snapshot", "source": {"group": base["id"]}}))
    response = api.delete(f"{GROUPS}/{base['id']}")
    assert response.status_code == 409
    assert response.get_json()["used_by"] == [{"kind": "selection", "id": snapshot["id"],
                                               "name": "Snapshot"}]
    # A snapshot is not evaluated through, so no cycle: "new in Delft since the snapshot".
    newcomers = api.patch(f"{GROUPS}/{base['id']}", json={"filter": {"and": [
        city("Delft"), {"not": {"in_selection": snapshot["id"]}}]}})
    assert newcomers.status_code == 200, newcomers.get_json()
