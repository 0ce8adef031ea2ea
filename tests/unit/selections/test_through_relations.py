"""The read model fed by the real relations service through the embedded product: what staff
write through the gateway, filters find, with the events relations really publishes."""

from shared.testing import wait_until

RELATIONS = "/api/relations"


def created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def count(api, filter_node):
    response = api.post("/api/selections/filters/count", json={"filter": filter_node})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["count"]


def ids(api, filter_node):
    response = api.post("/api/selections/filters/query", json={"filter": filter_node})
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def eventually(api, filter_node, expected, what):
    wait_until(lambda: ids(api, filter_node) == expected, message=what)


def test_fields_tags_functions_and_dossiers_written_upstream_are_filterable(api):
    created(api.post(f"{RELATIONS}/fields", json={
        "key": "interests", "label": "Interests", "type": "multi_choice",
        "options": ["Sport", "Music"]}))
    created(api.post(f"{RELATIONS}/tags", json={"key": "journalist", "label": "Journalist"}))
    created(api.post(f"{RELATIONS}/dossier-actions", json={"key": "newsletter",
                                                           "label": "Newsletter"}))
    anna = created(api.post(f"{RELATIONS}/relations", json={
        "type": "person", "first_name": "Anna", "last_name": "Müller", "birth_date": "1950-01-01",
        "address": {"city": "Utrecht"}, "fields": {"interests": ["sport"]}}))
    acme = created(api.post(f"{RELATIONS}/relations", json={
        "type": "organisation", "organisation_name": "Acme"}))
    created(api.put(f"{RELATIONS}/relations/{anna['id']}/tags/journalist"), 200)
    created(api.post(f"{RELATIONS}/relations/{anna['id']}/functions", json={
        "organisation_id": acme["id"], "role": "Board Member", "start_date": "2020-01-01"}))
    created(api.post(f"{RELATIONS}/dossiers", json={
        "name": "Müller", "kind": "household", "member_ids": [anna["id"]],
        "actions": ["newsletter"]}))

    everything = {"and": [
        {"field": "last_name", "op": "eq", "value": "MULLER"},
        {"field": "interests", "op": "contains", "value": "sport"},
        {"age": {"op": "gte", "value": 65}}, {"tag": "journalist"},
        {"dossier_action": "newsletter"},
        {"function": {"role": "board member", "organisation": acme["id"]}},
        {"account": "none"}, {"archived": False}]}
    eventually(api, everything, {anna["id"]}, "every condition to hold for Anna")


def test_merges_undo_and_deletion_upstream_are_followed(api, as_superuser):
    keep, other = (created(api.post(f"{RELATIONS}/relations", json={
        "type": "person", "last_name": "Janssen", "address": {"city": city}}))
        for city in ("Assen", "Emmen"))
    named = {"field": "last_name", "op": "eq", "value": "janssen"}
    eventually(api, named, {keep["id"], other["id"]}, "both relations")

    merge = created(api.post(f"{RELATIONS}/merges", json={
        "keep": keep["id"], "others": [other["id"]], "choices": {"address": other["id"]}}))
    eventually(api, named, {keep["id"]}, "the merge")
    assert count(api, {"field": "city", "op": "eq", "value": "Emmen"}) == 1

    created(api.post(f"{RELATIONS}/merges/{merge['merge']['id']}/undo"), 200)
    eventually(api, named, {keep["id"], other["id"]}, "the undo")
    assert ids(api, {"field": "city", "op": "eq", "value": "Emmen"}) == {other["id"]}

    gone = as_superuser("relations").delete(f"{RELATIONS}/relations/{other['id']}")
    assert gone.status_code in (200, 204), gone.get_json()
    eventually(api, named, {keep["id"]}, "the deletion")
