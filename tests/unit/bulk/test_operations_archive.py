"""Undoing a bulk archive through the gateway: the relations the job archived come back, one
changed since is skipped unless the undo overwrites, a redelivered restore changes nothing."""

from services.relations.messages import RestoreArchivedChunk
from tests.support.portal import runtime_of
from tests.unit.bulk.conftest import create, finished, relation

ADMIN = {"kind": "staff", "id": "admin-1", "roles": ["superuser"],
         "permissions": ["relations:archive"]}


def run(api, job_id, **body):
    assert api.post(f"/api/bulk/jobs/{job_id}/confirm", json=body).status_code == 202
    return finished(api, job_id)


def test_archive_is_undone_by_restoring_what_it_archived(api, product, people):
    api.post(f"/api/relations/relations/{people[3]}/archive", json={"reason": "earlier"})
    job = create(api, people[:4], "archive", {"reason": "moved away"}).get_json()
    assert [i["outcome"] for i in job["items"]] == ["would_change"] * 3 + ["unchanged"]
    done = run(api, job["id"])
    assert (done["counts"]["changed"], done["counts"]["unchanged"]) == (3, 1)
    results = api.get(f"/api/bulk/jobs/{job['id']}/items").get_json()["items"]
    assert results[0]["diff"] == {"status": ["active", "archived"]}
    edited = api.patch(f"/api/relations/relations/{people[1]}", json={"first_name": "Eva"},
                       headers={"If-Match": f'"{people[1]}.{relation(api, people[1])["version"]}"'})
    assert edited.status_code == 200, edited.get_json()

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert undo["total"] == 3
    assert [i["outcome"] for i in undo["items"]] == ["would_change", "changed_since",
                                                     "would_change"]
    assert undo["items"][0]["diff"] == {"status": ["archived", "active"]}
    undone = run(api, undo["id"], mode="skip")
    assert (undone["counts"]["changed"], undone["counts"]["skipped"]) == (2, 1)
    assert [relation(api, rid)["status"] for rid in people[:4]] == [
        "active", "archived", "active", "archived"]
    history = api.get(f"/api/relations/relations/{people[0]}/history").get_json()["items"]
    assert undo["id"] in {h["via_ref"] for h in history}

    # The owner gets a restore chunk again: the same answer, nothing restored twice.
    version = relation(api, people[0])["version"]
    again = runtime_of(product, "bulk").rpc.call(RestoreArchivedChunk, {
        "job": undo["id"], "relation_ids": people[:1], "principal": ADMIN,
        "versions": {people[0]: 0}})
    assert again[0]["outcome"] == "changed"
    assert relation(api, people[0])["version"] == version

    overwrite = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={"mode": "overwrite"})
    result = run(api, overwrite.get_json()["id"])
    assert (result["counts"]["changed"], result["counts"]["unchanged"]) == (1, 2)
    assert relation(api, people[1])["status"] == "active"
    assert relation(api, people[1])["first_name"] == "Eva"


def test_archive_names_its_reason(api, people):
    refused = create(api, people, "archive", {})
    assert refused.status_code == 422 and "params.reason" in refused.get_json()["errors"]


def test_a_retry_takes_the_confirmations_of_impacts_found_since(api, people):
    club = api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Club"}).get_json()
    job = create(api, people[:3], "archive", {"reason": "moved away"}).get_json()
    assert job["confirmations_required"] == []
    # A function begins after the preview: the owner refuses that chunk unconfirmed.
    api.post(f"/api/relations/relations/{people[0]}/functions", json={
        "organisation_id": club["id"], "role": "Chair", "start_date": "2020-01-01"})
    done = run(api, job["id"])
    assert (done["status"], done["counts"]["changed"], done["counts"]["failed"]) == (
        "completed_with_errors", 1, 2)

    unconfirmed = api.post(f"/api/bulk/jobs/{job['id']}/retry", json={})
    assert unconfirmed.status_code == 422
    problem = unconfirmed.get_json()
    assert problem["errors"] == {"confirmations": ["missing 'end_functions'"]}
    assert [i["key"] for i in problem["impacts"]] == ["end_functions"]
    assert api.get(f"/api/bulk/jobs/{job['id']}").get_json()["status"] == \
        "completed_with_errors"

    retried = api.post(f"/api/bulk/jobs/{job['id']}/retry",
                       json={"confirmations": ["end_functions"]})
    assert retried.status_code == 202, retried.get_json()
    assert retried.get_json()["confirmations_required"] == ["end_functions"]
    again = finished(api, job["id"])
    assert (again["status"], again["counts"]["changed"], again["counts"]["failed"]) == (
        "completed", 3, 0)
    assert [relation(api, rid)["status"] for rid in people[:3]] == ["archived"] * 3
