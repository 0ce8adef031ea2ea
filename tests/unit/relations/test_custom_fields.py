"""Custom fields through the gateway: definitions, validated values, guarded removal."""

import pytest

from shared.testing import wait_until


def define(api, **body):
    response = api.post("/api/relations/fields", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def person(api, **extra):
    response = api.post("/api/relations/relations",
                        json={"type": "person", "last_name": "Smit", **extra})
    return response


@pytest.fixture
def card(api):
    """A card with one field of every type."""
    define(api, key="newsletter", label="Newsletter", type="checkbox")
    define(api, key="member_type", label="Member type", type="choice",
           options=["Junior", "Senior"])
    define(api, key="interests", label="Interests", type="multi_choice",
           options=["Sport", "Music", {"key": "art", "label": "Art & culture"}])
    define(api, key="remarks", label="Remarks", type="long_text")
    define(api, key="joined", label="Joined", type="date")
    define(api, key="shares", label="Shares", type="number", applies_to=["person"])
    return api


def test_a_relation_holds_values_of_every_type(card):
    values = {"newsletter": True, "member_type": "junior", "interests": ["music", "sport",
                                                                         "music"],
              "remarks": "Likes long walks", "joined": "2020-01-31", "shares": 2.5}
    relation = person(card, fields=values).get_json()
    # Multiple choice keeps each option once, in the order of the definition.
    assert relation["fields"] == {**values, "interests": ["sport", "music"]}


@pytest.mark.parametrize("values, key, hint", [
    ({"newsletter": "yes"}, "newsletter", "true or false"),
    ({"member_type": "veteran"}, "member_type", "unknown option"),
    ({"interests": ["sport", "chess"]}, "interests", "chess"),
    ({"joined": "31-01-2020"}, "joined", "YYYY-MM-DD"),
    ({"shares": True}, "shares", "number"),
    ({"shoe_size": 44}, "shoe_size", "no custom field"),
])
def test_a_bad_value_is_a_422_naming_the_field(card, values, key, hint):
    response = person(card, fields=values)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert hint in errors[f"fields.{key}"][0]


def test_a_field_for_persons_does_not_apply_to_an_organisation(card):
    response = card.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Acme", "fields": {"shares": 1}})
    assert response.status_code == 422
    assert "does not apply" in response.get_json()["errors"]["fields.shares"][0]


def test_a_required_field_must_be_given_and_cannot_be_cleared(api):
    define(api, key="member_no", label="Member number", type="text", required=True)
    missing = person(api)
    assert missing.status_code == 422 and "fields.member_no" in missing.get_json()["errors"]
    created = person(api, fields={"member_no": "A-1"})
    assert created.status_code == 201
    cleared = api.patch(created.headers["Location"], json={"fields": {"member_no": None}},
                        headers={"If-Match": created.headers["ETag"]})
    assert cleared.status_code == 422


@pytest.mark.parametrize("body, field", [
    ({"key": "Bad Key", "label": "x", "type": "text"}, "key"),
    ({"key": "last_name", "label": "x", "type": "text"}, "key"),
    ({"key": "colour", "label": "x", "type": "choice"}, "options"),
    ({"key": "colour", "label": "x", "type": "text", "options": ["red"]}, "options"),
    ({"key": "colour", "label": "x", "type": "choice", "options": ["Red", "red"]}, "options"),
    ({"key": "colour", "label": "x", "type": "colour"}, "type"),
    ({"key": "colour", "label": "x", "type": "text", "applies_to": ["robot"]}, "applies_to"),
])
def test_a_bad_definition_is_refused_naming_the_field(api, body, field):
    response = api.post("/api/relations/fields", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_key_is_defined_once(api):
    define(api, key="colour", label="Colour", type="text")
    again = api.post("/api/relations/fields", json={"key": "colour", "label": "x",
                                                    "type": "text"})
    assert again.status_code == 409


def test_renaming_an_option_keeps_the_values(card):
    relation = person(card, fields={"interests": ["art"]}).get_json()
    renamed = card.patch("/api/relations/fields/interests", json={"options": [
        "Sport", "Music", {"key": "art", "label": "Arts"}]})
    assert renamed.status_code == 200
    assert {"key": "art", "label": "Arts"} in renamed.get_json()["options"]
    again = card.get(f"/api/relations/relations/{relation['id']}").get_json()
    assert again["fields"]["interests"] == ["art"]


def test_removing_a_held_option_needs_confirmation_and_then_reaches_everyone(card):
    holders = [person(card, fields={"interests": ["sport", "music"], "member_type": "junior"})
               .get_json() for _ in range(3)]
    other = person(card, fields={"interests": ["art"]}).get_json()
    change = {"options": ["Music", {"key": "art", "label": "Art & culture"}]}
    refused = card.patch("/api/relations/fields/interests", json=change)
    assert refused.status_code == 409
    assert refused.get_json()["holders"] == {"sport": 3}
    assert card.get(f"/api/relations/relations/{holders[0]['id']}").get_json()[
        "fields"]["interests"] == ["sport", "music"]  # nothing half applied

    done = card.patch("/api/relations/fields/interests?confirm=true", json=change)
    assert done.status_code == 200
    for holder in holders:
        after = card.get(f"/api/relations/relations/{holder['id']}").get_json()
        assert after["fields"]["interests"] == ["music"]
        assert after["version"] == holder["version"] + 1
    assert card.get(f"/api/relations/relations/{other['id']}").get_json()["version"] == 1
    history = card.get(f"/api/relations/relations/{holders[0]['id']}/history").get_json()
    assert history["items"][0]["field"] == "fields.interests"
    assert history["items"][0]["before"] == ["sport", "music"]


def test_deleting_a_held_field_needs_confirmation_and_removes_the_values(card):
    relation = person(card, fields={"newsletter": False}).get_json()
    refused = card.delete("/api/relations/fields/newsletter")
    assert refused.status_code == 409 and refused.get_json()["holders"] == 1
    assert card.delete("/api/relations/fields/newsletter?confirm=true").status_code == 204
    after = card.get(f"/api/relations/relations/{relation['id']}").get_json()
    assert "newsletter" not in after["fields"]
    assert card.get("/api/relations/fields/newsletter").status_code == 404
    # The selections read model hears of it too, through one batch event.
    def versions_seen():
        found = card.post("/api/selections/filters/query", json={
            "filter": {"field": "last_name", "op": "eq", "value": "Smit"}}).get_json()
        return [item["version"] for item in found["items"]]

    wait_until(lambda: versions_seen() == [2], message="the read model")
