"""The relation card and its custom fields through the gateway, in both modes (issue 3, points
1 and 2): on PostgreSQL the custom values are JSONB and "who holds this option" is a JSONB query.

The other points live beside this file: test_relations_links_e2e.py (functions, contact
moments, tags, dossiers), test_relations_lifecycle_e2e.py (history, archive, delete, merge),
test_relations_bus_e2e.py (the chunk commands over RabbitMQ) and test_relations_races_e2e.py
(concurrent writers)."""

from __future__ import annotations

from shared.testing import wait_until
from tests.e2e.relations_support import (
    READ_MODEL_TIMEOUT,
    RELATIONS,
    body,
    card,
    delete,
    etag,
    every_id,
    follows,
    history,
    latest_change,
    organisation,
    person,
    problem,
    read_model,
)
from tests.e2e.running import Gateway, unique

FIELDS = "/api/relations/fields"


# --- 1. the relation card --------------------------------------------------------------------


def test_a_card_is_normalised_and_a_stale_write_loses_nothing(stack: Gateway):
    name = unique("Berg-")
    created = stack.post(RELATIONS, json={
        "type": "person", "first_name": "Anna", "infix": "van der", "last_name": name,
        "emails": [{"address": f"Anna.{name}@Example.org"}],
        "phones": [{"number": "06 12345678", "label": "mobile"},
                   {"number": "(030) 123 4567"}],
        "address": {"street": "Oudegracht", "number": "1", "city": "Utrecht", "country": "NL"}})
    anna = body(created, 201)
    assert created.headers["ETag"] == etag(anna) and anna["version"] == 1
    assert anna["phones"] == [{"number": "+31612345678", "label": "mobile", "primary": True},
                              {"number": "+31301234567", "label": None, "primary": False}]
    # The domain is case-insensitive, the local part is the owner's.
    assert anna["emails"][0]["address"] == f"Anna.{name}@example.org"
    belgian = organisation(stack, phones=[{"number": "0470 12 34 56"}],
                           address={"city": "Gent", "country": "BE"})
    assert belgian["phones"][0]["number"] == "+32470123456"  # dialled in its own country

    refused = stack.post(RELATIONS, json={"type": "person", "last_name": name,
                                          "phones": [{"number": "0612345678"},
                                                     {"number": "06 1234"}]})
    assert "not a valid number" in problem(refused, 422)["errors"]["phones.1.number"][0]
    nameless = stack.post(RELATIONS, json={"type": "organisation"})
    assert "organisation_name" in problem(nameless, 422)["errors"]

    url = created.headers["Location"]
    read = stack.get(url)
    assert body(read) == anna and read.headers["ETag"] == created.headers["ETag"]
    problem(stack.patch(url, json={"first_name": "Anne"}), 428)
    changed = stack.patch(url, json={"first_name": "Anne", "phones": [{"number": "+31 6 1234 "
                                                                                 "5679"}]},
                          headers={"If-Match": created.headers["ETag"]})
    assert body(changed)["version"] == 2 and changed.headers["ETag"] == f'"{anna["id"]}.2"'
    assert changed.json()["phones"][0]["number"] == "+31612345679"
    stale = stack.patch(url, json={"last_name": "Dijk"},
                        headers={"If-Match": created.headers["ETag"]})
    assert problem(stale, 412)["current_version"] == 2
    now = card(stack, anna["id"])
    assert (now["first_name"], now["last_name"], now["version"]) == ("Anne", name, 2)
    problem(stack.patch(url, json={"type": "organisation"}, headers={"If-Match": etag(now)}),
            422)

    seen = follows(stack, "last_name", name, lambda found: found.get(anna["id"], {}).get(
        "version") == 2, "the changed card")
    assert seen[anna["id"]]["phones"][0]["number"] == "+31612345679"


def test_the_read_model_answers_for_a_relation_with_a_birth_date(stack: Gateway):
    name = unique("Geboren-")
    born = person(stack, last_name=name, birth_date="1980-02-29")
    assert born["birth_date"] == "1980-02-29"
    count = {"filter": {"field": "last_name", "op": "eq", "value": name}}
    wait_until(lambda: body(stack.post("/api/selections/filters/count", json=count))[
        "count"] == 1, timeout=READ_MODEL_TIMEOUT, message="the read model to hold it")
    (item,) = read_model(stack, "last_name", name)
    assert item["birth_date"] == "1980-02-29"


def test_the_list_pages_oldest_first_with_an_opaque_cursor(stack: Gateway):
    ours = [person(stack)["id"] for _ in range(3)]
    first = body(stack.get(RELATIONS, params={"limit": 2}))
    assert len(first["items"]) == 2 and first["next_cursor"]
    listed = [item["id"] for item in first["items"]]
    listed += every_id(stack, RELATIONS, cursor=first["next_cursor"])
    assert len(listed) == len(set(listed))
    assert listed[-3:] == ours  # the newest come last, in the order they were made
    organisations = every_id(stack, RELATIONS, type="organisation")
    assert not set(ours) & set(organisations)
    refused = stack.get(RELATIONS, params={"cursor": "garbage"})
    assert "cursor" in problem(refused, 422)["errors"]


# --- 2. custom fields ------------------------------------------------------------------------


