"""One scenario through the gateway, in both modes: write a relation, find it in the read model,
change it with If-Match, and see the gateway's own surface (docs, readiness, identity)."""

from __future__ import annotations

import pytest
import requests

from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.plugins import service_plugins
from shared.testing import wait_until
from tests.e2e.running import Gateway, unique

PROBLEM_JSON = "application/problem+json"
# Through RabbitMQ and a consumer process this is milliseconds; the margin is for slow CI.
READ_MODEL_TIMEOUT = 20.0
# Signed with the wrong secret, claiming the most powerful role there is.
FORGED = PrincipalSigner("not-the-secret-" + "x" * 32).sign(
    Principal(kind="staff", id="mallory", roles=("superuser",)))


def installed_services() -> list[str]:
    return [plugin.name for plugin in service_plugins()]


def new_person(gateway: Gateway) -> requests.Response:
    """Register a person whose e-mail and city no other test uses."""
    tag = unique("")
    response = gateway.post("/api/relations/relations", json={
        "type": "person", "first_name": "Eva", "last_name": f"Jansen-{tag}",
        "emails": [{"address": f"eva.{tag}@example.org"}],
        "address": {"city": f"Woerden-{tag}"},
    })
    assert response.status_code == 201, response.text
    return response


def found(gateway: Gateway, field: str, value: str, **expected) -> list[dict]:
    """The read model's matches, once one of them shows every `expected` value."""

    def probe() -> list[dict]:
        items = gateway.query(field, value)
        return items if any(all(item.get(k) == v for k, v in expected.items())
                            for item in items) else []

    return wait_until(probe, timeout=READ_MODEL_TIMEOUT, message=f"{field}={value} {expected}")


def test_a_relation_is_written_found_and_changed_with_if_match(stack: Gateway):
    created = new_person(stack)
    relation, etag = created.json(), created.headers["ETag"]
    email = relation["emails"][0]["address"]

    (item,) = found(stack, "email", email, id=relation["id"])
    assert item["address"]["city"] == relation["address"]["city"]

    changed = stack.patch(f"/api/relations/relations/{relation['id']}",
                          json={"last_name": "Bakker"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] != etag
    (item,) = found(stack, "email", email, version=changed.json()["version"])
    assert item["last_name"] == "Bakker"

    stale = stack.patch(f"/api/relations/relations/{relation['id']}",
                        json={"last_name": "Smit"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"].startswith(PROBLEM_JSON)
    assert stale.json()["status"] == 412
    current = stack.get(f"/api/relations/relations/{relation['id']}").json()
    assert current["last_name"] == "Bakker"


def test_the_openapi_document_holds_every_services_paths(stack: Gateway):
    response = stack.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for service in installed_services():
        assert any(path.startswith(f"/api/{service}/") for path in paths), service
    assert "/api/relations/relations/{relation_id}" in paths
    assert "/api/selections/filters/query" in paths


def test_the_docs_page_is_served(stack: Gateway):
    response = stack.get("/api/docs/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "swagger" in response.text.lower()


def test_readiness_lists_every_service_as_ok(stack: Gateway):
    response = stack.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {name: "ok" for name in installed_services()}


def test_a_forged_principal_header_is_replaced_by_the_gateway(stack: Gateway):
    # Had the gateway passed the header on, the service would refuse it as not signed by it.
    created = new_person(stack)
    read = stack.get(f"/api/relations/relations/{created.json()['id']}",
                     headers={PRINCIPAL_HEADER: FORGED})
    assert read.status_code == 200, read.text
    query = stack.post("/api/selections/filters/count", headers={PRINCIPAL_HEADER: FORGED},
                       json={"filter": {"field": "city", "op": "eq", "value": "nowhere"}})
    assert query.status_code == 200, query.text


@pytest.mark.parametrize("header", [None, FORGED], ids=["no header", "forged header"])
def test_a_service_called_directly_refuses_what_the_gateway_did_not_sign(distributed: Gateway,
                                                                          header):
    headers = {PRINCIPAL_HEADER: header} if header else {}
    urls = distributed.service_urls
    calls = [
        requests.get(f"{urls['relations']}/api/relations/relations", headers=headers, timeout=10),
        requests.post(f"{urls['selections']}/api/selections/filters/count", headers=headers,
                      json={"filter": {"field": "city", "op": "eq", "value": "x"}}, timeout=10),
    ]
    for response in calls:
        assert response.status_code == 401, response.text
        assert response.headers["Content-Type"].startswith(PROBLEM_JSON)
