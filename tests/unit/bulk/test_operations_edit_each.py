"""edit_each through the gateway: a value per relation entered by stepping, previewed, run,
redelivered without effect, undone by before-images, and the 4xx naming params fields."""

from services.relations.messages import ApplyRelationEdits
from tests.support.portal import runtime_of
from tests.unit.bulk.conftest import create, finished, relation

FORM = {"fields": ["phones", "newsletter", "last_name"]}
ADMIN = {"kind": "staff", "id": "admin-1", "roles": ["superuser"],
         "permissions": ["relations:write"]}


def step(api, job_id, relation_id):
    return api.get(f"/api/bulk/jobs/{job_id}/items/{relation_id}")


def put(api, job_id, relation_id, values):
    return api.put(f"/api/bulk/jobs/{job_id}/items/{relation_id}", json={"values": values})


def test_each_relation_gets_its_own_values_and_undo_puts_them_back(api, product, people):
    name = relation(api, people[1])["last_name"]
    job = create(api, people[:3], "edit_each", {**FORM, "per_relation": {
        people[0]: {"phones": [{"number": "+31 6 12345678"}]}}})
    assert job.status_code == 201, job.get_json()
    job = job.get_json()
    assert [i["outcome"] for i in job["items"]] == ["would_change", "unchanged", "unchanged"]
    assert job["items"][0]["diff"]["phones"][1][0]["number"] == "+31612345678"
    assert job["items"][1]["reason"] == "no values given yet"

    walk = step(api, job["id"], people[1]).get_json()
    assert (walk["previous"], walk["next"], walk["position"]) == (people[0], people[2], 2)
    assert walk["values"] is None
    bad = put(api, job["id"], people[1], {"phones": [{"number": "12"}]})
    assert bad.status_code == 422
    assert any(key.startswith(f"params.per_relation.{people[1]}.phones")
               for key in bad.get_json()["errors"])
    outside = put(api, job["id"], people[1], {"first_name": "Eva"})
    assert outside.status_code == 422
    assert f"params.per_relation.{people[1]}.first_name" in outside.get_json()["errors"]
    ok = put(api, job["id"], people[1], {"newsletter": True, "last_name": "Jansen"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["values"] == {"newsletter": True, "last_name": "Jansen"}
    page = api.get(f"/api/bulk/jobs/{job['id']}/items").get_json()["items"]
    assert page[1]["diff"] == {"fields.newsletter": [None, True],
                               "last_name": [name, "Jansen"]}

    assert api.post(f"/api/bulk/jobs/{job['id']}/confirm", json={}).status_code == 202
    done = finished(api, job["id"])
    assert (done["counts"]["changed"], done["counts"]["unchanged"]) == (2, 1)
    assert relation(api, people[0])["phones"][0]["number"] == "+31612345678"
    changed = relation(api, people[1])
    assert (changed["last_name"], changed["fields"]["newsletter"]) == ("Jansen", True)
    assert put(api, job["id"], people[1], {"last_name": "X"}).status_code == 409

    # The owner gets the chunk again: the same answer, no second version.
    again = runtime_of(product, "bulk").rpc.call(ApplyRelationEdits, {
        "job": job["id"], "relation_ids": people[:2], "principal": ADMIN,
        "fields": FORM["fields"], "values": {people[1]: {"last_name": "Other"}}})
    assert [o["outcome"] for o in again] == ["changed", "changed"]
    assert relation(api, people[1])["version"] == changed["version"]

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert api.post(f"/api/bulk/jobs/{undo['id']}/confirm", json={}).status_code == 202
    assert finished(api, undo["id"])["counts"]["changed"] == 2
    assert relation(api, people[0])["phones"] == []
    restored = relation(api, people[1])
    assert (restored["last_name"], restored["fields"].get("newsletter")) == (name, None)


def test_edit_each_names_bad_params(api, people):
    missing = create(api, people, "edit_each", {})
    assert missing.status_code == 422 and "params.fields" in missing.get_json()["errors"]
    unknown = create(api, people, "edit_each", {"fields": ["phones", "shoe_size"]})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"]["params.fields"] == [
        "shoe_size: no editable standard or custom field has this name"]
    wrong = create(api, people, "edit_each", {"fields": ["newsletter"], "per_relation": {
        people[0]: {"newsletter": "yes please"}}})
    assert wrong.status_code == 422
    assert f"params.per_relation.{people[0]}.newsletter" in wrong.get_json()["errors"]


def test_values_for_relations_outside_the_target_are_refused_not_dropped(api, people):
    refused = create(api, people[:2], "edit_each", {"fields": ["last_name"], "per_relation": {
        people[0]: {"last_name": "Jansen"}, people[3]: {"last_name": "Smit"}}})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.get_json()["errors"] == {
        f"params.per_relation.{people[3]}": ["not a relation of the job's target"]}
    assert api.get("/api/bulk/jobs").get_json()["items"] == []
