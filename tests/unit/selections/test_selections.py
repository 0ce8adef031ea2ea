"""Selections: a snapshot of a filter, list or group taken when created, refreshed on demand
(counting who joined and left), edited by hand; refused with the bad part named."""

from services.relations.messages import RelationUpdated

SELECTIONS = "/api/selections/selections"


def city(name):
    return {"field": "city", "op": "eq", "value": name}


def create(selections, **body):
    response = selections.api.post(SELECTIONS, json={"name": "Delftenaren", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def moved(selections, relation, town):
    """The relation moved house upstream; answers its new state."""
    state = {**relation, "version": relation["version"] + 1, "address": {"city": town}}
    selections.absorb(RelationUpdated, {"relation": state, "changes": {}})
    return state


def members(selections, selection_id, **query):
    response = selections.api.get(f"{SELECTIONS}/{selection_id}/members", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def member_ids(selections, selection_id):
    return {item["id"] for item in members(selections, selection_id, limit=500)["items"]}


def refresh(selections, selection_id, **body):
    response = selections.api.post(f"{SELECTIONS}/{selection_id}/refresh", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_selection_is_a_snapshot_that_later_changes_do_not_move(selections):
    first = selections.add(address={"city": "Delft"})
    second = selections.add(address={"city": "Delft"})
    selections.add(address={"city": "Gouda"})
    created = create(selections, source={"filter": city("Delft")})
    assert created["member_count"] == 2 and created["refreshed_at"]
    assert created["schedule"] is None and created["next_refresh_at"] is None
    moved(selections, first, "Gouda")
    selections.add(address={"city": "Delft"})
    page = members(selections, created["id"])
    assert page["count"] == 2 and page["next_cursor"] is None
    assert {item["id"] for item in page["items"]} == {first["id"], second["id"]}
    assert page["items"][0]["membership"]["via"] == "refresh"
    (record,) = selections.api.get(f"{SELECTIONS}/{created['id']}/refreshes").get_json()["items"]
    assert (record["trigger"], record["joined"], record["left"], record["total"]) == (
        "created", 2, 0, 2)


def test_a_refresh_counts_who_joined_and_who_left(selections):
    leaving = selections.add(address={"city": "Delft"})
    staying = selections.add(address={"city": "Delft"})
    created = create(selections, source={"filter": city("Delft")})
    moved(selections, leaving, "Gouda")
    joining = [selections.add(address={"city": "Delft"}) for _ in range(2)]
    record = refresh(selections, created["id"])
    assert (record["trigger"], record["joined"], record["left"], record["total"]) == (
        "manual", 2, 1, 3)
    assert member_ids(selections, created["id"]) == {staying["id"], *(r["id"] for r in joining)}
    again = refresh(selections, created["id"])
    assert (again["joined"], again["left"], again["total"]) == (0, 0, 3)
    history = selections.api.get(f"{SELECTIONS}/{created['id']}/refreshes",
                                 query_string={"limit": 2}).get_json()
    assert [r["trigger"] for r in history["items"]] == ["manual", "manual"]
    rest = selections.api.get(f"{SELECTIONS}/{created['id']}/refreshes",
                              query_string={"cursor": history["next_cursor"]}).get_json()
    assert [r["trigger"] for r in rest["items"]] == ["created"] and rest["next_cursor"] is None


def test_members_come_a_page_at_a_time(selections):
    ids = sorted(selections.add(address={"city": "Delft"})["id"] for _ in range(5))
    created = create(selections, source={"filter": city("Delft")})
    first = members(selections, created["id"], limit=3)
    second = members(selections, created["id"], limit=3, cursor=first["next_cursor"])
    assert [i["id"] for i in first["items"] + second["items"]] == ids
    assert first["count"] == second["count"] == 5 and second["next_cursor"] is None


def test_hand_edits_survive_a_refresh_and_go_when_not_kept(selections):
    kept = selections.add(address={"city": "Delft"})
    dropped = selections.add(address={"city": "Delft"})
    outsider = selections.add(address={"city": "Gouda"})
    created = create(selections, source={"filter": city("Delft")})
    path = f"{SELECTIONS}/{created['id']}/members"
    added = selections.api.post(path, json={"relation_ids": [outsider["id"], kept["id"],
                                                              "nobody"]}).get_json()
    assert added["outcomes"] == {outsider["id"]: "added", kept["id"]: "already_member",
                                 "nobody": "unknown_relation"}
    assert (added["added"], added["already_member"], added["unknown_relation"]) == (1, 1, 1)
    removed = selections.api.post(f"{path}/remove", json={"relation_ids": [
        dropped["id"], dropped["id"], "nobody"]}).get_json()
    assert removed["outcomes"] == {dropped["id"]: "removed", "nobody": "unknown_relation"}
    edits = selections.api.get(f"{SELECTIONS}/{created['id']}/edits").get_json()["items"]
    assert {(e["relation_id"], e["included"]) for e in edits} == {
        (outsider["id"], True), (dropped["id"], False)}
    assert member_ids(selections, created["id"]) == {kept["id"], outsider["id"]}

    record = refresh(selections, created["id"], keep_edits=True)
    assert (record["joined"], record["left"], record["total"]) == (0, 0, 2)
    assert member_ids(selections, created["id"]) == {kept["id"], outsider["id"]}
    record = refresh(selections, created["id"], keep_edits=False)
    assert (record["joined"], record["left"], record["total"]) == (1, 1, 2)
    assert member_ids(selections, created["id"]) == {kept["id"], dropped["id"]}
    assert selections.api.get(f"{SELECTIONS}/{created['id']}/edits").get_json()["items"] == []


def test_a_hand_added_member_keeps_its_way_in(selections):
    outsider = selections.add(address={"city": "Gouda"})
    created = create(selections, source={"filter": city("Delft")})
    selections.api.post(f"{SELECTIONS}/{created['id']}/members",
                        json={"relation_ids": [outsider["id"]]})
    (item,) = members(selections, created["id"])["items"]
    assert item["membership"]["via"] == "manual" and item["membership"]["added_at"]


def test_a_list_is_a_source_too(selections):
    delft = selections.add(address={"city": "Delft"})
    selections.add(address={"city": "Gouda"})
    saved = selections.api.post("/api/selections/lists", json={
        "name": "Delft", "filter": city("Delft")}).get_json()
    created = create(selections, source={"list": saved["id"]})
    assert member_ids(selections, created["id"]) == {delft["id"]}


def test_a_change_of_source_is_taken_at_the_next_refresh(selections):
    delft = selections.add(address={"city": "Delft"})
    gouda = selections.add(address={"city": "Gouda"})
    created = create(selections, source={"filter": city("Delft")})
    changed = selections.api.patch(f"{SELECTIONS}/{created['id']}", json={
        "name": "Goudsen", "source": {"filter": city("Gouda")}}).get_json()
    assert changed["name"] == "Goudsen" and changed["source"] == {"filter": city("Gouda")}
    assert member_ids(selections, created["id"]) == {delft["id"]}
    refresh(selections, created["id"])
    assert member_ids(selections, created["id"]) == {gouda["id"]}
    listed = selections.api.get(SELECTIONS).get_json()
    assert [(s["name"], s["member_count"]) for s in listed["items"]] == [("Goudsen", 1)]


def test_selections_are_listed_by_name_a_page_at_a_time(selections):
    for name in ("Cees", "Anna", "Bert"):
        create(selections, name=name, source={"filter": city("Delft")})
    first = selections.api.get(SELECTIONS, query_string={"limit": 2}).get_json()
    rest = selections.api.get(SELECTIONS, query_string={"cursor": first["next_cursor"]})
    assert [s["name"] for s in first["items"] + rest.get_json()["items"]] == [
        "Anna", "Bert", "Cees"]
