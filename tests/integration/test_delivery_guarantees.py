"""What RELIABILITY.md promises, on real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

import pika
import pytest

from shared.bus import EVENTS_EXCHANGE, dead_letter_queue, events_queue_name
from shared.testing import wait_until
from tests.integration.conftest import AMQP, REPO, queue_depth, restart_broker, settings_env
from tests.support import ledger

pytestmark = pytest.mark.integration
QUEUE = events_queue_name("ledger")


@pytest.fixture
def ledger_runtime(settings):
    runtime = ledger.start(settings)
    ledger.ATTEMPTS.clear()
    yield runtime
    runtime.stop()


def publish_note(runtime, note, aggregate="a"):
    envelope = ledger.NoteTaken.envelope({"aggregate": aggregate, "note": note}, source="test")
    runtime.bus.publish(envelope, EVENTS_EXCHANGE)
    return envelope


def test_a_confirmed_message_survives_a_broker_restart(ledger_runtime, vhost):
    envelope = publish_note(ledger_runtime, "survivor")  # confirmed; nobody consumes yet
    ledger_runtime.bus.close()
    restart_broker()
    assert queue_depth(vhost, QUEUE) == 1
    ledger_runtime.start_background(relay=False)
    rows = wait_until(lambda: ledger.rows(ledger_runtime), timeout=30, message="the note")
    assert rows == [(envelope.id, "a", "survivor")]


def run_consumer_process(settings, **extra_env) -> subprocess.Popen:
    env = {**os.environ, **settings_env(settings), **extra_env}
    return subprocess.Popen([sys.executable, "-m", "tests.support.ledger"], cwd=REPO, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_a_consumer_killed_after_commit_before_ack_gets_it_again_and_applies_it_once(
        ledger_runtime, settings, vhost):
    envelope = publish_note(ledger_runtime, "exactly once")
    crashing = run_consumer_process(settings, CARDBOX_FAULT_EXIT_BEFORE_ACK="1")
    assert crashing.wait(timeout=60) == 70  # the fault hook fired after the commit
    assert ledger.rows(ledger_runtime) == [(envelope.id, "a", "exactly once")]
    assert queue_depth(vhost, QUEUE) == 1  # not acked: the broker kept it

    healthy = run_consumer_process(settings)
    try:
        assert healthy.stdout.readline().strip() == "ready"
        wait_until(lambda: queue_depth(vhost, QUEUE) == 0, timeout=30,
                   message="the redelivery to be taken")
    finally:
        healthy.stdin.close()
        assert healthy.wait(timeout=30) == 0
    # Had the redelivery not been acked, closing the consumer would have put it back.
    assert queue_depth(vhost, QUEUE) == 0
    assert ledger.rows(ledger_runtime) == [(envelope.id, "a", "exactly once")]


def test_a_poison_message_lands_in_the_dead_letter_queue_after_n_deliveries(
        ledger_runtime, settings, vhost):
    ledger_runtime.start_background(relay=False)
    envelope = publish_note(ledger_runtime, "poison")
    dead = dead_letter_queue(QUEUE, "classic").name
    wait_until(lambda: queue_depth(vhost, dead) == 1, timeout=30, message="a dead letter")
    assert ledger.ATTEMPTS.count(envelope.id) == settings.max_deliveries
    connection = pika.BlockingConnection(pika.URLParameters(f"{AMQP}/{vhost}"))
    try:
        method, properties, body = connection.channel().basic_get(dead, auto_ack=True)
    finally:
        connection.close()
    assert method is not None and envelope.id.encode() in body
    assert properties.headers["x-cardbox-attempts"] == settings.max_deliveries
    assert "poison note" in properties.headers["x-cardbox-error"]
    assert queue_depth(vhost, QUEUE) == 0
    assert ledger.rows(ledger_runtime) == []
