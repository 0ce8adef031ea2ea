"""Relation lists: saved filters whose members are whoever matches when the list is read."""

from shared.testing import wait_until

LISTS = "/api/selections/lists"


def city(name):
    return {"field": "city", "op": "eq", "value": name}


def person(api, last_name, town):
    return api.post("/api/relations/relations", json={
        "type": "person", "last_name": last_name, "address": {"city": town}}).get_json()


def members(api, list_id):
    return api.get(f"{LISTS}/{list_id}/members").get_json()


def test_a_list_is_dynamic_its_members_are_whoever_matches_now(api):
    saved = api.post(LISTS, json={"name": "Delft", "filter": city("Delft")})
    assert saved.status_code == 201
    list_id = saved.get_json()["id"]
    first = person(api, "Een", "Delft")
    person(api, "Twee", "Gouda")
    wait_until(lambda: members(api, list_id)["count"] == 1, message="the first member")
    assert [m["id"] for m in members(api, list_id)["items"]] == [first["id"]]
    person(api, "Drie", "Delft")
    wait_until(lambda: members(api, list_id)["count"] == 2, message="a new member")
    renamed = api.patch(f"{LISTS}/{list_id}", json={"name": "Delftenaren"})
    assert renamed.get_json()["name"] == "Delftenaren"
    assert [item["name"] for item in api.get(LISTS).get_json()] == ["Delftenaren"]


def test_a_filter_names_a_list_with_in_list(api):
    delft = api.post(LISTS, json={"name": "Delft", "filter": city("Delft")}).get_json()
    person(api, "Vier", "Delft")
    person(api, "Vijf", "Delft")
    wait_until(lambda: members(api, delft["id"])["count"] == 2)
    narrowed = api.post("/api/selections/filters/count", json={"filter": {"and": [
        {"in_list": delft["id"]}, {"field": "last_name", "op": "eq", "value": "Vier"}]}})
    assert narrowed.get_json() == {"count": 1}
    unknown = api.post("/api/selections/filters/count", json={"filter": {"in_list": "nope"}})
    assert unknown.status_code == 422 and "filter.in_list" in unknown.get_json()["errors"]


def test_a_list_may_not_include_itself_and_one_in_use_is_not_deleted(api):
    base = api.post(LISTS, json={"name": "Basis", "filter": city("Delft")}).get_json()
    user = api.post(LISTS, json={"name": "Gebruiker", "filter": {"in_list": base["id"]}})
    assert user.status_code == 201
    cycle = api.patch(f"{LISTS}/{base['id']}", json={"filter": {"in_list": user.get_json()[
        "id"]}})
    assert cycle.status_code == 422 and "filter" in cycle.get_json()["errors"]
    refused = api.delete(f"{LISTS}/{base['id']}")
    assert refused.status_code == 409
    assert refused.get_json()["used_by"][0]["name"] == "Gebruiker"
    assert api.delete(f"{LISTS}/{user.get_json()['id']}").status_code == 204
    assert api.delete(f"{LISTS}/{base['id']}").status_code == 204
    assert api.get(f"{LISTS}/{base['id']}").status_code == 404


def test_a_list_with_a_bad_filter_is_refused_naming_the_node(api):
    response = api.post(LISTS, json={"name": "Fout", "filter": {"field": "shoe", "op": "eq",
                                                                 "value": 1}})
    assert response.status_code == 422
    assert "filter.field" in response.get_json()["errors"]
    assert api.post(LISTS, json={"filter": city("X")}).status_code == 422
