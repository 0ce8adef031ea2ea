"""Tags ("kenmerken") through the gateway: definitions, tags on relations, removal from
everyone."""


import pytest

from shared.testing import wait_until
from tests.unit.relations.conftest import emitted


def define(api, key, **extra):
    response = api.post("/api/relations/tags", json={"key": key, "label": key.title(), **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def person(api, last_name="Visser"):
    response = api.post("/api/relations/relations", json={"type": "person",
                                                          "last_name": last_name})
    assert response.status_code == 201
    return response.get_json()


def tag(api, relation_id, key, **kwargs):
    return api.put(f"/api/relations/relations/{relation_id}/tags/{key}", **kwargs)


def test_a_tag_definition_is_defined_described_and_listed_by_key(api):
    define(api, "volunteer", category="roles")
    define(api, "journalist", description="Press contact", category="press")
    define(api, "donor", category="roles")
    changed = api.patch("/api/relations/tags/journalist", json={"label": "Journalist (press)"})
    assert changed.status_code == 200
    assert changed.get_json()["label"] == "Journalist (press)"
    assert changed.get_json()["description"] == "Press contact"
    first = api.get("/api/relations/tags", query_string={"limit": 2}).get_json()
    assert [item["key"] for item in first["items"]] == ["donor", "journalist"]
    rest = api.get("/api/relations/tags", query_string={"cursor": first["next_cursor"]})
    assert [item["key"] for item in rest.get_json()["items"]] == ["volunteer"]
    roles = api.get("/api/relations/tags", query_string={"category": "roles"}).get_json()
    assert [item["key"] for item in roles["items"]] == ["donor", "volunteer"]
    assert api.get("/api/relations/tags/nobody").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"key": "Bad Key", "label": "x"}, "key"),
    ({"key": "x1"}, "label"),
    ({"key": "x1", "label": ""}, "label"),
    ({"key": "x1", "label": "x", "colour": "red"}, "colour"),
    ({"key": "x1", "label": "x", "category": "c" * 101}, "category"),
])
def test_a_bad_tag_definition_is_refused_naming_the_field(api, body, field):
    response = api.post("/api/relations/tags", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_tag_key_is_defined_once_and_a_change_must_name_something(api):
    define(api, "vip")
    again = api.post("/api/relations/tags", json={"key": "vip", "label": "Other"})
    assert again.status_code == 409 and "key" in again.get_json()["errors"]
    assert api.patch("/api/relations/tags/vip", json={}).status_code == 422
    assert api.patch("/api/relations/tags/vip", json={"key": "other"}).status_code == 422


def test_tagging_changes_the_relation_once_with_history_and_an_event(api, relations_service):
    define(api, "vip")
    relation = person(api)
    tagged = tag(api, relation["id"], "vip")
    assert tagged.status_code == 200
    assert tagged.get_json()["tags"] == ["vip"] and tagged.get_json()["version"] == 2
    assert tagged.headers["ETag"] == f'"{relation["id"]}.2"'
    again = tag(api, relation["id"], "vip")
    assert again.get_json()["version"] == 2  # idempotent: nothing changed
    history = api.get(f"/api/relations/relations/{relation['id']}/history").get_json()["items"]
    assert [(h["field"], h["before"], h["after"]) for h in history if h["field"] == "tags"] \
        == [("tags", [], ["vip"])]
    updates = emitted(relations_service, "relations.relations.updated")
    assert [u["relation"]["tags"] for u in updates] == [["vip"]]
    assert updates[0]["changes"] == {"tags": [[], ["vip"]]}
    listed = api.get(f"/api/relations/relations/{relation['id']}/tags")
    assert [item["label"] for item in listed.get_json()["items"]] == ["Vip"]
    assert listed.headers["ETag"] == tagged.headers["ETag"]


def test_tagging_refuses_an_unknown_tag_an_unknown_relation_and_a_stale_etag(api):
    define(api, "vip")
    relation = person(api)
    unknown = tag(api, relation["id"], "ghost")
    assert unknown.status_code == 422
    assert "ghost" in unknown.get_json()["errors"]["tag"][0]
    assert tag(api, "nobody", "vip").status_code == 404
    stale = tag(api, relation["id"], "vip", headers={"If-Match": f'"{relation["id"]}.7"'})
    assert stale.status_code == 412 and stale.get_json()["current_version"] == 1
    fresh = tag(api, relation["id"], "vip", headers={"If-Match": f'"{relation["id"]}.1"'})
    assert fresh.status_code == 200


def test_untagging_removes_the_tag_and_not_having_it_is_no_change(api):
    define(api, "vip")
    relation = person(api)
    tag(api, relation["id"], "vip")
    url = f"/api/relations/relations/{relation['id']}/tags/vip"
    removed = api.delete(url)
    assert removed.status_code == 200
    assert removed.get_json()["tags"] == [] and removed.get_json()["version"] == 3
    assert api.delete(url).get_json()["version"] == 3


def test_a_tag_in_use_cannot_be_deleted(api):
    define(api, "vip")
    for relation in (person(api), person(api)):
        tag(api, relation["id"], "vip")
    refused = api.delete("/api/relations/tags/vip")
    assert refused.status_code == 409
    assert refused.get_json()["holders"] == 2
    assert "remove-from-everyone" in refused.get_json()["detail"]
    assert api.get("/api/relations/tags/vip").status_code == 200


def test_remove_from_everyone_takes_every_occurrence_in_one_batch_event_per_chunk(
        api, relations_service, monkeypatch):
    monkeypatch.setattr("services.relations.handlers.batch.BATCH", 2)
    define(api, "vip")
    define(api, "donor")
    holders = [person(api, "Holder") for _ in range(3)]
    for relation in holders:
        tag(api, relation["id"], "vip")
    tag(api, holders[0]["id"], "donor")
    other = person(api, "Other")
    tag(api, other["id"], "donor")
    with relations_service.unit_of_work() as uow:  # a duplicate, as old imports left them
        uow.relations.get(holders[1]["id"]).tags = ["vip", "vip"]
        uow.commit()

    done = api.post("/api/relations/tags/vip/remove-from-everyone")
    assert done.status_code == 200 and done.get_json() == {"changed": 3}
    after = {r["id"]: api.get(f"/api/relations/relations/{r['id']}").get_json()
             for r in [*holders, other]}
    assert [after[r["id"]]["tags"] for r in holders] == [["donor"], [], []]
    assert after[other["id"]]["version"] == 2  # untouched
    batches = emitted(relations_service, "relations.relations.batch_values_updated")
    assert [len(batch["entries"]) for batch in batches] == [2, 1]
    entries = {e["relation"]["id"]: e for batch in batches for e in batch["entries"]}
    assert entries[holders[1]["id"]]["changes"] == {"tags": [["vip", "vip"], []]}
    history = api.get(f"/api/relations/relations/{holders[0]['id']}/history").get_json()
    assert history["items"][0]["field"] == "tags"
    assert history["items"][0]["before"] == ["vip", "donor"]
    assert history["items"][0]["after"] == ["donor"]
    assert api.delete("/api/relations/tags/vip").status_code == 204
    assert api.post("/api/relations/tags/vip/remove-from-everyone").status_code == 404

    def versions_seen():
        found = api.post("/api/selections/filters/query", json={
            "filter": {"field": "last_name", "op": "eq", "value": "Holder"}}).get_json()
        return sorted(item["version"] for item in found["items"])

    wait_until(lambda: versions_seen() == [3, 4, 4], message="the read model")


def test_a_relation_tags_move_to_another_without_duplicates(api, relations_service):
    define(api, "vip")
    define(api, "donor")
    define(api, "press")
    keeper, other = person(api, "Keeper"), person(api, "Other")
    for key in ("vip", "donor"):
        tag(api, keeper["id"], key)
    for key in ("press", "vip"):
        tag(api, other["id"], key)
    with relations_service.unit_of_work() as uow:
        source, target = uow.relations.get(other["id"]), uow.relations.get(keeper["id"])
        changes = uow.tags.move_tags(source, target)
        uow.commit()
    assert changes == {keeper["id"]: {"tags": [["vip", "donor"], ["vip", "donor", "press"]]},
                       other["id"]: {"tags": [["press", "vip"], []]}}
    assert api.get(f"/api/relations/relations/{keeper['id']}").get_json()["tags"] == [
        "vip", "donor", "press"]
