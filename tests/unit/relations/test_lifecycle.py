"""Archive, restore, permanent delete, and archive impacts as plugins."""

from datetime import UTC, datetime

import pytest

from services.relations.impacts import archive_impacts
from shared.testing import wait_until


def create(api, last_name="Kok"):
    response = api.post("/api/relations/relations", json={
        "type": "person", "last_name": last_name, "emails": [{"address": "kok@example.org"}]})
    assert response.status_code == 201
    return response.get_json()


def read_model_status(api, last_name):
    # Filters see active relations unless they ask for others.
    found = api.post("/api/selections/filters/query", json={"filter": {"and": [
        {"field": "last_name", "op": "eq", "value": last_name},
        {"field": "status", "op": "in", "value": ["active", "archived"]}]}}).get_json()
    return [item["status"] for item in found["items"]]


def test_archiving_needs_a_reason(api):
    relation = create(api)
    response = api.post(f"/api/relations/relations/{relation['id']}/archive", json={})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]


def test_an_archived_relation_leaves_default_lists_but_stays_retrievable(api):
    relation = create(api, "Archief")
    url = f"/api/relations/relations/{relation['id']}"
    archived = api.post(f"{url}/archive", json={"reason": "moved abroad"})
    assert archived.status_code == 200
    assert archived.get_json()["status"] == "archived"
    assert archived.get_json()["archived_reason"] == "moved abroad"
    assert relation["id"] not in [r["id"] for r in
                                  api.get("/api/relations/relations").get_json()["items"]]
    listed = api.get("/api/relations/relations", query_string={"status": "archived"}).get_json()
    assert [r["id"] for r in listed["items"]] == [relation["id"]]
    assert api.get(url).get_json()["status"] == "archived"
    wait_until(lambda: read_model_status(api, "Archief") == ["archived"])
    history = api.get(f"{url}/history").get_json()["items"]
    assert {"status", "archived_reason", "archived_at"} <= {item["field"] for item in history}

    restored = api.post(f"{url}/restore")
    assert restored.get_json()["status"] == "active"
    assert restored.get_json()["archived_reason"] is None
    wait_until(lambda: read_model_status(api, "Archief") == ["active"])


def test_only_a_superuser_deletes_and_a_deleted_relation_is_a_tombstone(api, staff_api,
                                                                       as_superuser):
    relation = create(api, "Weg")
    url = f"/api/relations/relations/{relation['id']}"
    api.patch(url, json={"first_name": "Jan"}, headers={"If-Match": f'"{relation["id"]}.1"'})
    refused = staff_api("administrator").delete(url)
    assert refused.status_code == 403
    assert refused.get_json()["permission"] == "relations:delete"
    assert api.get(url).status_code == 200

    assert api.delete(url).status_code == 204  # the bootstrap superuser, logged in
    gone = api.get(url)
    assert gone.status_code == 410 and gone.get_json()["tombstone"] == "deleted"
    assert gone.get_json()["status"] == 410
    history = as_superuser("relations").get(f"{url}/history").get_json()["items"]
    assert history[0]["field"] == "deleted"
    assert all(item["before"] is None and item["after"] is None for item in history)
    assert api.patch(url, json={"first_name": "X"},
                     headers={"If-Match": f'"{relation["id"]}.3"'}).status_code == 410
    wait_until(lambda: read_model_status(api, "Weg") == [], message="the read model to forget")


def test_archiving_an_unknown_relation_is_a_404(api):
    response = api.post("/api/relations/relations/nobody/archive", json={"reason": "x"})
    assert response.status_code == 404


