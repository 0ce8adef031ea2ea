"""History of every change, the feed, and phone numbers in E.164."""

import pytest


def create(api, **body):
    response = api.post("/api/relations/relations", json={"type": "person", "last_name": "Bos",
                                                          **body})
    assert response.status_code == 201, response.get_json()
    return response


@pytest.mark.parametrize("number, country, expected", [
    ("06 12345678", None, "+31612345678"),
    ("+31 6 1234 5678", None, "+31612345678"),
    ("0470 12 34 56", "BE", "+32470123456"),
    ("(030) 123 4567", "NL", "+31301234567"),
])
def test_phone_numbers_are_stored_in_e164(api, number, country, expected):
    address = {"country": country} if country else None
    relation = create(api, phones=[{"number": number}], address=address).get_json()
    assert relation["phones"] == [{"number": expected, "label": None, "primary": True}]


@pytest.mark.parametrize("number, reason", [
    ("12", "too short"),
    ("+99 123456789", "country code"),
    ("0612345678901", "too long"),
    ("06 1234", "not a valid number"),
    ("call me", "not a phone number"),
])
def test_an_invalid_phone_number_is_refused_with_its_reason(api, number, reason):
    response = api.post("/api/relations/relations", json={
        "type": "person", "last_name": "Bos", "phones": [{"number": "0612345678"},
                                                         {"number": number}]})
    assert response.status_code == 422
    assert reason in response.get_json()["errors"]["phones.1.number"][0]


def test_every_change_is_in_the_history_with_who_and_through_what(api):
    created = create(api, first_name="Piet")
    url = created.headers["Location"]
    api.patch(url, json={"first_name": "Pieter", "emails": [{"address": "p@Example.org"}]},
              headers={"If-Match": created.headers["ETag"], "X-Correlation-ID": "req-42"})
    items = api.get(f"{url}/history").get_json()["items"]
    changed = {item["field"]: item for item in items if item["via_ref"] == "req-42"}
    assert changed["first_name"]["before"] == "Piet"
    assert changed["first_name"]["after"] == "Pieter"
    assert changed["emails"]["after"] == [{"address": "p@example.org", "label": None,
                                           "primary": True}]
    caller = "staff:" + api.get("/api/accounts/me").get_json()["id"]
    assert {item["principal"] for item in items} == {caller}
    assert {item["via"] for item in items} == {"api"}
    assert items[-1]["field"] == "created"


def test_the_history_pages_newest_first(api):
    created = create(api, first_name="A")
    url, etag = created.headers["Location"], created.headers["ETag"]
    for name in ("B", "C", "D"):
        etag = api.patch(url, json={"first_name": name}, headers={"If-Match": etag}
                         ).headers["ETag"]
    first = api.get(f"{url}/history", query_string={"limit": 2}).get_json()
    assert [item["after"] for item in first["items"]] == ["D", "C"]
    rest = api.get(f"{url}/history", query_string={"cursor": first["next_cursor"]}).get_json()
    assert [item["after"] for item in rest["items"]][:1] == ["B"]
    assert api.get("/api/relations/relations/nobody/history").status_code == 404


def test_the_feed_shows_changes_by_others_unless_asked_for_ones_own(api):
    create(api)
    assert api.get("/api/relations/feed").get_json()["items"] == []  # all by the caller
    mine = api.get("/api/relations/feed", query_string={"include_mine": "true"}).get_json()
    assert mine["items"][0]["field"] == "last_name"
