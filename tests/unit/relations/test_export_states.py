"""relations.export_states: every current state, a page at a time, as a rebuild asks for it."""

import pytest

from services.relations import messages
from shared.errors import ValidationFailed

RELATIONS = "/api/relations"


@pytest.fixture
def rpc(product):
    return next(r for r in product.runtimes if r.name == "selections").rpc


def created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def export(rpc, part, limit=1000):
    """Every item of a part, asked `limit` at a time; checks the pages follow on by id."""
    items, after, pages = [], None, 0
    while True:
        page = rpc.call(messages.ExportStates, {"part": part, "after": after, "limit": limit})
        assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        if (after := page["next"]) is None:
            break
        assert after == page["items"][-1].get("id", page["items"][-1].get("key"))
    return items, pages


def person(api, name, **extra):
    return created(api.post(f"{RELATIONS}/relations", json={
        "type": "person", "last_name": name, **extra}))


def test_live_states_page_by_id_and_gone_ones_say_where_they_went(api, rpc, as_superuser):
    people = [person(api, f"Lid{i}") for i in range(5)]
    keep, merged, deleted = people[0], people[1], people[2]
    merge = created(api.post(f"{RELATIONS}/merges", json={
        "keep": keep["id"], "others": [merged["id"]], "choices": {}}))
    assert as_superuser("relations").delete(
        f"{RELATIONS}/relations/{deleted['id']}").status_code in (200, 204)

    states, pages = export(rpc, "relations", limit=2)
    assert pages == 2
    assert [s["id"] for s in states] == sorted({keep["id"], people[3]["id"], people[4]["id"]})
    by_id = {s["id"]: s for s in states}
    assert by_id[keep["id"]] == created(api.get(f"{RELATIONS}/relations/{keep['id']}"), 200)

    gone, pages = export(rpc, "gone", limit=1)
    assert pages == 2
    assert {(g["id"], g["reason"], g["merged_into"], g["merge_id"]) for g in gone} == {
        (merged["id"], "merged", keep["id"], merge["merge"]["id"]),
        (deleted["id"], "deleted", None, None)}
    assert all(g["at"] for g in gone)


def test_an_undone_merge_leaves_nothing_gone(api, rpc):
    keep, other = person(api, "Keep"), person(api, "Other")
    merge = created(api.post(f"{RELATIONS}/merges", json={
        "keep": keep["id"], "others": [other["id"]], "choices": {}}))
    created(api.post(f"{RELATIONS}/merges/{merge['merge']['id']}/undo"), 200)
    assert export(rpc, "gone")[0] == []
    assert {s["id"] for s in export(rpc, "relations")[0]} == {keep["id"], other["id"]}


def test_functions_dossiers_and_definitions_come_as_their_events_carry_them(api, rpc):
    anna = person(api, "Anna")
    acme = created(api.post(f"{RELATIONS}/relations", json={
        "type": "organisation", "organisation_name": "Acme"}))
    function = created(api.post(f"{RELATIONS}/relations/{anna['id']}/functions", json={
        "organisation_id": acme["id"], "role": "Chair", "start_date": "2020-01-01"}))
    created(api.post(f"{RELATIONS}/fields", json={
        "key": "interests", "label": "Interests", "type": "multi_choice",
        "options": ["Sport"]}))
    created(api.post(f"{RELATIONS}/tags", json={"key": "press", "label": "Press"}))
    created(api.post(f"{RELATIONS}/dossier-actions", json={"key": "mail", "label": "Mail"}))
    dossier = created(api.post(f"{RELATIONS}/dossiers", json={
        "name": "Anna", "kind": "household", "member_ids": [anna["id"]], "actions": ["mail"]}))

    (exported,), _ = export(rpc, "functions")
    assert {k: exported[k] for k in ("id", "relation_id", "organisation_id", "role",
                                     "start_date", "end_date", "active")} == {
        "id": function["id"], "relation_id": anna["id"], "organisation_id": acme["id"],
        "role": "Chair", "start_date": "2020-01-01", "end_date": None, "active": True}
    (exported,), _ = export(rpc, "dossiers")
    assert (exported["id"], exported["member_ids"], exported["actions"], exported["version"]) == (
        dossier["id"], [anna["id"]], ["mail"], dossier["version"])
    (field,), _ = export(rpc, "fields")
    assert (field["key"], field["type"], field["options"]) == (
        "interests", "multi_choice", [{"key": "sport", "label": "Sport"}])
    assert [t["key"] for t in export(rpc, "tags")[0]] == ["press"]
    assert [a["key"] for a in export(rpc, "dossier_actions")[0]] == ["mail"]


@pytest.mark.parametrize("payload, field", [
    ({"part": "accounts"}, "part"),
    ({"part": "relations", "limit": 1001}, "limit"),
    ({"part": "relations", "limit": 0}, "limit"),
])
def test_a_bad_question_is_refused_naming_the_field(rpc, payload, field):
    with pytest.raises(ValidationFailed) as refused:
        rpc.call(messages.ExportStates, payload)
    assert field in str(refused.value.errors)
