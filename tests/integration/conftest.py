"""The integration tier: real RabbitMQ and PostgreSQL, started by deploy/local/ (make test does
it). Each test gets its own vhost and its own databases, dropped afterwards."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pika
import psycopg
import pytest
import requests

from shared.config import Settings
from tests.support.postgres import POSTGRES, POSTGRES_PORT, database_url, fresh_databases

REPO = Path(__file__).resolve().parents[2]
# The same variables as deploy/local/*.sh, so a second pair of servers can serve a second run.
RABBITMQ_PORT = os.environ.get("RABBITMQ_PORT", "5673")
MANAGEMENT_PORT = os.environ.get("RABBITMQ_MGMT_PORT", "15673")
AMQP = f"amqp://guest:guest@127.0.0.1:{RABBITMQ_PORT}"
MANAGEMENT = f"http://127.0.0.1:{MANAGEMENT_PORT}/api"
GUEST = ("guest", "guest")


def servers_are_up() -> str | None:
    """None when both servers answer; otherwise what is missing."""
    try:
        requests.get(f"{MANAGEMENT}/overview", auth=GUEST, timeout=3).raise_for_status()
    except requests.RequestException as exc:
        return f"RabbitMQ management API on 127.0.0.1:{MANAGEMENT_PORT} ({exc})"
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL on 127.0.0.1:{POSTGRES_PORT} ({exc})"
    return None


@pytest.fixture(scope="session", autouse=True)
def servers():
    missing = servers_are_up()
    if missing:
        pytest.fail(f"the integration tier needs {missing}: run it through `make test`, or "
                    "start deploy/local/rabbitmq.sh and deploy/local/postgres.sh first",
                    pytrace=False)


@pytest.fixture
def vhost():
    name = f"test-{uuid.uuid4().hex[:10]}"
    requests.put(f"{MANAGEMENT}/vhosts/{name}", auth=GUEST, timeout=10).raise_for_status()
    requests.put(f"{MANAGEMENT}/permissions/{name}/guest", auth=GUEST, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    yield name
    requests.delete(f"{MANAGEMENT}/vhosts/{name}", auth=GUEST, timeout=30)


@pytest.fixture
def databases():
    """A database-name prefix for this test and `create(service)`; dropped afterwards."""
    with fresh_databases() as made:
        yield made


@pytest.fixture
def settings(vhost, databases, tmp_path) -> Settings:
    prefix, create = databases
    for service in ("ledger", "relations", "selections"):
        create(service)
    return Settings(
        mode="distributed",
        var_dir=tmp_path,
        broker_url=f"{AMQP}/{vhost}",
        database_url=database_url(prefix),
        principal_secret="integration-secret-" + "z" * 20,
        max_deliveries=3,
        outbox_poll_interval=0.05,
        confirm_timeout=5.0,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process read the same settings."""
    return {
        "CARDBOX_MODE": settings.mode,
        "CARDBOX_BROKER_URL": settings.broker_url,
        "CARDBOX_DATABASE_URL": settings.database_url,
        "CARDBOX_PRINCIPAL_SECRET": settings.principal_secret,
        "CARDBOX_MAX_DELIVERIES": str(settings.max_deliveries),
        "CARDBOX_VAR_DIR": str(settings.var_dir),
    }


def queue_depth(vhost: str, queue: str) -> int:
    """Messages ready in a queue, as the broker counts them now (the management API's figures
    lag by seconds, and are missing right after a restart)."""
    connection = pika.BlockingConnection(pika.URLParameters(f"{AMQP}/{vhost}"))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def restart_broker() -> None:
    """Stop the broker hard-enough (a clean node stop) and start it on the same data."""
    script = str(REPO / "deploy/local/rabbitmq.sh")
    subprocess.run([script, "stop"], check=True, timeout=120)
    subprocess.run([script, "start"], check=True, timeout=180)
