"""The relation card through the gateway (embedded): create, read, list, update with ETags."""

import pytest

PERSON = {
    "type": "person",
    "first_name": "Anna",
    "infix": "van der",
    "last_name": "Berg",
    "emails": [{"address": "anna@example.org", "label": "home"}],
    "phones": [{"number": "+31612345678"}],
    "address": {"street": "Oudegracht", "number": "1", "postcode": "3511AA", "city": "Utrecht",
                "country": "NL"},
}


def create(api, body=PERSON):
    response = api.post("/api/relations/relations", json=body)
    assert response.status_code == 201, response.get_json()
    return response


def test_a_created_person_reads_back_with_its_etag(api):
    created = create(api)
    relation = created.get_json()
    assert relation["status"] == "active" and relation["version"] == 1
    assert relation["emails"] == [{"address": "anna@example.org", "label": "home",
                                   "primary": True}]
    read = api.get(created.headers["Location"])
    assert read.status_code == 200
    assert read.get_json() == relation
    assert read.headers["ETag"] == created.headers["ETag"]


def test_an_organisation_needs_its_name_and_a_person_no_organisation_name(api):
    response = api.post("/api/relations/relations", json={"type": "organisation"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "organisation_name" in response.get_json()["errors"]
    response = api.post("/api/relations/relations",
                        json={**PERSON, "organisation_name": "Acme"})
    assert response.status_code == 422
    assert "organisation_name" in response.get_json()["errors"]


@pytest.mark.parametrize("body, field", [
    ({**PERSON, "shoe_size": 42}, "shoe_size"),
    ({**PERSON, "type": "robot"}, "type"),
    ({**PERSON, "emails": [{"address": "not-an-address"}]}, "emails"),
    ({**PERSON, "birth_date": "31-12-1990"}, "birth_date"),
    ({**PERSON, "emails": [{"address": "a@example.org", "primary": True},
                           {"address": "b@example.org", "primary": True}]}, "emails"),
])
def test_bad_input_is_a_problem_naming_the_field(api, body, field):
    response = api.post("/api/relations/relations", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["status"] == 422 and field in problem["errors"]
    assert field in problem["detail"]


def test_an_update_needs_the_etag_and_a_stale_one_loses_nothing(api):
    created = create(api)
    url, etag = created.headers["Location"], created.headers["ETag"]
    assert api.patch(url, json={"first_name": "Anne"}).status_code == 428
    first = api.patch(url, json={"first_name": "Anne"}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = api.patch(url, json={"last_name": "Dijk"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.get_json()["current_version"] == 2
    current = api.get(url).get_json()
    assert (current["first_name"], current["last_name"]) == ("Anne", "Berg")


def test_the_type_of_a_relation_never_changes(api):
    created = create(api)
    response = api.patch(created.headers["Location"], json={"type": "organisation"},
                         headers={"If-Match": created.headers["ETag"]})
    assert response.status_code == 422 and "type" in response.get_json()["errors"]


def test_an_unknown_relation_is_a_404_problem(api):
    response = api.get("/api/relations/relations/does-not-exist")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_the_list_pages_with_an_opaque_cursor(api):
    ids = [create(api, {**PERSON, "first_name": f"P{i}"}).get_json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/relations/relations", query_string=query).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    from shared.pagination import encode_cursor

    for forged in ("garbage", encode_cursor(["not a time", "x"]), encode_cursor([1])):
        bad = api.get("/api/relations/relations", query_string={"cursor": forged})
        assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
