"""Merging relations, and undoing a merge: nothing is lost."""

import pytest

from shared.testing import wait_until


def create(api, **body):
    response = api.post("/api/relations/relations", json={"type": "person", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def pair(api):
    api.post("/api/relations/fields", json={"key": "newsletter", "label": "N",
                                             "type": "checkbox"})
    api.post("/api/relations/tags", json={"key": "volunteer", "label": "Volunteer"})
    api.post("/api/relations/tags", json={"key": "donor", "label": "Donor"})
    keep = create(api, first_name="Jan", last_name="Jansen",
                  emails=[{"address": "jan@example.org"}])
    other = create(api, first_name="J.", last_name="Janssen", birth_date="1970-05-01",
                   emails=[{"address": "JAN@example.org"}, {"address": "j@work.example"}],
                   phones=[{"number": "0612345678"}], fields={"newsletter": True})
    for relation, tag in ((keep, "volunteer"), (other, "donor")):
        assert api.put(f"/api/relations/relations/{relation['id']}/tags/{tag}").status_code \
            in (200, 201, 204)
    club = api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Club"}).get_json()
    api.post(f"/api/relations/relations/{other['id']}/functions", json={
        "organisation_id": club["id"], "role": "treasurer", "start_date": "2021-01-01"})
    api.post(f"/api/relations/relations/{other['id']}/contact-moments", json={
        "kind": "phone", "subject": "Called about dues"})
    return keep, other


def merge(api, keep, other, **choices):
    response = api.post("/api/relations/merges", json={"keep": keep["id"],
                                                       "others": [other["id"]],
                                                       "choices": choices})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_merge_unites_everything_on_the_keeper(api, pair):
    keep, other = pair
    result = merge(api, keep, other, last_name=other["id"])
    kept = result["keep"]
    assert (kept["first_name"], kept["last_name"]) == ("Jan", "Janssen")
    assert kept["birth_date"] == "1970-05-01"  # the keeper had none
    assert [e["address"] for e in kept["emails"]] == ["jan@example.org", "j@work.example"]
    assert kept["phones"][0]["number"] == "+31612345678"
    assert kept["fields"] == {"newsletter": True}
    assert sorted(kept["tags"]) == ["donor", "volunteer"]
    url = f"/api/relations/relations/{keep['id']}"
    assert api.get(f"{url}/functions").get_json()["items"][0]["role"] == "treasurer"
    moments = api.get(f"{url}/contact-moments").get_json()["items"]
    assert [m["subject"] for m in moments] == ["Called about dues"]
    history_fields = {h["field"] for h in api.get(f"{url}/history",
                                                  query_string={"limit": 200}).get_json()["items"]}
    assert {"merged", "created"} <= history_fields
    assert api.get(f"/api/relations/relations/{other['id']}").get_json() == {
        "id": other["id"], "merged_into": keep["id"]}
    wait_until(lambda: api.post("/api/selections/filters/count", json={
        "filter": {"field": "last_name", "op": "eq", "value": "Janssen"}}).get_json()[
        "count"] == 1, message="the read model to follow the merge")


def test_undo_puts_everything_back(api, pair):
    keep, other = pair
    result = merge(api, keep, other, last_name=other["id"])
    undone = api.post(f"/api/relations/merges/{result['merge']['id']}/undo")
    assert undone.status_code == 200, undone.get_json()
    for before in (keep, other):
        now = api.get(f"/api/relations/relations/{before['id']}").get_json()
        for field in ("first_name", "last_name", "birth_date", "emails", "phones", "fields"):
            assert now[field] == before[field], field
    assert api.get(f"/api/relations/relations/{keep['id']}").get_json()["tags"] == ["volunteer"]
    other_url = f"/api/relations/relations/{other['id']}"
    assert api.get(other_url).get_json()["tags"] == ["donor"]
    assert len(api.get(f"{other_url}/functions").get_json()["items"]) == 1
    assert len(api.get(f"{other_url}/contact-moments").get_json()["items"]) == 1
    again = api.post(f"/api/relations/merges/{result['merge']['id']}/undo")
    assert again.status_code == 409


def test_undo_is_refused_when_the_keeper_changed_since_unless_forced(api, pair):
    keep, other = pair
    result = merge(api, keep, other)
    kept = result["keep"]
    api.patch(f"/api/relations/relations/{keep['id']}", json={"initials": "J."},
              headers={"If-Match": f'"{keep["id"]}.{kept["version"]}"'})
    url = f"/api/relations/merges/{result['merge']['id']}/undo"
    assert api.post(url).status_code == 409
    assert api.post(url, query_string={"force": "true"}).status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"others": []}, "others"),
    ({"others": ["KEEP"]}, "others"),
    ({"choices": {"last_name": "nobody"}}, "choices.last_name"),
    ({"choices": {"shoe_size": "KEEP"}}, "choices.shoe_size"),
])
def test_bad_merge_requests_are_refused_naming_the_field(api, pair, body, field):
    keep, other = pair
    request = {"keep": keep["id"], "others": [other["id"]], **body}
    request = {k: (v.replace("KEEP", keep["id"]) if isinstance(v, str) else
                   [x.replace("KEEP", keep["id"]) for x in v] if isinstance(v, list) else
                   {a: b.replace("KEEP", keep["id"]) for a, b in v.items()})
               for k, v in request.items()}
    response = api.post("/api/relations/merges", json=request)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_person_and_an_organisation_do_not_merge(api, pair):
    keep, _other = pair
    club = api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Acme"}).get_json()
    response = api.post("/api/relations/merges", json={"keep": keep["id"],
                                                       "others": [club["id"]]})
    assert response.status_code == 422 and "others" in response.get_json()["errors"]


