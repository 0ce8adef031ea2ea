"""The outbox relay on PostgreSQL and RabbitMQ: every event published, in order per aggregate,
even when the broker is down for a while; a repeat only where the outage cut a confirm off."""

from __future__ import annotations

import threading

import pika
import pytest
from sqlalchemy import func, select

from shared.tables import outbox
from shared.testing import wait_until
from tests.integration.conftest import AMQP, queue_depth, restart_broker
from tests.support import ledger

pytestmark = pytest.mark.integration
AGGREGATES = [f"agg-{i}" for i in range(5)]


def emit(runtime, start: int, count: int) -> None:
    for i in range(start, start + count):
        uow = runtime.unit_of_work()
        with uow:
            aggregate = AGGREGATES[i % len(AGGREGATES)]
            uow.emit(ledger.NoteTaken, {"aggregate": aggregate, "note": str(i)},
                     aggregate_id=aggregate)
            uow.commit()


def unsent(runtime) -> int:
    with runtime.database.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(outbox)
                                 .where(outbox.c.sent_at.is_(None)))


def received_notes(vhost: str, queue: str) -> list[tuple[str, str, int]]:
    """Everything in the queue, in queue order, as (message id, aggregate, note number)."""
    import json

    connection = pika.BlockingConnection(pika.URLParameters(f"{AMQP}/{vhost}"))
    channel = connection.channel()
    notes = []
    while True:
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        message = json.loads(body)
        notes.append((message["id"], message["payload"]["aggregate"],
                      int(message["payload"]["note"])))
    connection.close()
    return notes


def test_the_relay_publishes_everything_once_in_order_across_an_outage(settings, vhost):
    runtime = ledger.start(settings)  # declares the ledger queue; nobody consumes it
    relay = runtime.relay()
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        emit(runtime, 0, 100)
        wait_until(lambda: unsent(runtime) == 0, timeout=30, message="the first batch")
        restart_during = threading.Thread(target=restart_broker)
        restart_during.start()
        emit(runtime, 100, 200)  # written while the broker goes down and comes back
        restart_during.join()
        emit(runtime, 300, 100)
        wait_until(lambda: unsent(runtime) == 0, timeout=60, message="the relay to catch up")
        wait_until(lambda: queue_depth(vhost, "ledger.events") >= 400, timeout=30,
                   message="every event in the queue")
    finally:
        relay.stop()
        thread.join(10)
        runtime.stop()
    notes = received_notes(vhost, "ledger.events")
    first = {}
    for message_id, aggregate, number in notes:
        first.setdefault(message_id, (aggregate, number))
    assert sorted(number for _, number in first.values()) == list(range(400)), "an event lost"
    # A publish cut off by the outage after the broker stored it but before its confirm came
    # back is published again with the same id (consumers' inboxes drop it): at most the
    # messages in flight at that moment.
    assert len(notes) - len(first) <= 5, f"{len(notes) - len(first)} duplicates"
    for aggregate in AGGREGATES:
        numbers = [number for agg, number in first.values() if agg == aggregate]
        assert numbers == sorted(numbers), f"{aggregate} arrived out of order"
