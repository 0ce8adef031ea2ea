"""Contact moments through the gateway: recorded by whoever is asking, listed newest first,
in the relation's history without touching its card, with an event per change."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shared.tables import outbox

RELATIONS = "/api/relations/relations"


def relations_runtime(product):
    return next(runtime for runtime in product.runtimes if runtime.name == "relations")


def events(product):
    """The contact moment events the relations service committed to its outbox."""
    with relations_runtime(product).database.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.body).where(
            outbox.c.routing_key.startswith("relations.contact_moments.")).order_by(outbox.c.id))
        return [json.loads(row.body) for row in rows]


def history(api, relation_id) -> list[dict]:
    items = api.get(f"{RELATIONS}/{relation_id}/history").get_json()["items"]
    return [item for item in items if item["field"] == "contact_moments"]


@pytest.fixture
def anna(api) -> dict:
    response = api.post(RELATIONS, json={"type": "person", "first_name": "Anna",
                                         "last_name": "Bos"})
    assert response.status_code == 201
    return response.get_json()


def record(api, relation_id, **body):
    return api.post(f"{RELATIONS}/{relation_id}/contact-moments", json=body)


def test_a_contact_moment_is_recorded_now_by_the_caller(api, product, anna):
    before = datetime.now(UTC)
    response = record(api, anna["id"], kind="phone", subject="  Called about\n membership ",
                      note="Wants to become a volunteer.\nCall back in May.")
    assert response.status_code == 201, response.get_json()
    moment = response.get_json()
    assert moment["subject"] == "Called about membership"
    assert moment["note"] == "Wants to become a volunteer.\nCall back in May."
    caller = "staff:" + api.get("/api/accounts/me").get_json()["id"]
    assert moment["by"] == caller and moment["relation_id"] == anna["id"]
    assert before <= datetime.fromisoformat(moment["at"]) <= datetime.now(UTC)
    assert api.get(response.headers["Location"]).get_json() == moment

    card = api.get(f"{RELATIONS}/{anna['id']}").get_json()
    assert card["version"] == 1  # not a change of the card
    (entry,) = history(api, anna["id"])
    assert entry["before"] is None and entry["after"]["subject"] == "Called about membership"
    (event,) = events(product)
    assert event["type"] == "relations.contact_moments.recorded"
    assert event["payload"]["contact_moment"] == moment


def test_who_recorded_it_comes_from_the_principal_not_the_client(api, as_superuser, anna):
    service = as_superuser("relations")
    response = record(service, anna["id"], kind="visit", subject="Home visit")
    assert response.status_code == 201 and response.get_json()["by"] == "staff:root"
    forged = record(service, anna["id"], kind="visit", subject="Home visit", by="someone")
    assert forged.status_code == 422 and "by" in forged.get_json()["errors"]


def test_the_list_is_newest_first_filters_on_kind_and_pages(api, anna):
    for at, kind in [("2024-05-01T14:30:00+02:00", "phone"),   # 12:30 UTC
                     ("2024-05-01T13:00:00+00:00", "email"),   # later, though it reads earlier
                     ("2024-04-01T09:00:00+00:00", "letter"),
                     ("2024-06-01T09:00:00-04:00", "phone")]:
        assert record(api, anna["id"], kind=kind, subject=kind, at=at).status_code == 201
    url = f"{RELATIONS}/{anna['id']}/contact-moments"
    items = api.get(url).get_json()["items"]
    assert [item["at"] for item in items] == [
        "2024-06-01T13:00:00+00:00", "2024-05-01T13:00:00+00:00", "2024-05-01T12:30:00+00:00",
        "2024-04-01T09:00:00+00:00"]
    phones = api.get(url, query_string={"kind": "phone"}).get_json()["items"]
    assert [item["kind"] for item in phones] == ["phone", "phone"]

    first = api.get(url, query_string={"limit": 3}).get_json()
    rest = api.get(url, query_string={"limit": 3, "cursor": first["next_cursor"]}).get_json()
    assert [i["at"] for i in first["items"] + rest["items"]] == [i["at"] for i in items]
    assert rest["next_cursor"] is None


def test_bad_contact_moments_are_refused_naming_the_field(api, product, anna):
    # One product for all cases: starting one per case would cost a second each.
    url = f"{RELATIONS}/{anna['id']}/contact-moments"
    for body, field in [
        ({"kind": "fax", "subject": "x"}, "kind"),
        ({"subject": "x"}, "kind"),
        ({"kind": "phone"}, "subject"),
        ({"kind": "phone", "subject": " \n "}, "subject"),
        ({"kind": "phone", "subject": "x" * 201}, "subject"),
        ({"kind": "phone", "subject": "x", "at": "2024-05-01T14:30:00"}, "at"),
        ({"kind": "phone", "subject": "x", "note": "x" * 100_001}, "note"),
    ]:
        response = api.post(url, json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["errors"], (body, response.get_json())
    for query in ({"kind": "fax"}, {"cursor": "garbage"}):
        response = api.get(url, query_string=query)
        assert response.status_code == 422 and set(query) <= set(response.get_json()["errors"])
    assert record(api, "nobody", kind="phone", subject="x").status_code == 404
    assert api.get(f"{RELATIONS}/nobody/contact-moments").status_code == 404
    assert api.get("/api/relations/contact-moments/nothing").status_code == 404
    assert api.get(url).get_json()["items"] == [] and events(product) == []


def test_correcting_and_deleting_a_contact_moment(api, product, anna):
    url = record(api, anna["id"], kind="phone", subject="Call",
                 at="2024-05-01T10:00:00+00:00").headers["Location"]
    assert api.patch(url, json={}).status_code == 422
    assert api.patch(url, json={"by": "someone"}).status_code == 422
    changed = api.patch(url, json={"kind": "visit", "at": "2024-05-02T12:00:00+02:00"})
    assert changed.status_code == 200
    assert (changed.get_json()["kind"], changed.get_json()["at"]) == (
        "visit", "2024-05-02T10:00:00+00:00")
    same = api.patch(url, json={"kind": "visit"})  # nothing changes, nothing is recorded
    assert same.status_code == 200

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    kinds = [(e["type"], e["payload"]["changes"]) for e in events(product)]
    assert kinds == [
        ("relations.contact_moments.recorded", {}),
        ("relations.contact_moments.changed", {
            "kind": ["phone", "visit"],
            "at": ["2024-05-01T10:00:00+00:00", "2024-05-02T10:00:00+00:00"]}),
        ("relations.contact_moments.deleted", {}),
    ]
    deleted, corrected, _recorded = history(api, anna["id"])
    assert deleted["after"] is None and deleted["before"]["kind"] == "visit"
    assert corrected["before"] == {"id": url.rsplit("/", 1)[1], "kind": "phone",
                                   "at": "2024-05-01T10:00:00+00:00"}
    assert api.get(f"{RELATIONS}/{anna['id']}").get_json()["version"] == 1
