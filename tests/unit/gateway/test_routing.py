"""Routing by path: /api/<service>/… to that service, and the declared exceptions to it
(/api/portal/me/groups is the selections service's)."""

import pytest
from werkzeug.test import Client

from gateway.app import Gateway
from gateway.backends import InProcessBackend
from shared.config import Settings


def answering(name):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name} {environ['PATH_INFO']}".encode()]
    return InProcessBackend(app)


def gateway_of(tmp_path, *names) -> Client:
    # Routing only: these stand-in services check nobody, so neither does the gateway here.
    settings = Settings(var_dir=tmp_path, principal_secret="unit-test-secret-" + "x" * 20,
                        auth_required=False)
    return Client(Gateway(settings, {name: answering(name) for name in names}))


@pytest.fixture
def gateway(tmp_path) -> Client:
    return gateway_of(tmp_path, "relations", "selections", "accounts")


@pytest.mark.parametrize(("path", "service"), [
    ("/api/portal/me/groups", "selections"),
    ("/api/portal/me/groups/g-1", "selections"),
    ("/api/selections/groups", "selections"),
    ("/api/relations/relations/r-1", "relations"),
    ("/api/accounts/login", "accounts"),
])
def test_a_path_goes_to_its_service_unchanged(gateway, path, service):
    response = gateway.get(path)
    assert response.status_code == 200
    assert response.data.decode() == f"{service} {path}"


@pytest.mark.parametrize("path", ["/api/portal/me", "/api/portal/me/groupsx",
                                  "/api/portal/login"])
def test_the_rest_of_the_portal_is_not_the_selections_services(tmp_path, path):
    # Without the accounts service (whose the rest of /api/portal is) nothing answers it.
    response = gateway_of(tmp_path, "relations", "selections").get(path)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_a_route_to_a_service_not_running_here_is_a_404(tmp_path):
    response = gateway_of(tmp_path, "relations").get("/api/portal/me/groups")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
