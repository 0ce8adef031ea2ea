"""The gateway's authentication: credentials checked by the accounts service on every request,
anonymous callers refused (Settings.auth_required, the default) or let through (local
experiments), internal routes hidden."""


import pytest
from flask import g, request
from werkzeug.test import Client

from gateway.app import Gateway
from gateway.backends import HttpBackend
from services.accounts.tokens import issue
from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner
from tests.support.wsgi import loopback_server
from tests.unit.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_client, log_in

AUTHENTICATE = "/api/accounts/internal/authenticate"


def watch(product, service="relations"):
    """What the service is told: the principal and whether an Authorization header arrived."""
    seen = []

    @product.gateway.backends[service].app.before_request
    def _capture():
        seen.append((g.principal, request.headers.get("Authorization")))

    return seen


def admin_token(api):
    return log_in(api, ADMIN_EMAIL, ADMIN_PASSWORD)


class TestAnonymousAllowed:
    """auth_required False (CARDBOX_AUTH_REQUIRED=false, local experiments only): no
    credentials, no principal."""

    @pytest.fixture
    def settings(self, settings):
        return settings.with_overrides(auth_required=False)

    def test_without_credentials_the_caller_is_anonymous(self, anonymous_api, product):
        seen = watch(product)
        assert anonymous_api.get("/api/relations/relations").status_code == 200
        assert seen == [(Principal.anonymous(), None)]

    def test_with_a_token_the_service_hears_who_calls_but_not_the_token(self, api, product):
        seen = watch(product)
        token = admin_token(api)
        bearer_client(product.gateway, token).get("/api/relations/relations")
        ((principal, authorization),) = seen
        assert (principal.kind, principal.roles, authorization) == ("staff", ("superuser",),
                                                                    None)
        assert "relations:delete" in principal.permissions

    def test_credentials_that_stand_for_nobody_are_refused(self, anonymous_api):
        for header in ("Bearer not-a-token", "ApiKey cbx_abcdefgh_nope", "Basic YWRtaW4=",
                       "Bearer"):
            refused = anonymous_api.get("/api/relations/relations",
                                        headers={"Authorization": header})
            assert refused.status_code == 401, header
            assert refused.content_type == "application/problem+json"
            assert "Bearer" in refused.headers["WWW-Authenticate"]

    def test_a_stale_token_does_not_stand_in_the_way_of_logging_in(self, anonymous_api):
        response = anonymous_api.post("/api/accounts/login",
                                      headers={"Authorization": "Bearer stale"},
                                      json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert response.status_code == 200


class TestAuthRequired:
    """The default: no principal, no entry (but to the open routes)."""

    def test_every_route_but_the_open_ones_needs_credentials(self, anonymous_api):
        api = anonymous_api
        for method, path in (("get", "/api/relations/relations"), ("get", "/api/bulk/jobs"),
                             ("post", "/api/selections/filters/count"),
                             ("get", "/api/accounts/staff"), ("post", "/api/accounts/logout")):
            refused = getattr(api, method)(path, json={})
            assert refused.status_code == 401, path
            assert refused.content_type == "application/problem+json"
            assert "sign in" in refused.get_json()["detail"]
        for path in ("/healthz", "/readyz", "/metrics", "/api/openapi.json", "/api/docs/"):
            assert api.get(path).status_code == 200, path
        assert api.post("/api/accounts/login", json={
            "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).status_code == 200
        assert api.post("/api/accounts/password-reset",
                        json={"email": "x@example.org"}).status_code != 401

    def test_a_token_or_key_gets_in_and_a_logout_counts_at_once(self, anonymous_api, product):
        client = bearer_client(product.gateway, admin_token(anonymous_api))
        assert client.get("/api/relations/relations").status_code == 200
        key = client.post("/api/accounts/api-clients", json={
            "name": "CRM", "scopes": ["relations:read"]}).get_json()["key"]
        assert anonymous_api.get("/api/relations/relations",
                                 headers={"Authorization": f"ApiKey {key}"}).status_code == 200
        assert client.post("/api/accounts/logout").status_code == 204
        assert client.get("/api/relations/relations").status_code == 401


def test_outside_requests_to_internal_routes_are_not_found(api, product):
    token = admin_token(api)
    for path in (AUTHENTICATE, "/api/accounts//internal/authenticate", "/api/accounts/internal"):
        response = api.post(path, json={"authorization": f"Bearer {token}"},
                            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, path
    assert AUTHENTICATE not in api.get("/api/openapi.json").get_json()["paths"]


def test_only_the_gateway_may_ask_who_credentials_stand_for(api, product):
    token = admin_token(api)
    accounts = Client(product.gateway.backends["accounts"].app)
    signer = PrincipalSigner(product.settings.principal_secret)

    def ask(principal):
        return accounts.post(AUTHENTICATE, json={"authorization": f"Bearer {token}"},
                             headers={PRINCIPAL_HEADER: signer.sign(principal)})

    assert ask(Principal(kind="staff", id="x", roles=("superuser",))).status_code == 403
    assert ask(Principal.system("bulk")).status_code == 403
    answer = ask(Principal.system("gateway"))
    assert answer.status_code == 200 and answer.get_json()["roles"] == ["superuser"]
    assert accounts.post(AUTHENTICATE, json={"authorization": "x"}).status_code == 401


def test_a_portal_principal_reaches_only_the_portal_routes(api, product):
    runtime = next(r for r in product.runtimes if r.name == "accounts")
    token, _expires = issue(runtime.unit_of_work(), "portal", "account-1",
                            principal_fields={"relation_id": "relation-1", "name": "Piet"})
    seen = watch(product, "selections")
    portal = bearer_client(product.gateway, token)
    for path in ("/api/relations/relations", "/api/accounts/staff", "/api/selections/lists"):
        refused = portal.get(path)
        assert refused.status_code == 403 and "portal" in refused.get_json()["detail"], path
    portal.get("/api/portal/me/groups")
    ((principal, _authorization),) = seen
    assert (principal.kind, principal.id, principal.relation_id) == ("portal", "account-1",
                                                                     "relation-1")
    assert principal.permissions == ()
    assert portal.post("/api/accounts/logout").status_code == 204
    assert portal.get("/api/portal/me/groups").status_code == 401


@pytest.fixture
def accounts_over_http(product):
    """The accounts service's app behind a real loopback HTTP server, as in distributed mode."""
    with loopback_server(product.gateway.backends["accounts"].app) as url:
        yield url


def test_the_distributed_gateway_asks_the_accounts_service_over_http(product,
                                                                      accounts_over_http):
    backends = {**product.gateway.backends, "accounts": HttpBackend(accounts_over_http)}
    gateway = Gateway(product.settings.with_overrides(auth_required=True), backends)
    api = Client(gateway)
    client = bearer_client(gateway, admin_token(api))
    assert client.get("/api/relations/relations").status_code == 200
    assert client.get("/api/accounts/me").get_json()["email"] == ADMIN_EMAIL
    assert client.post("/api/accounts/logout").status_code == 204
    assert client.get("/api/relations/relations").status_code == 401
