"""Dossiers (households, cases) and their actions through the gateway."""

import pytest

from services.relations.handlers import Via
from services.relations.handlers.dossiers import move_relation_dossiers
from tests.unit.relations.conftest import emitted


def person(api, last_name="Jansen"):
    response = api.post("/api/relations/relations", json={"type": "person",
                                                          "last_name": last_name})
    assert response.status_code == 201
    return response.get_json()["id"]


def define(api, key):
    response = api.post("/api/relations/dossier-actions", json={"key": key,
                                                               "label": key.title()})
    assert response.status_code == 201, response.get_json()


def open_dossier(api, **body):
    response = api.post("/api/relations/dossiers", json={"name": "Jansen household",
                                                         "kind": "household", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def dossier_history(api, relation_id):
    items = api.get(f"/api/relations/relations/{relation_id}/history").get_json()["items"]
    return [(item["before"], item["after"]) for item in items if item["field"] == "dossiers"]


def test_a_dossier_opens_with_members_and_actions_and_tells_each_member(api, relations_service):
    define(api, "newsletter")
    anna, piet = person(api), person(api)
    created = api.post("/api/relations/dossiers", json={
        "name": "Jansen household", "kind": "household", "member_ids": [anna, piet, anna],
        "actions": ["newsletter"]})
    assert created.status_code == 201
    dossier = created.get_json()
    assert dossier["member_ids"] == [anna, piet] and dossier["actions"] == ["newsletter"]
    assert api.get(created.headers["Location"]).get_json() == dossier
    summary = {"id": dossier["id"], "name": "Jansen household", "kind": "household",
               "actions": ["newsletter"]}
    assert dossier_history(api, anna) == [(None, summary)]
    (event,) = emitted(relations_service, "relations.dossiers.created")
    assert event["dossier"] == dossier


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "kind": "club"}, "kind"),
    ({"kind": "case"}, "name"),
    ({"name": "X", "kind": "case", "member_ids": ["nobody"]}, "member_ids"),
    ({"name": "X", "kind": "case", "actions": ["ghost"]}, "actions"),
    ({"name": "X", "kind": "case", "colour": "red"}, "colour"),
])
def test_a_bad_dossier_is_refused_naming_the_field(api, body, field):
    response = api.post("/api/relations/dossiers", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_members_join_and_leave_idempotently_and_a_relation_can_be_in_several(
        api, relations_service):
    anna = person(api)
    home, case = open_dossier(api), open_dossier(api, name="Inheritance", kind="case")
    url = f"/api/relations/dossiers/{home['id']}/members/{anna}"
    joined = api.put(url)
    assert joined.status_code == 200 and joined.get_json()["member_ids"] == [anna]
    assert api.put(url).get_json()["version"] == joined.get_json()["version"]
    api.put(f"/api/relations/dossiers/{case['id']}/members/{anna}")
    mine = api.get(f"/api/relations/relations/{anna}/dossiers").get_json()
    assert [d["name"] for d in mine["items"]] == ["Inheritance", "Jansen household"]
    left = api.delete(url)
    assert left.status_code == 200 and left.get_json()["member_ids"] == []
    assert api.delete(url).get_json()["version"] == left.get_json()["version"]
    changes = emitted(relations_service, "relations.dossiers.changed")
    assert [c["dossier"]["member_ids"] for c in changes] == [[anna], [anna], []]
    summary = {"id": home["id"], "name": "Jansen household", "kind": "household",
               "actions": []}
    assert (summary, None) in dossier_history(api, anna)
    assert api.put(f"/api/relations/dossiers/{home['id']}/members/nobody").status_code == 404
    assert api.put(f"/api/relations/dossiers/nothing/members/{anna}").status_code == 404
    assert api.get("/api/relations/relations/nobody/dossiers").status_code == 404


def test_an_action_applies_to_every_member(api, relations_service):
    define(api, "newsletter")
    anna, piet = person(api), person(api)
    dossier = open_dossier(api, member_ids=[anna, piet])
    url = f"/api/relations/dossiers/{dossier['id']}/actions/newsletter"
    added = api.put(url)
    assert added.status_code == 200 and added.get_json()["actions"] == ["newsletter"]
    assert api.put(url).get_json()["version"] == added.get_json()["version"]
    for member in (anna, piet):
        before, after = dossier_history(api, member)[0]
        assert (before["actions"], after["actions"]) == ([], ["newsletter"])
    (event,) = emitted(relations_service, "relations.dossiers.changed")
    assert event["dossier"]["actions"] == ["newsletter"]
    assert event["dossier"]["member_ids"] == [anna, piet]
    mine = api.get(f"/api/relations/relations/{piet}/dossiers").get_json()["items"]
    assert mine[0]["actions"] == ["newsletter"]
    unknown = api.put(f"/api/relations/dossiers/{dossier['id']}/actions/ghost")
    assert unknown.status_code == 422 and "ghost" in unknown.get_json()["errors"]["action"][0]
    assert api.delete(url).get_json()["actions"] == []


def test_renaming_and_deleting_a_dossier_reach_its_members(api, relations_service):
    anna = person(api)
    dossier = open_dossier(api, member_ids=[anna])
    url = f"/api/relations/dossiers/{dossier['id']}"
    assert api.patch(url, json={}).status_code == 422
    assert api.patch(url, json={"kind": "tribe"}).status_code == 422
    renamed = api.patch(url, json={"name": "Jansen-de Vries"})
    assert renamed.status_code == 200 and renamed.get_json()["version"] == 2
    assert dossier_history(api, anna)[0][1]["name"] == "Jansen-de Vries"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert dossier_history(api, anna)[0] == (
        {"id": dossier["id"], "name": "Jansen-de Vries", "kind": "household", "actions": []},
        None)
    assert emitted(relations_service, "relations.dossiers.deleted") == [
        {"id": dossier["id"], "member_ids": [anna]}]
    assert api.get(f"/api/relations/relations/{anna}/dossiers").get_json()["items"] == []


def test_an_action_in_use_cannot_be_deleted_until_removed_from_everyone(
        api, relations_service, monkeypatch):
    monkeypatch.setattr("services.relations.handlers.batch.BATCH", 2)
    define(api, "newsletter")
    define(api, "christmas_card")
    anna = person(api)
    holders = [open_dossier(api, member_ids=[anna], actions=["newsletter", "christmas_card"])
               for _ in range(2)]
    holders.append(open_dossier(api, actions=["newsletter"]))
    other = open_dossier(api, actions=["christmas_card"])
    with relations_service.unit_of_work() as uow:  # a duplicate, as old imports left them
        uow.dossiers.get(holders[2]["id"]).actions = ["newsletter", "newsletter"]
        uow.commit()
    refused = api.delete("/api/relations/dossier-actions/newsletter")
    assert refused.status_code == 409 and refused.get_json()["holders"] == 3

    done = api.post("/api/relations/dossier-actions/newsletter/remove-from-everyone")
    assert done.status_code == 200 and done.get_json() == {"changed": 3}
    for dossier in holders:
        after = api.get(f"/api/relations/dossiers/{dossier['id']}").get_json()
        assert "newsletter" not in after["actions"]
    assert api.get(f"/api/relations/dossiers/{other['id']}").get_json()["version"] == 1
    batches = emitted(relations_service, "relations.dossiers.batch_changed")
    assert [len(batch["dossiers"]) for batch in batches] == [2, 1]
    assert len([(before, after) for before, after in dossier_history(api, anna)
                if before and after and before["actions"] == ["newsletter", "christmas_card"]
                and after["actions"] == ["christmas_card"]]) == 2
    assert api.delete("/api/relations/dossier-actions/newsletter").status_code == 204
    assert api.delete("/api/relations/dossier-actions/ghost").status_code == 404


def test_a_merge_moves_memberships_to_the_keeper_without_duplicates(api, relations_service):
    keeper, other = person(api, "Keeper"), person(api, "Other")
    both = open_dossier(api, name="Both", member_ids=[keeper, other])
    only_other = open_dossier(api, name="Only other", member_ids=[other])
    with relations_service.unit_of_work() as uow:
        states = move_relation_dossiers(uow, other, keeper, Via.merge("m-1"))
        uow.commit()
    assert {s["id"]: s["member_ids"] for s in states} == {
        both["id"]: [keeper], only_other["id"]: [keeper]}
    mine = api.get(f"/api/relations/relations/{keeper}/dossiers").get_json()["items"]
    assert [d["name"] for d in mine] == ["Both", "Only other"]
    assert api.get(f"/api/relations/relations/{other}/dossiers").get_json()["items"] == []
    history = api.get(f"/api/relations/relations/{keeper}/history").get_json()["items"]
    assert [(h["via"], h["via_ref"], h["before"]) for h in history if h["field"] == "dossiers"
            ][0] == ("merge", "m-1", None)
    (batch,) = emitted(relations_service, "relations.dossiers.batch_changed")
    assert len(batch["dossiers"]) == 2
