import sys
import textwrap

import pytest
from werkzeug.test import Client

from gateway.embedded import build
from shared.config import Settings
from shared.plugins import service_plugins
from tests.support.postgres import unit_database_url

ADMIN_EMAIL = "admin@cardbox.test"
ADMIN_PASSWORD = "first-admin-password"


@pytest.fixture
def database_url():
    """'' (SQLite files in tmp_path) unless CARDBOX_UNIT_DATABASE=postgresql: then fresh
    databases on POSTGRES_PORT for every installed service and the platform tests' ledger."""
    services = [plugin.name for plugin in service_plugins()] + ["ledger"]
    with unit_database_url(services) as url:
        yield url


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(var_dir=tmp_path, database_url=database_url,
                    principal_secret="unit-test-secret-" + "x" * 20,
                    outbox_poll_interval=0.05, admin_email=ADMIN_EMAIL,
                    admin_password=ADMIN_PASSWORD,
                    # argon2id at its cheapest: the tests count logins, not hash strength.
                    password_hash_time_cost=1, password_hash_memory_kib=1024)


@pytest.fixture
def product(settings):
    """The embedded product: every service, its consumer and relay, the gateway."""
    product = build(settings)
    yield product
    product.stop()


@pytest.fixture
def anonymous_api(product) -> Client:
    """A client of the gateway without credentials (for log-in and the open routes)."""
    return Client(product.gateway)


@pytest.fixture
def api(product, anonymous_api) -> Client:
    """A client of the gateway signed in as the bootstrap superuser (settings.admin_email),
    logged in for real; its `.token` is the Bearer token it sends."""
    return bearer_client(product.gateway, log_in(anonymous_api, ADMIN_EMAIL, ADMIN_PASSWORD))


@pytest.fixture
def installed_package(tmp_path, monkeypatch):
    """Install a package into a folder on sys.path, the way pip would (dist-info + module)."""

    def install(module_source: str, entry_points: str) -> None:
        (tmp_path / "cardbox_extra_ops.py").write_text(textwrap.dedent(module_source))
        dist_info = tmp_path / "cardbox_extra_ops-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: cardbox-extra-ops\n"
                                            "Version: 1.0\n")
        (dist_info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
        monkeypatch.syspath_prepend(str(tmp_path))

    yield install
    sys.modules.pop("cardbox_extra_ops", None)


@pytest.fixture
def as_superuser(product):
    """Call a service's app directly with a superuser principal signed by the gateway's key
    (staff log-in arrives with the accounts service; the check in the service exists now)."""
    from shared.auth import PRINCIPAL_HEADER, PrincipalSigner
    from shared.permissions import staff_principal

    header = PrincipalSigner(product.settings.principal_secret).sign(
        staff_principal("root", "superuser"))

    def client(service: str) -> Client:
        app = product.gateway.backends[service].app
        return Client(lambda environ, start_response: app(
            {**environ, "HTTP_" + PRINCIPAL_HEADER.upper().replace("-", "_"): header},
            start_response))

    return client


def job_principal(role: str) -> dict:
    """The principal a bulk job runs for (a staff user of `role`), as chunk commands carry it."""
    from shared.permissions import staff_principal

    return staff_principal(role, role).to_dict()


def bearer_client(app, token: str) -> Client:
    """A client whose requests carry `Authorization: Bearer <token>` unless they name their own."""
    client = Client(lambda environ, start_response: app(
        {"HTTP_AUTHORIZATION": f"Bearer {token}", **environ}, start_response))
    client.token = token
    return client


def log_in(api: Client, email: str, password: str) -> str:
    response = api.post("/api/accounts/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@pytest.fixture
def staff_api(product, api, anonymous_api):
    """staff_api(role) -> a gateway client of a new staff user of that role, logged in for
    real (made by the bootstrap superuser of settings.admin_email/admin_password); the
    client's `.token` and `.user` tell who it is."""
    made = []

    def make(role: str = "administrator") -> Client:
        email, password = f"{role}-{len(made) + 1}@cardbox.test", f"{role}-password-123"
        created = api.post("/api/accounts/staff", json={
            "email": email, "name": f"{role.title()} {len(made) + 1}", "role": role,
            "password": password, "must_change_password": False})
        assert created.status_code == 201, created.get_json()
        client = bearer_client(product.gateway, log_in(anonymous_api, email, password))
        client.user = created.get_json()
        made.append(client)
        return client

    return make
