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
