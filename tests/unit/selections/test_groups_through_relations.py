"""Groups fed by the real relations service in the embedded product: what staff write upstream
changes dynamic memberships; merges, their undo and deletions move static ones."""

from shared.testing import wait_until

RELATIONS = "/api/relations"
GROUPS = "/api/selections/groups"


def created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def person(api, last_name, city):
    return created(api.post(f"{RELATIONS}/relations", json={
        "type": "person", "last_name": last_name, "address": {"city": city}}))


def member_ids(api, group_id):
    return {item["id"] for item in api.get(f"{GROUPS}/{group_id}/members").get_json()["items"]}


def eventually(api, group_id, expected, what):
    wait_until(lambda: member_ids(api, group_id) == expected, message=what)


def test_groups_follow_what_staff_change_upstream(api, as_superuser):
    delft = created(api.post(GROUPS, json={"name": "Delft", "kind": "dynamic", "filter": {
        "field": "city", "op": "eq", "value": "Delft"}}))["id"]
    koor = created(api.post(GROUPS, json={"name": "Koor", "kind": "static"}))["id"]
    keep, other = person(api, "Berg", "Delft"), person(api, "Bergh", "Gouda")
    eventually(api, delft, {keep["id"]}, "the Delft relation joins")
    wait_until(lambda: api.get(f"/api/selections/relations/{other['id']}/groups")
               .status_code == 200, message="the other relation is absorbed")
    added = created(api.post(f"{GROUPS}/{koor}/members", json={"relation_ids": [other["id"]]}),
                    200)
    assert added["added"] == 1
    merge = created(api.post(f"{RELATIONS}/merges", json={
        "keep": keep["id"], "others": [other["id"]], "choices": {}}))
    eventually(api, koor, {keep["id"]}, "the membership moves to the keeper")
    created(api.post(f"{RELATIONS}/merges/{merge['merge']['id']}/undo"), 200)
    eventually(api, koor, {other["id"]}, "the membership moves back")
    moved = api.patch(f"{RELATIONS}/relations/{other['id']}", json={"address": {
        "city": "Delft"}}, headers={"If-Match": api.get(
            f"{RELATIONS}/relations/{other['id']}").headers["ETag"]})
    assert moved.status_code == 200, moved.get_json()
    eventually(api, delft, {keep["id"], other["id"]}, "the moved relation joins")
    assert as_superuser("relations").delete(
        f"{RELATIONS}/relations/{other['id']}").status_code in (200, 204)
    eventually(api, koor, set(), "the deleted relation leaves the static group")
    eventually(api, delft, {keep["id"]}, "and the dynamic one")