def define(gateway: Gateway, kind: str, **extra) -> str:
    """Define a custom field with a key no other test uses; answer the key."""
    key = unique(f"{kind[:2]}_")
    body(gateway.post(FIELDS, json={"key": key, "label": key.title(), "type": kind, **extra}),
         201)
    return key


def test_values_are_validated_and_renaming_an_option_keeps_them(stack: Gateway):
    newsletter = define(stack, "checkbox")
    member = define(stack, "choice", options=["Junior", "Senior"])
    interests = define(stack, "multi_choice",
                       options=["Sport", "Music", {"key": "art", "label": "Art & culture"}])
    name = unique("Smit-")
    values = {newsletter: True, member: "junior", interests: ["art", "sport", "art"]}
    smit = person(stack, last_name=name, fields=values)
    assert smit["fields"] == {**values, interests: ["sport", "art"]}  # definition order, once

    for bad, hint in [({member: "veteran"}, "unknown option"),
                      ({newsletter: "yes"}, "true or false"),
                      ({interests: ["sport", "chess"]}, "chess")]:
        refused = stack.post(RELATIONS, json={"type": "person", "last_name": name,
                                              "fields": bad})
        (key,) = bad
        assert hint in problem(refused, 422)["errors"][f"fields.{key}"][0]
    unknown = stack.patch(f"{RELATIONS}/{smit['id']}", json={"fields": {"shoe_size": 44}},
                          headers={"If-Match": etag(smit)})
    assert "fields.shoe_size" in problem(unknown, 422)["errors"]

    renamed = stack.patch(f"{FIELDS}/{interests}", json={"options": [
        "Sport", "Music", {"key": "art", "label": "Arts"}]})
    assert {"key": "art", "label": "Arts"} in body(renamed)["options"]
    kept = card(stack, smit["id"])
    assert kept["fields"][interests] == ["sport", "art"] and kept["version"] == 1
    assert body(stack.get(f"{FIELDS}/{interests}"))["options"][2]["label"] == "Arts"
    seen = follows(stack, "last_name", name, lambda found: smit["id"] in found, "the values")
    assert seen[smit["id"]]["fields"] == kept["fields"]


def test_removing_a_held_option_needs_confirmation_then_reaches_every_holder(stack: Gateway):
    interests = define(stack, "multi_choice", options=["Sport", "Music", "Art"])
    member = define(stack, "choice", options=["Junior", "Senior"])
    name = unique("Holder-")
    holders = [person(stack, last_name=name, fields={interests: ["sport", "music"],
                                                     member: "junior"}) for _ in range(3)]
    other = person(stack, last_name=name, fields={interests: ["art"], member: "senior"})

    change = {"options": ["Music", "Art"]}
    refused = problem(stack.patch(f"{FIELDS}/{interests}", json=change), 409)
    assert refused["holders"] == {"sport": 3}
    assert card(stack, holders[0]["id"])["fields"][interests] == ["sport", "music"]
    body(stack.patch(f"{FIELDS}/{interests}", params={"confirm": "true"}, json=change))
    refused = problem(stack.patch(f"{FIELDS}/{member}", json={"options": ["Senior"]}), 409)
    assert refused["holders"] == {"junior": 3}
    body(stack.patch(f"{FIELDS}/{member}", params={"confirm": "true"},
                     json={"options": ["Senior"]}))

    for holder in holders:
        after = card(stack, holder["id"])
        assert after["fields"] == {interests: ["music"]}  # the single choice is gone
        assert after["version"] == 3
    assert card(stack, other["id"]) == other
    entries = history(stack, holders[0]["id"])
    removed = latest_change(entries, f"fields.{interests}")
    assert (removed["before"], removed["after"]) == (["sport", "music"], ["music"])
    assert latest_change(entries, f"fields.{member}")["before"] == "junior"
    follows(stack, "last_name", name, lambda found: len(found) == 4 and all(
        found[h["id"]]["version"] == 3 and found[h["id"]]["fields"] == {interests: ["music"]}
        for h in holders), "the options removed from every holder")


def test_deleting_a_field_in_use_needs_confirmation_and_takes_its_values(stack: Gateway):
    newsletter = define(stack, "checkbox")
    remarks = define(stack, "text")
    name = unique("Kok-")
    yes = person(stack, last_name=name, fields={newsletter: True, remarks: "kept"})
    no = person(stack, last_name=name, fields={newsletter: False})  # false is a value too
    without = person(stack, last_name=name)

    refused = problem(delete(stack, f"{FIELDS}/{newsletter}"), 409)
    assert refused["holders"] == 2
    assert card(stack, yes["id"])["fields"][newsletter] is True
    body(delete(stack, f"{FIELDS}/{newsletter}", params={"confirm": "true"}), 204)
    problem(stack.get(f"{FIELDS}/{newsletter}"), 404)
    assert newsletter not in [field["key"] for field in body(stack.get(FIELDS))]
    assert card(stack, yes["id"])["fields"] == {remarks: "kept"}
    assert card(stack, no["id"])["fields"] == {} and card(stack, no["id"])["version"] == 2
    assert card(stack, without["id"])["version"] == 1
    follows(stack, "last_name", name, lambda found: len(found) == 3 and all(
        newsletter not in item["fields"] for item in found.values())
        and found[yes["id"]]["version"] == 2, "the field gone from every card")
