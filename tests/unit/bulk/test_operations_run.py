"""The built-in operations end to end: tags, archive with its impacts, delete, undo."""

from services.bulk.jobs import steer
from shared.testing import wait_until
from tests.unit.bulk.conftest import create, finished, relation


def confirm(api, job_id, **body):
    return api.post(f"/api/bulk/jobs/{job_id}/confirm", json=body)


def test_tags_are_added_and_removed(api, people):
    job = create(api, people[:3], "add_tag", {"tag": "vip"}).get_json()
    assert job["items"][0]["diff"] == {"tags": [[], ["vip"]]}
    confirm(api, job["id"])
    assert finished(api, job["id"])["counts"]["changed"] == 3
    assert relation(api, people[0])["tags"] == ["vip"]
    removal = create(api, people, "remove_tag", {"tag": "vip"}).get_json()
    assert [i["outcome"] for i in removal["items"]] == ["would_change"] * 3 + ["unchanged"] * 2
    confirm(api, removal["id"])
    done = finished(api, removal["id"])
    assert (done["counts"]["changed"], done["counts"]["unchanged"]) == (3, 2)
    assert relation(api, people[0])["tags"] == []


def test_archive_asks_to_confirm_its_impacts(api, people):
    club = api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Club"}).get_json()
    api.post(f"/api/relations/relations/{people[0]}/functions", json={
        "organisation_id": club["id"], "role": "Chair", "start_date": "2020-01-01"})
    job = create(api, people[:3], "archive", {"reason": "moved away"}).get_json()
    assert job["impacts"] == [{"key": "end_functions", "count": 1, "confirmation":
                               "end_functions",
                               "description": "1 open functions will end today"}]
    assert job["confirmations_required"] == ["end_functions"]
    refused = confirm(api, job["id"])
    assert refused.status_code == 422 and "confirmations" in refused.get_json()["errors"]
    assert confirm(api, job["id"], confirmations=["end_functions"]).status_code == 202
    assert finished(api, job["id"])["status"] == "completed"
    assert relation(api, people[0])["status"] == "archived"
    again = confirm(api, job["id"], confirmations=["end_functions"])
    assert again.status_code == 409


def test_delete_is_for_superusers(api, staff_api, people):
    administrator = staff_api("administrator")
    refused = create(administrator, people[:1], "delete", {})
    assert refused.status_code == 403 and refused.get_json()["permission"] == "relations:delete"
    job = create(api, people[:2], "delete", {}).get_json()
    confirm(api, job["id"])
    assert finished(api, job["id"])["counts"]["changed"] == 2
    assert api.get(f"/api/relations/relations/{people[0]}").status_code == 410


def test_undo_lists_relations_changed_since_and_skips_or_overwrites_them(api, people):
    job = create(api, people[:3], params={"changes": {"newsletter": {"set": True}}}).get_json()
    confirm(api, job["id"])
    finished(api, job["id"])
    edited = api.patch(f"/api/relations/relations/{people[1]}", json={"first_name": "Eva"},
                       headers={"If-Match": f'"{people[1]}.2"'})
    assert edited.status_code == 200, edited.get_json()

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={})
    assert undo.status_code == 201, undo.get_json()
    preview = undo.get_json()
    assert (preview["status"], preview["undo_of"], preview["total"]) == ("draft", job["id"], 3)
    assert [i["outcome"] for i in preview["items"]] == ["would_change", "changed_since",
                                                        "would_change"]
    assert preview["items"][0]["diff"] == {"fields.newsletter": [True, None]}
    assert preview["impacts"][0]["key"] == "changed_since"
    assert preview["impacts"][0]["count"] == 1
    assert confirm(api, preview["id"], mode="skip").status_code == 202
    skipped = finished(api, preview["id"])
    assert (skipped["counts"]["changed"], skipped["counts"]["skipped"]) == (2, 1)
    assert relation(api, people[0])["fields"].get("newsletter") is None
    kept = relation(api, people[1])
    assert kept["fields"]["newsletter"] is True and kept["first_name"] == "Eva"

    overwrite = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={"mode": "overwrite"})
    confirm(api, overwrite.get_json()["id"])
    assert finished(api, overwrite.get_json()["id"])["status"] == "completed"
    restored = relation(api, people[1])
    assert restored["fields"].get("newsletter") is None and restored["first_name"] == "Eva"
    undo_of_undo = api.post(f"/api/bulk/jobs/{preview['id']}/undo", json={})
    assert undo_of_undo.status_code == 409


def test_a_large_undo_answers_at_once_and_a_worker_counts_what_changed_since(api, people,
                                                                             monkeypatch):
    monkeypatch.setattr(steer, "COUNT_INLINE", 2)  # "large": more than two relations
    job = create(api, people[:3], params={"changes": {"newsletter": {"set": True}}}).get_json()
    confirm(api, job["id"])
    finished(api, job["id"])
    api.patch(f"/api/relations/relations/{people[2]}", json={"first_name": "Eva"},
              headers={"If-Match": f'"{people[2]}.2"'})

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert (undo["status"], undo["total"]) == ("draft", 3)
    assert undo["impacts"][0]["key"] == "changed_since"
    assert undo["impacts"][0]["count"] is None and undo["impacts"][0]["confirmation"] is None
    counted = wait_until(lambda: api.get(f"/api/bulk/jobs/{undo['id']}").get_json()[
        "impacts"][0]["count"], message="a worker to count the changed relations")
    assert counted == 1
    assert confirm(api, undo["id"], mode="skip").status_code == 202
    done = finished(api, undo["id"])
    assert (done["counts"]["changed"], done["counts"]["skipped"]) == (2, 1)
