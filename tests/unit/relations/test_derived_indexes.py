"""Search terms and duplicate match keys follow every kind of change, not only the card API."""

import uuid

from services.relations import messages
from tests.unit.conftest import job_principal


def found(api, q):
    return [item["id"] for item in api.get("/api/relations/search",
                                           query_string={"q": q}).get_json()["items"]]


def person(api, last_name, email):
    return api.post("/api/relations/relations", json={
        "type": "person", "last_name": last_name, "emails": [{"address": email}]}).get_json()


def pairs(api):
    return [(p["a"]["id"], p["b"]["id"])
            for p in api.get("/api/relations/duplicates").get_json()["items"]]


def test_a_bulk_rename_is_searchable_at_once(api, product):
    relation = person(api, "Wit", "lid17@example.org")
    rpc = product.runtimes[0].rpc
    rpc.call(messages.ApplyFieldChanges, {"job": str(uuid.uuid4()),
                                          "relation_ids": [relation["id"]],
                                          "changes": {"last_name": {"overwrite": "Zwartkop"}},
                                          "principal": job_principal("editor")})
    assert found(api, "zwartkop") == [relation["id"]]
    assert found(api, "lid17@ex") == [relation["id"]]
    assert found(api, "Wit") == []  # the old name is gone from the index


def test_merges_and_deletions_take_relations_out_of_search_and_pairs(api, as_superuser):
    keep = person(api, "Dubbel", "dubbel@example.org")
    other = person(api, "Dubbelaar", "dubbel@example.org")
    assert pairs(api) == [tuple(sorted((keep["id"], other["id"])))]
    api.post("/api/relations/merges", json={"keep": keep["id"], "others": [other["id"]]})
    assert found(api, "dubbelaar") == []  # its name did not win: the keeper keeps its own
    assert pairs(api) == []
    as_superuser("relations").delete(f"/api/relations/relations/{keep['id']}")
    assert found(api, "dubbel") == []
