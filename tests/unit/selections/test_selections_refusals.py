"""Selections refused with the bad part named, nothing half applied; in_selection in filters,
and a selection in use is not deleted."""

import pytest

from tests.unit.selections.test_selections import SELECTIONS, city, create, member_ids


def refused(response, status=422):
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize(("source", "path"), [
    (None, "source"),
    ({}, "source"),
    ({"filter": city("Delft"), "list": "x"}, "source"),
    ({"query": "Delft"}, "source"),
    ({"filter": {"field": "shoe", "op": "eq", "value": 1}}, "source.filter.field"),
    ({"filter": {"and": [city("Delft"), {"tag": 3}]}}, "source.filter.and[1].tag"),
    ({"list": "nope"}, "source.list"),
    ({"group": "nope"}, "source.group"),
    ({"list": 7}, "source.list"),
])
def test_a_bad_source_is_named(selections, source, path):
    problem = refused(selections.api.post(SELECTIONS, json={"name": "S", "source": source}))
    assert path in problem["errors"], problem
    assert selections.api.get(SELECTIONS).get_json()["items"] == []


def test_a_body_is_checked_whole(selections):
    missing = refused(selections.api.post(SELECTIONS, json={"source": {"filter": city("X")}}))
    assert "name" in missing["errors"]
    unknown = refused(selections.api.post(SELECTIONS, json={
        "name": "S", "source": {"filter": city("X")}, "members": []}))
    assert "members" in unknown["errors"]
    both = refused(selections.api.post(SELECTIONS, json={
        "name": "S", "source": {"list": "nope"}, "schedule": {"cron": "never"}}))
    assert {"source.list", "schedule.cron"} <= set(both["errors"])


def test_an_unknown_selection_is_404_everywhere(selections):
    base = f"{SELECTIONS}/nope"
    api = selections.api
    for response in (api.get(base), api.patch(base, json={"name": "x"}), api.delete(base),
                     api.post(f"{base}/refresh", json={}), api.get(f"{base}/members"),
                     api.get(f"{base}/refreshes"), api.get(f"{base}/edits"),
                     api.post(f"{base}/members", json={"relation_ids": ["r"]}),
                     api.post(f"{base}/members/remove", json={"relation_ids": ["r"]})):
        refused(response, 404)


def test_hand_edits_and_pages_are_checked(selections):
    created = create(selections, source={"filter": city("Delft")})
    path = f"{SELECTIONS}/{created['id']}"
    for body in ({}, {"relation_ids": []}, {"relation_ids": ["r"] * 10_001},
                 {"relation_ids": "r"}):
        assert "relation_ids" in refused(selections.api.post(f"{path}/members",
                                                             json=body))["errors"]
    assert "cursor" in refused(selections.api.get(f"{path}/members",
                                                  query_string={"cursor": "forged"}))["errors"]
    assert "cursor" in refused(selections.api.get(f"{path}/refreshes", query_string={
        "cursor": "WyJ4Il0"}))["errors"]  # ["x"]: a cursor of ours has a number there
    assert "limit" in refused(selections.api.get(f"{path}/members",
                                                 query_string={"limit": 0}))["errors"]
    assert "keep_edits" in refused(selections.api.post(f"{path}/refresh", json={
        "keep_edits": "maybe"}))["errors"]


def test_a_bad_change_changes_nothing(selections):
    created = create(selections, source={"filter": city("Delft")})
    path = f"{SELECTIONS}/{created['id']}"
    problem = refused(selections.api.patch(path, json={
        "name": "Nieuw", "source": {"filter": {"field": "shoe", "op": "eq", "value": 1}}}))
    assert "source.filter.field" in problem["errors"]
    assert selections.api.get(path).get_json()["name"] == created["name"]


def test_a_filter_finds_the_members_of_a_selection(selections):
    delft = [selections.add(last_name=name, address={"city": "Delft"}) for name in ("Een", "Twee")]
    created = create(selections, source={"filter": city("Delft")})
    selections.add(address={"city": "Delft"})  # after the snapshot: not in it
    assert selections.ids({"in_selection": created["id"]}) == {r["id"] for r in delft}
    assert selections.count({"and": [{"in_selection": created["id"]},
                                     {"not": {"field": "last_name", "op": "eq",
                                              "value": "Een"}}]}) == 1
    assert "filter.in_selection" in selections.problem({"in_selection": "nope"})["errors"]


def test_a_selection_in_use_is_not_deleted(selections):
    created = create(selections, source={"filter": city("Delft")})
    user = selections.api.post("/api/selections/lists", json={
        "name": "Gebruiker", "filter": {"in_selection": created["id"]}}).get_json()
    problem = refused(selections.api.delete(f"{SELECTIONS}/{created['id']}"), 409)
    assert problem["used_by"] == [{"kind": "list", "id": user["id"], "name": "Gebruiker"}]
    assert "Gebruiker" in problem["detail"]
    assert selections.api.delete(f"/api/selections/lists/{user['id']}").status_code == 204
    assert selections.api.delete(f"{SELECTIONS}/{created['id']}").status_code == 204
    refused(selections.api.get(f"{SELECTIONS}/{created['id']}"), 404)
    assert "filter.in_selection" in selections.problem({"in_selection": created["id"]})[
        "errors"]


def test_a_deleted_selection_takes_its_members_along(selections):
    relation = selections.add(address={"city": "Delft"})
    created = create(selections, source={"filter": city("Delft")})
    assert member_ids(selections, created["id"]) == {relation["id"]}
    selections.api.delete(f"{SELECTIONS}/{created['id']}")
    again = create(selections, source={"filter": city("Gouda")})
    assert again["member_count"] == 0
