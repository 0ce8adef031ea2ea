"""add_to_group and remove_from_group through the gateway: preview, run, outcomes, a
redelivered chunk, the inverse undo, and the 4xx naming params.group."""

import pytest

from services.selections.messages import AddToGroupChunk
from shared.testing import wait_until
from tests.support.portal import runtime_of
from tests.unit.bulk.conftest import create, finished, run, run_undo

GROUPS = "/api/selections/groups"
ADMIN = {"kind": "staff", "id": "admin-1", "roles": ["superuser"],
         "permissions": ["selections:write"]}


@pytest.fixture
def group(api, people):
    """A static group with people[0] in it, once selections knows every person."""
    wait_until(lambda: api.post("/api/selections/filters/count", json={
        "filter": {"archived": False}}).get_json()["count"] >= len(people))
    made = api.post(GROUPS, json={"name": "Volunteers", "kind": "static"})
    assert made.status_code == 201, made.get_json()
    group_id = made.get_json()["id"]
    added = api.post(f"{GROUPS}/{group_id}/members", json={"relation_ids": people[:1]})
    assert added.status_code == 200, added.get_json()
    return group_id


def member_ids(api, group_id):
    return sorted(m["id"] for m in api.get(f"{GROUPS}/{group_id}/members?limit=100")
                  .get_json()["items"])


def test_add_to_group_previews_runs_redelivers_and_undoes(api, product, people, group):
    preview, job = run(api, people[:3], "add_to_group", {"group": group})
    assert [i["outcome"] for i in preview["items"]] == ["unchanged", "would_change",
                                                        "would_change"]
    assert preview["items"][1]["diff"] == {"member": [False, True]}
    assert (job["counts"]["changed"], job["counts"]["unchanged"]) == (2, 1)
    assert member_ids(api, group) == people[:3]
    history = api.get(f"{GROUPS}/{group}/history").get_json()["items"]
    assert {(h["via"], h["reference"]) for h in history if h["relation_id"] == people[1]} == {
        ("bulk", job["id"])}
    # The owner gets a chunk again: the same answer, no second history entry.
    again = runtime_of(product, "bulk").rpc.call(AddToGroupChunk, {
        "job": job["id"], "relation_ids": people[1:3], "principal": ADMIN, "group": group})
    assert [o["outcome"] for o in again] == ["changed", "changed"]
    assert len(api.get(f"{GROUPS}/{group}/history").get_json()["items"]) == len(history)

    undo_preview, undone = run_undo(api, job["id"])
    assert undo_preview["total"] == 2
    assert undo_preview["items"][0]["diff"] == {"member": [True, False]}
    assert undone["counts"]["changed"] == 2
    assert member_ids(api, group) == people[:1]


def test_remove_from_group_and_its_undo_puts_them_back(api, people, group):
    api.post(f"{GROUPS}/{group}/members", json={"relation_ids": people[:2]})
    preview, job = run(api, people[1:3], "remove_from_group", {"group": group})
    assert [i["outcome"] for i in preview["items"]] == ["would_change", "unchanged"]
    assert (job["counts"]["changed"], job["counts"]["unchanged"]) == (1, 1)
    assert member_ids(api, group) == people[:1]
    _, undone = run_undo(api, job["id"])
    assert undone["counts"]["changed"] == 1
    assert member_ids(api, group) == people[:2]


def test_the_group_must_exist_and_be_static(api, people, group):
    missing = create(api, people, "add_to_group", {"group": "no-such-group"})
    assert missing.status_code == 422 and "params.group" in missing.get_json()["errors"]
    dynamic = api.post(GROUPS, json={"name": "Everyone", "kind": "dynamic",
                                     "filter": {"archived": False}}).get_json()["id"]
    refused = create(api, people, "remove_from_group", {"group": dynamic})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["params.group"] == ["not a static group"]
    absent = create(api, people, "add_to_group", {})
    assert absent.status_code == 422 and "params.group" in absent.get_json()["errors"]


def test_a_group_undo_lists_the_relations_changed_since(api, people, group):
    _, job = run(api, people[1:3], "add_to_group", {"group": group})
    taken_out = api.post(f"{GROUPS}/{group}/members/remove", json={"relation_ids": people[2:3]})
    assert taken_out.status_code == 200, taken_out.get_json()

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert [i["outcome"] for i in undo["items"]] == ["would_change", "changed_since"]
    assert [(i["key"], i["count"]) for i in undo["impacts"]] == [("changed_since", 1)]
    assert api.post(f"/api/bulk/jobs/{undo['id']}/confirm", json={}).status_code == 202
    done = finished(api, undo["id"])
    assert (done["counts"]["changed"], done["counts"]["skipped"]) == (1, 1)
    assert member_ids(api, group) == people[:1]
