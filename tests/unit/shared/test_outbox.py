"""The outbox: events leave only with their commit, in order, each once, even past outages."""

import json

import pytest
from sqlalchemy import select

from shared.bus import Bus
from shared.tables import outbox
from tests.support import ledger


class BrokerOutage(Bus):
    """The memory bus, with an outage that starts after `fail_after` publishes while `down`."""

    def __init__(self, url):
        super().__init__(url)
        self.down = False
        self.fail_after = 0
        self.published: list[dict] = []

    def publish_encoded(self, body, message_id, exchange, routing_key):
        if self.down and self.fail_after <= 0:
            raise ConnectionError("broker unreachable")
        self.fail_after -= 1
        super().publish_encoded(body, message_id, exchange, routing_key)
        self.published.append(json.loads(body))


@pytest.fixture
def service(settings):
    bus = BrokerOutage(settings.broker_url)
    runtime = ledger.start(settings, bus=bus)
    yield runtime
    runtime.stop()


def emit_notes(runtime, count, aggregates=("a", "b", "c")):
    for i in range(count):
        uow = runtime.unit_of_work()
        with uow:
            aggregate = aggregates[i % len(aggregates)]
            uow.emit(ledger.NoteTaken, {"aggregate": aggregate, "note": str(i)},
                     aggregate_id=aggregate)
            uow.commit()


def unsent(runtime):
    with runtime.database.engine.connect() as connection:
        return connection.execute(select(outbox.c.id).where(outbox.c.sent_at.is_(None))).all()


def test_an_event_of_a_rolled_back_transaction_is_never_published(service):
    uow = service.unit_of_work()
    with uow:
        uow.emit(ledger.NoteTaken, {"aggregate": "a", "note": "x"}, aggregate_id="a")
        # no commit: leaving the block rolls back
    assert service.relay().relay_once() == 0
    assert service.bus.published == []


def test_the_relay_publishes_every_event_once_in_commit_order(service):
    emit_notes(service, 10)
    relay = service.relay()
    assert relay.relay_once() == 10
    assert relay.relay_once() == 0
    assert [body["payload"]["note"] for body in service.bus.published] == [str(i)
                                                                           for i in range(10)]


def test_an_outage_mid_batch_keeps_the_rest_for_later_in_order(service):
    emit_notes(service, 10)
    service.bus.down, service.bus.fail_after = True, 4
    relay = service.relay()
    with pytest.raises(ConnectionError):
        relay.relay_once()
    assert len(unsent(service)) == 6  # the four confirmed ones are marked sent
    service.bus.down = False
    assert relay.relay_once() == 6
    notes = [body["payload"]["note"] for body in service.bus.published]
    assert notes == [str(i) for i in range(10)]  # no gap, no duplicate, no reordering
    assert unsent(service) == []


def test_the_relay_thread_rides_out_an_outage(service):
    from shared.testing import wait_until

    service.bus.down = True
    service.start_background(consume=False)
    emit_notes(service, 5)
    wait_until(lambda: len(unsent(service)) == 5)
    service.bus.down = False
    wait_until(lambda: not unsent(service), timeout=15, message="the relay to catch up")
    assert len(service.bus.published) == 5
