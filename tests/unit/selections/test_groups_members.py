"""Static memberships: added and removed by hand with an outcome per relation, kept in history,
read both ways; they follow merged relations (and back when the merge is undone) and end when
a relation is deleted."""

from services.relations.messages import MergeUndone, RelationsDeleted, RelationsMerged
from services.selections.groups import members
from shared.auth import Principal
from shared.context import acting_as
from shared.pagination import encode_cursor

GROUPS = "/api/selections/groups"


def make(api, name, kind="static", **fields):
    response = api.post(GROUPS, json={"name": name, "kind": kind, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add(api, group_id, *ids, remove=False):
    response = api.post(f"{GROUPS}/{group_id}/members" + ("/remove" if remove else ""),
                        json={"relation_ids": list(ids)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def member_ids(api, group_id):
    page = api.get(f"{GROUPS}/{group_id}/members").get_json()
    assert page["count"] == len(page["items"])
    return [item["id"] for item in page["items"]]


def history(api, group_id, query=""):
    return api.get(f"{GROUPS}/{group_id}/history{query}").get_json()


def test_members_are_added_and_removed_with_an_outcome_per_relation(selections):
    api = selections.api
    anna, bert = selections.add()["id"], selections.add(status="archived")["id"]
    koor = make(api, "Koor")["id"]
    answer = add(api, koor, anna, bert, "ghost", anna)
    assert answer["outcomes"] == {anna: "added", bert: "added", "ghost": "unknown_relation"}
    assert (answer["added"], answer["unknown_relation"]) == (2, 1)
    assert add(api, koor, anna)["outcomes"] == {anna: "already_member"}
    assert member_ids(api, koor) == sorted([anna, bert])
    assert api.get(f"{GROUPS}/{koor}").get_json()["member_count"] == 2
    removed = add(api, koor, bert, "ghost", remove=True)["outcomes"]
    assert removed == {bert: "removed", "ghost": "unknown_relation"}
    assert add(api, koor, bert, remove=True)["outcomes"] == {bert: "not_member"}
    assert member_ids(api, koor) == [anna]


def test_a_page_of_members_carries_state_and_membership(selections):
    api = selections.api
    ids = sorted(selections.add(last_name=f"L{n}")["id"] for n in range(5))
    koor = make(api, "Koor")["id"]
    add(api, koor, *ids)
    first = api.get(f"{GROUPS}/{koor}/members?limit=3").get_json()
    assert first["count"] == 5 and [item["id"] for item in first["items"]] == ids[:3]
    assert first["items"][0]["membership"]["via"] == "manual"
    assert first["items"][0]["last_name"].startswith("L")
    rest = api.get(f"{GROUPS}/{koor}/members?limit=3&cursor={first['next_cursor']}").get_json()
    assert [item["id"] for item in rest["items"]] == ids[3:] and rest["next_cursor"] is None
    assert api.get(f"{GROUPS}/nope/members").status_code == 404


def test_member_requests_are_checked_before_anything_is_written(selections):
    api = selections.api
    koor = make(api, "Koor")["id"]
    dynamic = make(api, "D", "dynamic", filter={"archived": False})["id"]
    for body in ({}, {"relation_ids": []}, {"relation_ids": ["x"] * 10001},
                 {"relation_ids": "x"}, {"relation_ids": ["x"], "via": "bulk"}):
        response = api.post(f"{GROUPS}/{koor}/members", json=body)
        assert response.status_code == 422, body
        assert set(response.get_json()["errors"]) & {"relation_ids", "via"}
    response = api.post(f"{GROUPS}/{dynamic}/members", json={"relation_ids": ["x"]})
    assert response.status_code == 409 and response.get_json()["kind"] == "dynamic"
    assert api.post(f"{GROUPS}/nope/members", json={"relation_ids": ["x"]}).status_code == 404


def test_history_says_who_joined_and_left_through_what(selections):
    api = selections.api
    anna, bert = selections.add()["id"], selections.add()["id"]
    koor = make(api, "Koor")["id"]
    add(api, koor, anna, bert)
    add(api, koor, anna, remove=True)
    uow = selections.runtime.unit_of_work()
    with uow, acting_as(Principal(kind="staff", id="jan")):
        outcomes = members.add_members(uow, koor, [anna], via="bulk", reference="job-1")
        uow.commit()
    assert outcomes == {anna: "added"}
    items = history(api, koor)["items"]
    assert [(i["relation_id"], i["change"], i["via"]) for i in items] == [
        (anna, "joined", "bulk"), (anna, "left", "manual"), (bert, "joined", "manual"),
        (anna, "joined", "manual")]
    assert items[0]["reference"] == "job-1" and items[0]["actor"] == "staff:jan"
    annas = history(api, koor, f"?relation_id={anna}")["items"]
    assert [i["change"] for i in annas] == ["joined", "left", "joined"]
    page = history(api, koor, "?limit=2")
    assert len(page["items"]) == 2
    rest = history(api, koor, f"?limit=2&cursor={page['next_cursor']}")
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert api.get(f"{GROUPS}/nope/history").status_code == 404


def test_the_groups_of_a_relation(selections):
    api = selections.api
    anna = selections.add(address={"city": "Delft"})["id"]
    koor = make(api, "Koor", visible_on_portal=True)["id"]
    delft = make(api, "Delft", "dynamic",
                 filter={"field": "city", "op": "eq", "value": "Delft"})["id"]
    make(api, "Leeg")
    add(api, koor, anna)
    found = api.get(f"/api/selections/relations/{anna}/groups").get_json()["items"]
    assert [(g["id"], g["via"], g["visible_on_portal"]) for g in found] == [
        (delft, "filter", False), (koor, "manual", True)]
    assert api.get("/api/selections/relations/nope/groups").status_code == 404


def test_static_memberships_move_to_the_keeper_and_back_when_the_merge_is_undone(selections):
    api = selections.api
    keep, other, third = selections.add(), selections.add(), selections.add()
    koor, both = make(api, "Koor")["id"], make(api, "Both")["id"]
    add(api, koor, other["id"])
    add(api, both, keep["id"], other["id"], third["id"])
    merge = {"merge_id": "m1", "keep": {**keep, "version": 2},
             "merged": [other["id"], third["id"]]}
    selections.absorb(RelationsMerged, merge)
    assert member_ids(api, koor) == [keep["id"]]
    assert member_ids(api, both) == [keep["id"]]
    moves = history(api, koor)["items"]
    assert {(i["relation_id"], i["change"], i["via"], i["reference"]) for i in moves[:2]} == {
        (other["id"], "left", "merge", "m1"), (keep["id"], "joined", "merge", "m1")}
    assert [i["change"] for i in history(api, both, f"?relation_id={keep['id']}")[
        "items"]] == ["joined"]
    selections.absorb(MergeUndone, {"merge_id": "m1", "keep": {**keep, "version": 3},
                                    "restored": [{**other, "version": 3},
                                                 {**third, "version": 3}]})
    assert member_ids(api, koor) == [other["id"]]
    assert member_ids(api, both) == sorted([keep["id"], other["id"], third["id"]])
    assert history(api, koor)["items"][0]["via"] == "merge_undone"


def test_a_merge_whose_undo_came_first_moves_nothing(selections):
    api = selections.api
    keep, other = selections.add(), selections.add()
    koor = make(api, "Koor")["id"]
    add(api, koor, other["id"])
    selections.absorb(MergeUndone, {"merge_id": "m2", "keep": {**keep, "version": 3},
                                    "restored": [{**other, "version": 3}]})
    selections.absorb(RelationsMerged, {"merge_id": "m2", "keep": {**keep, "version": 2},
                                        "merged": [other["id"]]})
    assert member_ids(api, koor) == [other["id"]]


def test_a_deleted_relation_leaves_its_groups(selections):
    api = selections.api
    anna, bert = selections.add()["id"], selections.add()["id"]
    koor = make(api, "Koor")["id"]
    everyone = make(api, "All", "dynamic", filter={"archived": False})["id"]
    add(api, koor, anna, bert)
    selections.absorb(RelationsDeleted, {"relation_ids": [anna]})
    assert member_ids(api, koor) == [bert] and member_ids(api, everyone) == [bert]
    left = history(api, koor, f"?relation_id={anna}")["items"][0]
    assert (left["change"], left["via"]) == ("left", "delete")
    assert api.get(f"/api/selections/relations/{anna}/groups").status_code == 404


def test_a_history_cursor_not_handed_out_is_a_422_naming_the_cursor(selections):
    api = selections.api
    koor = make(api, "Koor")["id"]
    forged = encode_cursor(["not a row number"])
    response = api.get(f"{GROUPS}/{koor}/history?cursor={forged}")
    assert response.status_code == 422 and "cursor" in response.get_json()["errors"]