@pytest.fixture
def invoice_impact(installed_package):
    installed_package("""
        from services.relations.impacts import ArchiveImpact, Impact

        APPLIED = []

        class OpenInvoices(ArchiveImpact):
            key = "open_invoices"

            def assess(self, uow, relation_ids):
                return Impact(key=self.key, count=len(relation_ids),
                              description=f"{len(relation_ids)} open invoices need a decision")

            def apply(self, uow, relation_ids, via):
                APPLIED.extend(relation_ids)
        """, """
        [cardbox.archive_impacts]
        open_invoices = cardbox_extra_ops:OpenInvoices
        """)
    archive_impacts.cache_clear()
    import cardbox_extra_ops

    yield cardbox_extra_ops.APPLIED
    archive_impacts.cache_clear()


def test_an_installed_impact_is_reported_and_needs_its_confirmation(api, invoice_impact):
    relation = create(api)
    url = f"/api/relations/relations/{relation['id']}"
    impacts = api.get(f"{url}/archive-impacts").get_json()["impacts"]
    assert [(i["key"], i["count"]) for i in impacts] == [("open_invoices", 1)]

    refused = api.post(f"{url}/archive", json={"reason": "left"})
    assert refused.status_code == 409
    assert refused.get_json()["missing_confirmations"] == ["open_invoices"]
    assert api.get(url).get_json()["status"] == "active"  # nothing half applied
    assert invoice_impact == []

    done = api.post(f"{url}/archive", json={"reason": "left", "confirm": ["open_invoices"]})
    assert done.status_code == 200 and done.get_json()["status"] == "archived"
    assert invoice_impact == [relation["id"]]


def test_archiving_ends_open_functions_after_confirmation(api):
    person = create(api, "Bestuur")
    club = api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Roeiclub"}).get_json()
    added = api.post(f"/api/relations/relations/{person['id']}/functions", json={
        "organisation_id": club["id"], "role": "board member", "start_date": "2020-01-01"})
    assert added.status_code == 201, added.get_json()
    url = f"/api/relations/relations/{person['id']}"
    impacts = api.get(f"{url}/archive-impacts").get_json()["impacts"]
    assert [(i["key"], i["count"]) for i in impacts] == [("end_functions", 1)]
    refused = api.post(f"{url}/archive", json={"reason": "resigned"})
    assert refused.status_code == 409
    assert refused.get_json()["missing_confirmations"] == ["end_functions"]

    done = api.post(f"{url}/archive", json={"reason": "resigned", "confirm": ["end_functions"]})
    assert done.status_code == 200
    functions = api.get(f"{url}/functions").get_json()["items"]
    assert functions[0]["end_date"] == datetime.now(UTC).date().isoformat()
    # Ended today: nothing is left open, so a second archive impact would report nothing.
    assert api.get(f"{url}/archive-impacts").get_json()["impacts"] == []


def test_archiving_reports_the_portal_accounts_it_will_block(api, product):
    from services.accounts.messages import PortalAccountChanged

    relation = create(api, "Portaal")
    relations = next(r for r in product.runtimes if r.name == "relations")
    account = {"relation_id": relation["id"], "status": "active", "account_type": "member",
               "blocked_until": None, "version": 1}
    relations.dispatch(PortalAccountChanged.envelope({"account": account}, source="accounts"))
    url = f"/api/relations/relations/{relation['id']}"
    impacts = api.get(f"{url}/archive-impacts").get_json()["impacts"]
    assert [(i["key"], i["count"]) for i in impacts] == [("block_portal_accounts", 1)]
    refused = api.post(f"{url}/archive", json={"reason": "left"})
    assert refused.get_json()["missing_confirmations"] == ["block_portal_accounts"]
    # An older event arriving late changes nothing; a newer one (blocked) does.
    relations.dispatch(PortalAccountChanged.envelope(
        {"account": {**account, "status": "deleted", "version": 0}}, source="accounts"))
    assert len(api.get(f"{url}/archive-impacts").get_json()["impacts"]) == 1
    relations.dispatch(PortalAccountChanged.envelope(
        {"account": {**account, "status": "blocked", "version": 2}}, source="accounts"))
    assert api.get(f"{url}/archive-impacts").get_json()["impacts"] == []
