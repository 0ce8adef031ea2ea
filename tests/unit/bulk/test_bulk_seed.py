"""The seeder of bulk benchmarks and fault tests: what it writes must be what the services
themselves would hold, or a job on seeded relations measures something else."""

from shared.testing import wait_until
from tests.support.bulk_seed import seed
from tests.unit.bulk.conftest import finished, relation

COUNT = 30
ALL_LIVE = {"archived": False}


def seeded(settings) -> list[str]:
    return seed(settings.database_url_for("relations"), settings.database_url_for("selections"),
                COUNT, seed=7)


def read_model(api, filter_node) -> dict[str, dict]:
    response = api.post("/api/selections/filters/query", json={"filter": filter_node,
                                                               "limit": 100})
    assert response.status_code == 200, response.get_json()
    return {item["id"]: item for item in response.get_json()["items"]}


def test_the_read_model_holds_each_seeded_card_as_relations_serves_it(settings, api):
    ids = seeded(settings)

    states = read_model(api, ALL_LIVE)
    assert sorted(states) == sorted(ids)
    for relation_id in ids[:5]:
        card = relation(api, relation_id)
        assert {key: card[key] for key in states[relation_id]} == states[relation_id]
    # Search terms were written too: the card is found by its family name.
    card = relation(api, ids[0])
    found = api.get("/api/relations/search", query_string={"q": card["last_name"]})
    assert ids[0] in [hit["id"] for hit in found.get_json()["items"]]


def test_a_set_fields_job_on_everyone_changes_each_seeded_relation_once(settings, api):
    ids = seeded(settings)

    job = api.post("/api/bulk/jobs", json={"target": {"filter": ALL_LIVE},
                                           "operation": "set_fields",
                                           "params": {"changes": {"newsletter": {"set": True}}}})
    assert job.status_code == 201, job.get_json()
    assert job.get_json()["total"] == COUNT
    job_id = job.get_json()["id"]
    assert api.post(f"/api/bulk/jobs/{job_id}/confirm", json={}).status_code == 202

    done = finished(api, job_id)
    assert (done["status"], done["counts"]["changed"]) == ("completed", COUNT)
    assert all(relation(api, rid)["fields"]["newsletter"] is True for rid in ids)
    newsletter = {"field": "newsletter", "op": "eq", "value": True}
    wait_until(lambda: len(read_model(api, newsletter)) == COUNT,
               message="the read model caught up with the job")
