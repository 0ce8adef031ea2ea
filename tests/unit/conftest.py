import sys
import textwrap

import pytest
from werkzeug.test import Client

from gateway.embedded import build
from shared.config import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path, principal_secret="unit-test-secret-" + "x" * 20,
                    outbox_poll_interval=0.05)


@pytest.fixture
def product(settings):
    """The embedded product: every service, its consumer and relay, the gateway."""
    product = build(settings)
    yield product
    product.stop()


@pytest.fixture
def api(product) -> Client:
    """A client of the gateway, as other internal systems use it."""
    return Client(product.gateway)


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
    from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner

    header = PrincipalSigner(product.settings.principal_secret).sign(
        Principal(kind="staff", id="root", roles=("superuser",)))

    def client(service: str) -> Client:
        app = product.gateway.backends[service].app
        return Client(lambda environ, start_response: app(
            {**environ, "HTTP_" + PRINCIPAL_HEADER.upper().replace("-", "_"): header},
            start_response))

    return client
