"""The chunk commands the bulk service sends over the bus (request/reply)."""

import uuid

import pytest

from services.relations import messages
from shared.errors import Forbidden, ValidationFailed
from shared.testing import wait_until
from tests.unit.conftest import job_principal
from tests.unit.relations.conftest import emitted

ROOT, EDITOR, VIEWER = (job_principal(role) for role in ("superuser", "editor", "viewer"))


@pytest.fixture
def rpc(product):
    """Ask the relations service over the bus, as the bulk service does."""
    return next(r for r in product.runtimes if r.name == "selections").rpc


@pytest.fixture
def people(api):
    api.post("/api/relations/fields", json={"key": "newsletter", "label": "Newsletter",
                                             "type": "checkbox"})
    api.post("/api/relations/fields", json={"key": "interests", "label": "Interests",
                                             "type": "multi_choice",
                                             "options": ["Sport", "Music", "Art"]})
    api.post("/api/relations/fields", json={"key": "shares", "label": "Shares",
                                             "type": "number", "applies_to": ["person"]})
    ids = []
    for i in range(3):
        ids.append(api.post("/api/relations/relations", json={
            "type": "person", "last_name": f"Lid{i}",
            "fields": {"interests": ["music"]}}).get_json()["id"])
    ids.append(api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Club"}).get_json()["id"])
    return ids


CHANGES = {"newsletter": {"set": True}, "interests": {"add": ["sport"], "remove": ["music"]},
           "city": {"overwrite": "Delft"}}


def apply(rpc, ids, changes=CHANGES, job=None, **extra):
    return rpc.call(messages.ApplyFieldChanges, {"job": job or str(uuid.uuid4()),
                                                 "relation_ids": ids, "changes": changes,
                                                 "principal": EDITOR, **extra})


def test_a_chunk_is_applied_with_an_outcome_and_before_image_per_relation(api, rpc, people):
    outcomes = apply(rpc, people + ["missing"], job="job-1")
    assert [o["outcome"] for o in outcomes] == ["changed"] * 4 + ["failed"]
    person = api.get(f"/api/relations/relations/{people[0]}").get_json()
    assert person["fields"] == {"newsletter": True, "interests": ["sport"]}
    assert person["address"] == {"city": "Delft"}
    assert outcomes[0]["before"] == {"fields.newsletter": None, "fields.interests": ["music"],
                                     "address": None}
    assert outcomes[0]["version"] == person["version"] == 2
    history = api.get(f"/api/relations/relations/{people[0]}/history").get_json()["items"]
    assert {(h["via"], h["via_ref"]) for h in history[:3]} == {("bulk", "job-1")}
    wait_until(lambda: api.post("/api/selections/filters/count", json={
        "filter": {"field": "city", "op": "eq", "value": "Delft"}}).get_json()["count"] == 4)


def test_applying_the_same_job_twice_changes_nothing_the_second_time(api, rpc, people):
    first = apply(rpc, people, job="job-2")
    second = apply(rpc, people, job="job-2")
    assert second == first
    assert api.get(f"/api/relations/relations/{people[0]}").get_json()["version"] == 2


def test_a_change_that_does_not_fit_one_relation_fails_only_that_one(api, rpc, people):
    outcomes = apply(rpc, people, changes={"shares": {"set": 3}})
    assert [o["outcome"] for o in outcomes] == ["changed"] * 3 + ["failed"]
    assert "does not apply" in outcomes[3]["reason"]
    assert api.get(f"/api/relations/relations/{people[3]}").get_json()["version"] == 1


@pytest.mark.parametrize("changes, field", [
    ({"interests": {"add": ["chess"]}}, "interests"),
    ({"newsletter": {"overwrite": "yes"}}, "newsletter"),
    ({"nothing": {"set": 1}}, "nothing"),
    ({"newsletter": {"clear": True, "set": True}}, "newsletter"),
    ({"birth_date": {"set": "yesterday"}}, "birth_date"),
])
def test_bad_changes_are_refused_for_the_whole_chunk_naming_the_field(rpc, people, changes,
                                                                      field):
    with pytest.raises(ValidationFailed) as refused:
        apply(rpc, people, changes=changes)
    assert field in refused.value.errors
    with pytest.raises(ValidationFailed):
        rpc.call(messages.CheckFieldChanges, {"changes": changes})


def test_undo_restores_before_images_and_skips_relations_changed_since(api, rpc, people):
    outcomes = apply(rpc, people[:2], job="job-3")
    images = {o["relation_id"]: {"before": o["before"], "version": o["version"]}
              for o in outcomes}
    api.patch(f"/api/relations/relations/{people[1]}", json={"first_name": "Eva"},
              headers={"If-Match": f'"{people[1]}.2"'})
    undone = rpc.call(messages.RestoreBeforeImages, {"job": "undo-3", "relation_ids": people[:2],
                                                      "images": images, "mode": "skip",
                                                      "principal": EDITOR})
    assert [o["outcome"] for o in undone] == ["changed", "failed"]
    assert "changed by someone else" in undone[1]["reason"]
    restored = api.get(f"/api/relations/relations/{people[0]}").get_json()
    assert restored["fields"] == {"interests": ["music"]} and restored["address"] is None
    forced = rpc.call(messages.RestoreBeforeImages, {"job": "undo-3b",
                                                      "relation_ids": people[1:2],
                                                      "images": images, "mode": "overwrite",
                                                      "principal": EDITOR})
    assert forced[0]["outcome"] == "changed"
    kept = api.get(f"/api/relations/relations/{people[1]}").get_json()
    assert kept["first_name"] == "Eva" and kept["fields"] == {"interests": ["music"]}


def test_archive_and_delete_chunks(api, rpc, people):
    archive = {"job": "job-4", "relation_ids": people[:2], "reason": "inactive"}
    with pytest.raises(Forbidden):
        rpc.call(messages.ArchiveChunk, {**archive, "principal": VIEWER})
    archived = rpc.call(messages.ArchiveChunk, {**archive, "principal": EDITOR})
    assert [o["outcome"] for o in archived] == ["changed", "changed"]
    assert api.get(f"/api/relations/relations/{people[0]}").get_json()["status"] == "archived"
    for principal in ({}, {"principal": EDITOR}):  # no principal, or one without the right
        with pytest.raises(Forbidden) as refused:
            rpc.call(messages.DeleteChunk, {"job": "job-5", "relation_ids": people[2:],
                                            **principal})
        assert "relations:delete" in refused.value.detail
    assert api.get(f"/api/relations/relations/{people[2]}").status_code == 200
    deleted = rpc.call(messages.DeleteChunk, {"job": "job-6", "relation_ids": people[2:],
                                              "principal": ROOT})
    assert [o["outcome"] for o in deleted] == ["changed", "changed"]
    assert api.get(f"/api/relations/relations/{people[2]}").status_code == 410


def test_queries_for_previews(rpc, people):
    states = rpc.call(messages.GetRelationStates, {"relation_ids": people[:2] + ["missing"]})
    assert [s["id"] for s in states["states"]] == people[:2]
    assert states["missing"] == ["missing"]
    assert rpc.call(messages.AssessArchive, {"relation_ids": people}) == {"impacts": []}


def test_versions_of_live_relations_only(api, rpc, people):
    api.patch(f"/api/relations/relations/{people[0]}", json={"first_name": "Changed"},
              headers={"If-Match": f'"{people[0]}.1"'})
    rpc.call(messages.DeleteChunk, {"job": "job-v", "relation_ids": [people[1]],
                                    "principal": ROOT})
    versions = rpc.call(messages.GetRelationVersions,
                        {"relation_ids": people[:3] + ["missing"]})["versions"]
    assert versions == {people[0]: 2, people[2]: 1}


def test_tag_chunks_add_once_and_remove_every_occurrence(api, rpc, people):
    api.post("/api/relations/tags", json={"key": "vip", "label": "VIP"})
    with pytest.raises(Forbidden):
        rpc.call(messages.AddTagChunk, {"job": "job-7", "relation_ids": people[:2],
                                        "tag": "vip", "principal": VIEWER})
    added = rpc.call(messages.AddTagChunk, {"job": "job-7", "relation_ids": people[:2],
                                            "tag": "vip", "principal": EDITOR})
    assert [o["outcome"] for o in added] == ["changed", "changed"]
    again = rpc.call(messages.AddTagChunk, {"job": "job-8", "relation_ids": people[:2],
                                            "tag": "vip", "principal": EDITOR})
    assert [o["outcome"] for o in again] == ["unchanged", "unchanged"]
    assert api.get(f"/api/relations/relations/{people[0]}").get_json()["tags"] == ["vip"]
    removed = rpc.call(messages.RemoveTagChunk, {"job": "job-9", "relation_ids": people,
                                                 "tag": "vip", "principal": EDITOR})
    assert [o["outcome"] for o in removed] == ["changed", "changed", "unchanged", "unchanged"]
    assert removed[0]["before"] == {"tags": ["vip"]}
    with pytest.raises(ValidationFailed) as refused:
        rpc.call(messages.AddTagChunk, {"job": "job-10", "relation_ids": people, "tag": "nope",
                                        "principal": EDITOR})
    assert "tag" in refused.value.errors


def test_a_batch_of_custom_field_values_only_has_its_own_event_type(rpc, people,
                                                                     relations_service):
    apply(rpc, people[:2], changes={"newsletter": {"set": True}}, job="values")
    apply(rpc, people[:2], changes={"city": {"overwrite": "Delft"}}, job="card")
    # Services that keep neither custom fields nor tags (accounts) need not take the first.
    assert [batch["job"] for batch in emitted(
        relations_service, "relations.relations.batch_values_updated")] == ["values"]
    assert [batch["job"] for batch in emitted(
        relations_service, "relations.relations.batch_updated")] == ["card"]
