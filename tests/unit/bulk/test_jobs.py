"""A bulk job through the gateway: preview, confirm, run by the embedded workers, results."""

from tests.unit.bulk.conftest import create, finished, relation, run_undo

CHANGES = {"newsletter": {"set": True}, "interests": {"add": ["sport"], "remove": ["music"]}}


def test_a_job_previews_then_runs_in_chunks_and_records_every_outcome(api, people):
    created = create(api, people + ["missing"], params={"changes": CHANGES})
    assert created.status_code == 201, created.get_json()
    preview = created.get_json()
    assert (preview["status"], preview["total"], preview["impacts"]) == ("draft", 6, [])
    first = preview["items"][0]
    assert first["relation_id"] == sorted(people + ["missing"])[0]
    by_id = {item["relation_id"]: item for item in preview["items"]}
    assert by_id[people[0]]["diff"] == {"fields.newsletter": [None, True],
                                        "fields.interests": [["music"], ["sport"]]}
    assert by_id[people[0]]["outcome"] == "would_change"
    assert by_id[people[0]]["name"].startswith("Lid")
    assert by_id["missing"]["outcome"] == "would_fail"
    assert relation(api, people[0])["version"] == 1  # nothing changed yet

    job_id = preview["id"]
    confirmed = api.post(f"/api/bulk/jobs/{job_id}/confirm", json={})
    assert confirmed.status_code == 202 and confirmed.get_json()["status"] == "running"
    job = finished(api, job_id)
    assert job["status"] == "completed_with_errors"
    assert job["counts"] == {"done": 6, "changed": 5, "unchanged": 0, "failed": 1,
                             "skipped": 0, "cancelled": 0}
    assert job["progress"]["done"] == job["progress"]["total"] == 6
    for rid in people:
        assert relation(api, rid)["fields"] == {"newsletter": True, "interests": ["sport"]}
    results = api.get(f"/api/bulk/jobs/{job_id}/items?limit=4").get_json()
    assert [i["outcome"] for i in results["items"]].count("changed") >= 3
    more = api.get(f"/api/bulk/jobs/{job_id}/items?cursor={results['next_cursor']}").get_json()
    assert len(results["items"]) + len(more["items"]) == 6 and more["next_cursor"] is None
    failed = api.get(f"/api/bulk/jobs/{job_id}/results?outcome=failed").get_json()["items"]
    assert [(i["relation_id"], i["reason"]) for i in failed] == [("missing",
                                                                  "no such relation")]
    history = api.get(f"/api/relations/relations/{people[0]}/history").get_json()["items"]
    assert ("bulk", job_id) in {(h["via"], h["via_ref"]) for h in history}


def test_the_preview_the_results_and_the_undo_name_each_change_alike(api, people):
    api.patch(f"/api/relations/relations/{people[0]}", json={"address": {
        "street": "Dorpsstraat", "city": "Utrecht"}}, headers={"If-Match": f'"{people[0]}.1"'})
    changes = {**CHANGES, "city": {"overwrite": "Zeist"}, "last_name": {"overwrite": "Berg"}}
    preview = create(api, people[:1], params={"changes": changes}).get_json()
    diff = preview["items"][0]["diff"]
    assert diff["address"] == [{"street": "Dorpsstraat", "city": "Utrecht"},
                               {"street": "Dorpsstraat", "city": "Zeist"}]
    assert api.post(f"/api/bulk/jobs/{preview['id']}/confirm", json={}).status_code == 202
    finished(api, preview["id"])
    (result,) = api.get(f"/api/bulk/jobs/{preview['id']}/results").get_json()["items"]
    assert result["diff"] == diff
    undo, _done = run_undo(api, preview["id"])
    assert undo["items"][0]["diff"] == {field: [after, before]
                                        for field, (before, after) in diff.items()}
