"""Functions through the gateway: a role one relation holds at another, read from both ends,
with history on both cards and an event per change carrying the whole function."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from services.relations.handlers import Via
from services.relations.handlers.functions import end_open_functions
from shared.tables import outbox

RELATIONS = "/api/relations/relations"


def create(api, **body) -> dict:
    response = api.post(RELATIONS, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add(api, path_id, **body):
    return api.post(f"{RELATIONS}/{path_id}/functions", json=body)


def listed(api, path_id, **query) -> dict:
    response = api.get(f"{RELATIONS}/{path_id}/functions", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def relations_runtime(product):
    return next(runtime for runtime in product.runtimes if runtime.name == "relations")


def events(product, prefix="relations.functions."):
    """The events the relations service committed to its outbox, oldest first."""
    with relations_runtime(product).database.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.body).where(
            outbox.c.routing_key.startswith(prefix)).order_by(outbox.c.id))
        return [json.loads(row.body) for row in rows]


def history(api, relation_id) -> list[dict]:
    items = api.get(f"{RELATIONS}/{relation_id}/history").get_json()["items"]
    return [item for item in items if item["field"] == "functions"]


@pytest.fixture
def jan(api):
    return create(api, type="person", first_name="Jan", infix="van der", last_name="Berg")


@pytest.fixture
def acme(api):
    return create(api, type="organisation", organisation_name="Acme")


def test_a_function_reads_from_both_ends(api, product, jan, acme):
    response = add(api, jan["id"], organisation_id=acme["id"], role="  Director\n",
                   start_date="2020-01-01")
    assert response.status_code == 201, response.get_json()
    view = response.get_json()
    assert view["direction"] == "holds" and view["role"] == "Director" and view["active"]
    assert view["relation"] == {"id": jan["id"], "type": "person",
                                "display_name": "Jan van der Berg"}
    assert view["other"] == {"id": acme["id"], "type": "organisation", "display_name": "Acme"}

    (held,) = listed(api, acme["id"])["items"]
    assert held["id"] == view["id"] and held["direction"] == "held_by"
    assert held["relation"]["display_name"] == "Acme"
    assert held["other"]["display_name"] == "Jan van der Berg"

    one = api.get(response.headers["Location"]).get_json()
    assert (one["relation"]["id"], one["organisation"]["id"]) == (jan["id"], acme["id"])
    assert one["end_date"] is None

    (event,) = events(product)
    assert event["type"] == "relations.functions.added"
    assert event["payload"]["function"] == {
        "id": view["id"], "relation_id": jan["id"], "organisation_id": acme["id"],
        "role": "Director", "start_date": "2020-01-01", "end_date": None, "active": True,
        "created_at": one["created_at"], "updated_at": one["updated_at"]}
    # Both cards record it; neither card's version moves.
    for relation in (jan, acme):
        (entry,) = history(api, relation["id"])
        assert entry["before"] is None and entry["after"]["role"] == "Director"
        assert api.get(f"{RELATIONS}/{relation['id']}").get_json()["version"] == 1


def test_a_function_can_be_added_from_the_organisations_side(api, acme):
    piet = create(api, type="person", initials="P.", last_name="Smit")
    response = add(api, acme["id"], relation_id=piet["id"], role="board member",
                   start_date="2021-03-01")
    assert response.status_code == 201
    assert response.get_json()["direction"] == "held_by"
    (view,) = listed(api, piet["id"])["items"]
    assert view["direction"] == "holds" and view["relation"]["display_name"] == "P. Smit"
    assert view["other"]["id"] == acme["id"]


def test_the_list_filters_on_active_and_role_and_pages(api, jan, acme):
    other = create(api, type="organisation", organisation_name="Beta")
    ids = {}
    for role, start, end, org in [("Board Member", "2019-01-01", None, acme),
                                  ("employee", "2010-01-01", "2015-12-31", acme),
                                  ("board member", "2022-05-01", None, other),
                                  ("chair", "2999-01-01", None, other)]:
        response = add(api, jan["id"], organisation_id=org["id"], role=role,
                       start_date=start, end_date=end)
        assert response.status_code == 201, response.get_json()
        ids[(role, org["id"])] = response.get_json()["id"]

    active = listed(api, jan["id"], active="true")["items"]
    assert [item["role"] for item in active] == ["board member", "Board Member"]
    inactive = listed(api, jan["id"], active="false")["items"]
    assert [item["role"] for item in inactive] == ["chair", "employee"]
    assert not inactive[0]["active"]  # not started yet
    boards = listed(api, jan["id"], role="BOARD   member")["items"]
    assert {item["other"]["id"] for item in boards} == {acme["id"], other["id"]}

    seen, cursor = [], None
    while True:
        page = listed(api, jan["id"], limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == 4 == len(set(seen))
    assert seen[0] == ids[("chair", other["id"])]  # latest start first
    bad = api.get(f"{RELATIONS}/{jan['id']}/functions", query_string={"cursor": "garbage"})
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]


DIRECTOR = {"role": "director", "start_date": "2020-01-01"}


BAD_FUNCTIONS = [
    ({"organisation_id": "ACME", **DIRECTOR, "end_date": "2019-12-31"}, 422, "end_date"),
    ({"organisation_id": "ACME", **DIRECTOR, "role": "x" * 101}, 422, "role"),
    ({"organisation_id": "ACME", **DIRECTOR, "role": "  \n "}, 422, "role"),
    ({"organisation_id": "ACME", "role": "director"}, 422, "start_date"),
    ({"organisation_id": "ACME", **DIRECTOR, "salary": 1}, 422, "salary"),
    ({"organisation_id": "nobody", **DIRECTOR}, 404, "organisation_id"),
    ({"organisation_id": "JAN", **DIRECTOR}, 422, "organisation_id"),
    ({"relation_id": "JAN", **DIRECTOR}, 422, "relation_id"),
    ({"organisation_id": "ACME", "relation_id": "ACME", **DIRECTOR}, 422, "organisation_id"),
    (DIRECTOR, 422, "organisation_id"),
]


def test_a_bad_function_is_refused_naming_the_field(api, product, jan, acme):
    # One product for all cases: starting one per case would cost a second each.
    ids = {"JAN": jan["id"], "ACME": acme["id"]}
    for body, status, field in BAD_FUNCTIONS:
        body = {key: ids.get(value, value) if isinstance(value, str) else value
                for key, value in body.items()}
        response = add(api, jan["id"], **body)
        assert response.status_code == status, (body, response.get_json())
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert listed(api, jan["id"])["items"] == [] and events(product) == []


def test_a_missing_path_relation_is_a_404_naming_it(api, acme):
    response = add(api, "nobody", organisation_id=acme["id"], role="director",
                   start_date="2020-01-01")
    assert response.status_code == 404 and "relation_id" in response.get_json()["errors"]
    assert api.get(f"{RELATIONS}/nobody/functions").status_code == 404
    assert api.get("/api/relations/functions/nothing").status_code == 404


def test_the_same_role_twice_in_one_period_is_a_conflict(api, jan, acme):
    first = add(api, jan["id"], organisation_id=acme["id"], role="Director",
                start_date="2020-01-01", end_date="2020-12-31")
    assert first.status_code == 201
    twin = add(api, jan["id"], organisation_id=acme["id"], role="DIRECTOR",
               start_date="2020-06-01")
    assert twin.status_code == 409 and "role" in twin.get_json()["errors"]
    assert twin.get_json()["existing"] == first.get_json()["id"]
    later = add(api, jan["id"], organisation_id=acme["id"], role="director",
                start_date="2021-01-01")
    assert later.status_code == 201  # a second term after the first ended


def test_ending_changing_and_deleting_a_function(api, product, jan, acme):
    url = add(api, jan["id"], organisation_id=acme["id"], role="employee",
              start_date="2020-01-01").headers["Location"]
    renamed = api.patch(url, json={"role": "Senior  employee"})
    assert renamed.status_code == 200 and renamed.get_json()["role"] == "Senior employee"
    bad = api.patch(url, json={"end_date": "2019-01-01"})
    assert bad.status_code == 422 and "end_date" in bad.get_json()["errors"]
    assert api.patch(url, json={}).status_code == 422
    ended = api.patch(url, json={"end_date": "2021-06-30"})
    assert ended.status_code == 200
    assert ended.get_json()["end_date"] == "2021-06-30" and not ended.get_json()["active"]
    assert listed(api, acme["id"], active="true")["items"] == []

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    kinds = [(e["type"], e["payload"]["changes"]) for e in events(product)]
    assert kinds == [
        ("relations.functions.added", {}),
        ("relations.functions.changed", {"role": ["employee", "Senior employee"]}),
        ("relations.functions.ended", {"end_date": [None, "2021-06-30"]}),
        ("relations.functions.deleted", {}),
    ]
    assert events(product)[-1]["payload"]["function"]["end_date"] == "2021-06-30"
    for relation in (jan, acme):
        entries = history(api, relation["id"])
        assert len(entries) == 4
        assert entries[0]["after"] is None and entries[0]["before"]["role"] == "Senior employee"
        assert entries[1]["after"]["end_date"] == "2021-06-30"


def test_end_open_functions_ends_each_once_on_both_sides(api, product, jan, acme):
    piet = create(api, type="person", first_name="Piet", last_name="Smit")
    running = add(api, jan["id"], organisation_id=acme["id"], role="director",
                  start_date="2020-01-01").get_json()
    employs = add(api, acme["id"], relation_id=piet["id"], role="employee",
                  start_date="2020-01-01", end_date="2030-01-01").get_json()
    add(api, jan["id"], organisation_id=acme["id"], role="treasurer",
        start_date="2010-01-01", end_date="2011-01-01")  # over already
    future = add(api, piet["id"], organisation_id=acme["id"], role="chair",
                 start_date="2026-01-01").get_json()
    unrelated = add(api, piet["id"], organisation_id=jan["id"], role="contact person",
                    start_date="2020-01-01").get_json()  # jan is not in the set below
    runtime = relations_runtime(product)
    on = date(2025, 5, 31)

    with runtime.unit_of_work() as uow:
        assert {f.id for f in uow.functions.open_of([acme["id"]], on)} == {
            running["id"], employs["id"], future["id"]}
    ended = end_open_functions(runtime.unit_of_work(), [acme["id"]], on, Via.bulk("job-7"))

    assert {e["function"]["id"]: e["changes"]["end_date"] for e in ended} == {
        running["id"]: [None, "2025-05-31"], employs["id"]: ["2030-01-01", "2025-05-31"],
        future["id"]: [None, "2026-01-01"]}  # never before its start
    assert end_open_functions(runtime.unit_of_work(), [acme["id"]], on, Via.bulk("job-7")) == []
    assert api.get(f"/api/relations/functions/{unrelated['id']}").get_json()["end_date"] is None
    ended_events = [e["payload"] for e in events(product)
                    if e["type"] == "relations.functions.ended"]
    assert sorted(ended_events, key=lambda e: e["function"]["id"]) == sorted(
        ended, key=lambda e: e["function"]["id"])
    by_side = {rid: [h for h in history(api, rid) if h["via"] == "bulk"]
               for rid in (acme["id"], jan["id"], piet["id"])}
    assert len(by_side[acme["id"]]) == 3 and len(by_side[jan["id"]]) == 1
    assert len(by_side[piet["id"]]) == 2
    assert {h["via_ref"] for hs in by_side.values() for h in hs} == {"job-7"}