def test_a_merged_relation_cannot_be_changed_or_merged_again(api, pair):
    keep, other = pair
    merge(api, keep, other)
    response = api.patch(f"/api/relations/relations/{other['id']}", json={"first_name": "X"},
                         headers={"If-Match": f'"{other["id"]}.9"'})
    assert response.status_code == 409
    assert response.get_json()["merged_into"] == keep["id"]


def test_a_batch_merge_in_safe_mode_skips_conflicting_pairs_and_lists_them(api):
    alike = [create(api, last_name="Gelijk", emails=[{"address": f"g{i}@example.org"}])
             for i in range(2)]
    api.patch(f"/api/relations/relations/{alike[1]['id']}",
              json={"emails": [{"address": "g0@example.org"}]},
              headers={"If-Match": f'"{alike[1]["id"]}.1"'})
    odd = [create(api, first_name=name, last_name="Anders",
                  emails=[{"address": "a@example.org"}]) for name in ("Piet", "Paul")]
    response = api.post("/api/relations/merges/pairs", json={"min_score": 80})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert [(m["keep"], m["other"]) for m in result["merged"]] == [
        (alike[0]["id"], alike[1]["id"])]
    assert result["skipped"][0]["conflicts"] == ["first_name"]
    assert api.get(f"/api/relations/relations/{odd[1]['id']}").get_json()["first_name"] == "Paul"


def test_a_batch_merge_by_rules_lets_the_newest_value_win(api):
    old = create(api, first_name="Piet", last_name="Regel", emails=[{"address": "r@x.nl"}])
    new = create(api, first_name="Pieter", last_name="Regel", emails=[{"address": "r@x.nl"}])
    response = api.post("/api/relations/merges/pairs", json={
        "pairs": [[old["id"], new["id"]]], "mode": "rules", "rule": "newest"})
    [merged] = response.get_json()["merged"]
    assert merged["keep"] == old["id"]
    kept = api.get(f"/api/relations/relations/{old['id']}").get_json()
    assert kept["first_name"] == "Pieter"


def test_a_batch_merge_names_what_is_wrong(api):
    response = api.post("/api/relations/merges/pairs", json={"pairs": [], "min_score": 1})
    assert response.status_code == 422 and "pairs" in response.get_json()["errors"]
    gone = api.post("/api/relations/merges/pairs", json={"pairs": [["x", "y"]]}).get_json()
    assert gone["skipped"][0]["reason"] == "relation x does not exist"
