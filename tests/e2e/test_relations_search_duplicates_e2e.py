"""Search (point 3) and duplicates (point 10) end to end, on PostgreSQL's trigram and JSONB
queries in distributed mode and on SQLite's FTS5 in embedded mode."""

from __future__ import annotations

from tests.e2e.relations_support import RELATIONS, body, person, problem
from tests.e2e.running import Gateway, unique


def search(gateway: Gateway, q: str, **params) -> list[str]:
    answer = body(gateway.get("/api/relations/search", params={"q": q, **params}))
    return [item["id"] for item in answer["items"]]


def test_search_by_name_email_and_phone_ignores_case_and_accents(stack: Gateway):
    tag = unique("z").lower()
    jose = person(stack, first_name="José", last_name=f"Álvarez{tag}",
                  emails=[{"address": f"jose.{tag}@example.org"}],
                  phones=[{"number": "06 12 34 56 78"}])
    assert jose["id"] in search(stack, f"alvarez{tag}")
    assert jose["id"] in search(stack, f"jose.{tag}")
    assert jose["id"] in search(stack, f"varez{tag}")            # contains, not only prefix
    assert jose["id"] in search(stack, "06 12 34 56")             # as dialled at home
    assert jose["id"] in search(stack, "+31 6 1234")              # as dialled abroad
    problem(stack.get("/api/relations/search", params={"q": "j"}), 422)


def test_search_leaves_archived_relations_out_unless_asked(stack: Gateway):
    tag = unique("arch").lower()
    relation = person(stack, last_name=f"Oud{tag}")
    body(stack.post(f"{RELATIONS}/{relation['id']}/archive", json={"reason": "moved"}))
    assert search(stack, f"oud{tag}") == []
    assert search(stack, f"oud{tag}", include_archived="true") == [relation["id"]]


def test_duplicates_are_found_dismissed_and_refused_on_create(stack: Gateway):
    address = f"{unique('dup').lower()}@example.org"
    one = person(stack, last_name=unique("Dubbel"), emails=[{"address": address}])
    two = person(stack, last_name=unique("Dubbel"), emails=[{"address": address.upper()}])
    found = body(stack.get(f"{RELATIONS}/{one['id']}/duplicates"))["items"]
    assert [c["relation"]["id"] for c in found] == [two["id"]]
    assert found[0]["score"] == 90 and found[0]["rules"][0]["rule"] == "same_email"

    refused = problem(stack.post(RELATIONS, params={"on_duplicate": "reject"}, json={
        "type": "person", "last_name": "Derde", "emails": [{"address": address}]}), 409)
    assert {c["id"] for c in refused["candidates"]} == {one["id"], two["id"]}

    body(stack.post("/api/relations/duplicates/dismissals", json={"a": one["id"],
                                                                  "b": two["id"]}), 201)
    assert body(stack.get(f"{RELATIONS}/{one['id']}/duplicates"))["items"] == []


def test_a_registration_is_merged_into_its_duplicate_on_request(stack: Gateway):
    address = f"{unique('merge').lower()}@example.org"
    existing = person(stack, first_name="Els", emails=[{"address": address}])
    merged = body(stack.post(RELATIONS, params={"on_duplicate": "merge"}, json={
        "type": "person", "first_name": "Elisabeth", "last_name": existing["last_name"],
        "emails": [{"address": address}], "phones": [{"number": "0201234567"}]}), 200)
    assert merged["id"] == existing["id"] and merged["first_name"] == "Els"
    assert merged["phones"][0]["number"] == "+31201234567"
