"""The selections read model follows relations events, and answers filters."""

from datetime import UTC, datetime

import pytest

from services.relations.messages import RelationCreated, RelationUpdated
from shared.testing import wait_until


def state(relation_id="r1", version=1, city="Utrecht", last_name="Berg"):
    now = datetime.now(UTC).isoformat()
    return {"id": relation_id, "type": "person", "initials": None, "first_name": "Anna",
            "infix": None, "last_name": last_name, "organisation_name": None,
            "birth_date": None, "emails": [{"address": "A@example.org", "label": None,
                                            "primary": True}],
            "phones": [], "address": {"city": city}, "status": "active", "fields": {},
            "tags": [], "version": version, "created_at": now, "updated_at": now}


@pytest.fixture
def selections(product):
    return next(r for r in product.runtimes if r.name == "selections")


def query(api, field, value):
    response = api.post("/api/selections/filters/query",
                        json={"filter": {"field": field, "op": "eq", "value": value}})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_events_applied_out_of_order_keep_the_newest_state(selections, api):
    selections.dispatch(RelationCreated.envelope({"relation": state()}, source="relations"))
    newer = RelationUpdated.envelope({"relation": state(version=3, city="Zeist"),
                                      "changes": {"address": [None, None]}}, source="relations")
    older = RelationUpdated.envelope({"relation": state(version=2, city="Amersfoort"),
                                      "changes": {"address": [None, None]}}, source="relations")
    selections.dispatch(newer)
    selections.dispatch(older)
    assert [item["version"] for item in query(api, "city", "zeist")] == [3]
    assert query(api, "city", "Amersfoort") == []


def test_filters_compare_case_insensitively_and_count(selections, api):
    for i, city in enumerate(["Utrecht", "utrecht", "Zeist"]):
        selections.dispatch(RelationCreated.envelope({"relation": state(f"r{i}", city=city)},
                                                     source="relations"))
    assert len(query(api, "city", "UTRECHT")) == 2
    assert len(query(api, "email", "a@EXAMPLE.org")) == 3
    count = api.post("/api/selections/filters/count",
                     json={"filter": {"field": "city", "op": "eq", "value": "Zeist"}})
    assert count.get_json() == {"count": 1}


@pytest.mark.parametrize("node, path", [
    ({"field": "shoe_size", "op": "eq", "value": 1}, "filter.field"),
    ({"field": "city", "op": "like", "value": "U"}, "filter.op"),
    ({"field": "city", "op": "eq", "value": ""}, "filter.value"),
    ({"field": "city", "op": "eq", "value": "U", "extra": 1}, "filter"),
    (["city"], "filter"),
])
def test_a_bad_filter_is_a_problem_pointing_at_the_node(api, node, path):
    response = api.post("/api/selections/filters/count", json={"filter": node})
    assert response.status_code == 422
    assert path in response.get_json()["errors"]


def test_a_relation_written_through_the_gateway_reaches_the_read_model(api):
    created = api.post("/api/relations/relations", json={
        "type": "person", "last_name": "Visser", "address": {"city": "Gouda"}}).get_json()
    items = wait_until(lambda: query(api, "city", "Gouda"), message="the read model")
    assert items[0]["id"] == created["id"]
    api.patch(f"/api/relations/relations/{created['id']}", json={"last_name": "de Vries"},
              headers={"If-Match": f'"{created["id"]}.1"'})
    wait_until(lambda: query(api, "last_name", "de Vries"), message="the update")
    assert query(api, "last_name", "Visser") == []
