"""Every route of every service declares what it needs, and each service refuses for itself:
by role, by an API client's scopes, portal accounts on portal routes only."""

import pytest
from werkzeug.test import Client

from services.accounts.tokens import issue
from shared import access
from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.http import route_access
from shared.permissions import PERMISSIONS
from tests.unit.conftest import bearer_client

RELATIONS = "/api/relations/relations"
PERSON = {"type": "person", "last_name": "Jansen"}
LIVE = {"filter": {"archived": False}}


def test_every_route_of_every_service_declares_what_it_needs(product):
    undeclared, unknown = [], []
    for name, backend in product.gateway.backends.items():
        for (rule, method), needed in route_access(backend.app).items():
            if needed is None:
                undeclared.append(f"{name}: {method} {rule}")
            elif needed not in PERMISSIONS and needed not in access.MARKERS:
                unknown.append(f"{name}: {method} {rule} needs {needed}")
    assert undeclared == [] and unknown == []


def test_the_routes_that_need_more_than_the_default_say_so(product):
    def needs(service, method, rule):
        return route_access(product.gateway.backends[service].app)[(rule, method)]

    relation = f"{RELATIONS}/<relation_id>"
    assert needs("relations", "GET", relation) == "relations:read"
    assert needs("relations", "PATCH", relation) == "relations:write"
    assert needs("relations", "DELETE", relation) == "relations:delete"
    assert needs("relations", "POST", f"{relation}/archive") == "relations:archive"
    assert needs("relations", "POST", f"{relation}/restore") == "relations:archive"
    for rule in ("/api/relations/merges", "/api/relations/merges/<merge_id>/undo",
                 "/api/relations/merges/pairs"):
        assert needs("relations", "POST", rule) == "relations:merge", rule
    for method, rule in (("POST", "/api/relations/fields"), ("PATCH", "/api/relations/tags/<key>"),
                         ("DELETE", "/api/relations/dossier-actions/<key>"),
                         ("PUT", "/api/relations/duplicate-rules/<rule>")):
        assert needs("relations", method, rule) == "definitions:manage", rule
    assert needs("selections", "POST", "/api/selections/filters/count") == "selections:read"
    assert needs("selections", "GET", "/api/portal/me/groups") == access.PORTAL
    assert needs("bulk", "GET", "/api/bulk/operations") == "bulk:read"
    assert needs("accounts", "POST", "/api/accounts/login") == access.OPEN
    assert needs("accounts", "POST", "/api/accounts/internal/authenticate") == access.SYSTEM


def test_a_service_refuses_an_anonymous_caller_itself(product):
    """Even with a header the gateway signed: the service does not rely on the gateway."""
    signed = PrincipalSigner(product.settings.principal_secret).sign(Principal.anonymous())
    for service, path in (("relations", RELATIONS), ("selections", "/api/selections/lists"),
                          ("bulk", "/api/bulk/operations"), ("accounts", "/api/accounts/sender")):
        refused = Client(product.gateway.backends[service].app).get(
            path, headers={PRINCIPAL_HEADER: signed})
        assert refused.status_code == 401, path
        assert refused.content_type == "application/problem+json"


def test_a_viewer_reads_relations_but_does_not_write_them(api, staff_api):
    relation = api.post(RELATIONS, json=PERSON).get_json()
    viewer = staff_api("viewer")
    assert viewer.get(f"{RELATIONS}/{relation['id']}").status_code == 200
    assert viewer.post("/api/selections/filters/count", json=LIVE).status_code == 200
    refused = viewer.post(RELATIONS, json=PERSON)
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["permission"] == "relations:write"
    assert viewer.post("/api/selections/lists", json={"name": "Live", **LIVE}).get_json()[
        "permission"] == "selections:write"
    assert viewer.post(f"{RELATIONS}/{relation['id']}/archive",
                       json={"reason": "gone"}).status_code == 403
    assert len(api.get(RELATIONS).get_json()["items"]) == 1


def test_an_editor_neither_deletes_for_good_nor_manages_definitions(api, staff_api):
    relation = api.post(RELATIONS, json=PERSON).get_json()
    editor = staff_api("editor")
    url = f"{RELATIONS}/{relation['id']}"
    assert editor.patch(url, json={"first_name": "Piet"},
                        headers={"If-Match": f'"{relation["id"]}.1"'}).status_code == 200
    refused = editor.delete(url)
    assert refused.status_code == 403 and refused.get_json()["permission"] == "relations:delete"
    for method, path, body in (
            ("post", "/api/relations/fields", {"key": "shares", "label": "Shares",
                                                "type": "number"}),
            ("post", "/api/relations/tags", {"key": "vip", "label": "VIP"}),
            ("post", "/api/relations/dossier-actions", {"key": "card", "label": "Card"}),
            ("patch", "/api/relations/duplicate-rules", {"reject_min_score": 50})):
        refused = getattr(editor, method)(path, json=body)
        assert refused.status_code == 403, path
        assert refused.get_json()["permission"] == "definitions:manage"
    assert api.get("/api/relations/fields").get_json() == []
    assert editor.get(url).get_json()["status"] == "active"


def test_an_api_client_holds_only_its_scopes(api, anonymous_api):
    relation = api.post(RELATIONS, json=PERSON).get_json()
    key = api.post("/api/accounts/api-clients", json={
        "name": "CRM", "scopes": ["relations:read"]}).get_json()["key"]
    crm = {"Authorization": f"ApiKey {key}"}
    assert anonymous_api.get(f"{RELATIONS}/{relation['id']}", headers=crm).status_code == 200
    refused = anonymous_api.post(RELATIONS, json=PERSON, headers=crm)
    assert refused.status_code == 403 and refused.get_json()["permission"] == "relations:write"
    counted = anonymous_api.post("/api/selections/filters/count", json=LIVE, headers=crm)
    assert counted.get_json()["permission"] == "selections:read"
    assert len(api.get(RELATIONS).get_json()["items"]) == 1


@pytest.fixture
def portal_account(product):
    """A gateway client of a portal account (its token issued as a log-in would)."""
    runtime = next(r for r in product.runtimes if r.name == "accounts")
    token, _expires = issue(runtime.unit_of_work(), "portal", "account-1",
                            principal_fields={"relation_id": "relation-1", "name": "Piet"})
    return bearer_client(product.gateway, token)


def test_portal_accounts_and_staff_each_keep_to_their_own_routes(product, api, portal_account):
    for path in (RELATIONS, "/api/selections/lists", "/api/bulk/operations",
                 "/api/accounts/staff", "/api/accounts/me"):
        refused = portal_account.get(path)
        assert refused.status_code == 403 and "portal" in refused.get_json()["detail"], path
    assert portal_account.get("/api/portal/me/groups").status_code == 200
    refused = api.get("/api/portal/me/groups")  # a superuser, but no portal account
    assert refused.status_code == 403 and "portal" in refused.get_json()["detail"]


def test_a_service_keeps_portal_principals_out_of_staff_routes_itself(product):
    """Past the gateway too: a signed portal principal gets no further than its own routes."""
    portal = PrincipalSigner(product.settings.principal_secret).sign(Principal(
        kind="portal", id="account-1", relation_id="relation-1"))
    for service, path in (("relations", RELATIONS), ("selections", "/api/selections/lists"),
                          ("accounts", "/api/accounts/staff")):
        refused = Client(product.gateway.backends[service].app).get(
            path, headers={PRINCIPAL_HEADER: portal})
        assert refused.status_code == 403, path
