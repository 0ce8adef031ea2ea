"""Selections and groups: a group as a source, and dynamic groups that name a selection
(in_selection) following its refreshes and hand edits."""

from tests.unit.selections.test_selections import (
    SELECTIONS,
    city,
    create,
    member_ids,
    moved,
    refresh,
)

GROUPS = "/api/selections/groups"


def group(selections, **body):
    response = selections.api.post(GROUPS, json={"name": "Groep", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def group_member_ids(selections, group_id):
    response = selections.api.get(f"{GROUPS}/{group_id}/members", query_string={"limit": 500})
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_a_static_group_is_a_source(selections):
    inside = selections.add(address={"city": "Delft"})
    selections.add(address={"city": "Delft"})
    static = group(selections, kind="static")
    added = selections.api.post(f"{GROUPS}/{static['id']}/members",
                                json={"relation_ids": [inside["id"]]})
    assert added.status_code == 200, added.get_json()
    created = create(selections, source={"group": static["id"]})
    assert member_ids(selections, created["id"]) == {inside["id"]}


def test_a_dynamic_group_on_a_selection_follows_its_refreshes_and_edits(selections):
    leaving = selections.add(address={"city": "Delft"})
    staying = selections.add(address={"city": "Delft"})
    outsider = selections.add(address={"city": "Gouda"})
    created = create(selections, source={"filter": city("Delft")})
    follower = group(selections, kind="dynamic", filter={"in_selection": created["id"]})
    assert group_member_ids(selections, follower["id"]) == {leaving["id"], staying["id"]}
    moved(selections, leaving, "Gouda")
    joining = selections.add(address={"city": "Delft"})
    refresh(selections, created["id"])
    assert group_member_ids(selections, follower["id"]) == {staying["id"], joining["id"]}
    selections.api.post(f"{SELECTIONS}/{created['id']}/members",
                        json={"relation_ids": [outsider["id"]]})
    selections.api.post(f"{SELECTIONS}/{created['id']}/members/remove",
                        json={"relation_ids": [staying["id"]]})
    assert group_member_ids(selections, follower["id"]) == {joining["id"], outsider["id"]}


def test_a_selection_a_group_names_is_not_deleted(selections):
    created = create(selections, source={"filter": city("Delft")})
    follower = group(selections, name="Volger", kind="dynamic",
                     filter={"in_selection": created["id"]})
    refused = selections.api.delete(f"{SELECTIONS}/{created['id']}")
    assert refused.status_code == 409
    assert refused.get_json()["used_by"] == [{"kind": "group", "id": follower["id"],
                                              "name": "Volger"}]
