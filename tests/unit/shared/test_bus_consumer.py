"""The consumer on the memory:// bus: ack after commit, inbox, bounded retries, dead letters."""

import pytest
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Connection, Consumer
from kombu.exceptions import OperationalError

from shared.bus import EVENTS_EXCHANGE, dead_letter_queue, events_queue_name, rpc
from shared.errors import Unavailable, ValidationFailed
from shared.testing import wait_until
from tests.support import ledger


@pytest.fixture
def ledger_service(settings):
    runtime = ledger.start(settings.with_overrides(max_deliveries=3))
    runtime.start_background(relay=False)
    ledger.ATTEMPTS.clear()
    yield runtime
    runtime.stop()


def publish_note(runtime, note, aggregate="a1"):
    envelope = ledger.NoteTaken.envelope({"aggregate": aggregate, "note": note}, source="test")
    runtime.bus.publish(envelope, EVENTS_EXCHANGE)
    return envelope


def drain(runtime, queue):
    """Everything waiting in `queue`, as (body, headers)."""
    received = []
    with Connection(runtime.bus.url) as connection:
        consumer = Consumer(connection, queues=[queue], accept=["json"],
                            callbacks=[lambda body, m: (received.append((body, m.headers)),
                                                        m.ack())])
        with consumer:
            try:
                while True:
                    connection.drain_events(timeout=0.3)
            except TimeoutError:
                pass
    return received


def test_an_event_is_handled_and_its_effect_committed(ledger_service):
    envelope = publish_note(ledger_service, "hello")
    rows = wait_until(lambda: ledger.rows(ledger_service), message="the note to be recorded")
    assert rows == [(envelope.id, "a1", "hello")]


def test_a_redelivered_message_changes_nothing_the_second_time(ledger_service):
    envelope = publish_note(ledger_service, "once")
    wait_until(lambda: ledger.rows(ledger_service))
    ledger_service.bus.publish(envelope, EVENTS_EXCHANGE)  # the same message id again
    publish_note(ledger_service, "marker")  # handled after the duplicate: one consumer, in order
    wait_until(lambda: len(ledger.rows(ledger_service)) == 2, message="the marker")
    assert [row[2] for row in ledger.rows(ledger_service)] == ["once", "marker"]
    assert ledger.ATTEMPTS.count(envelope.id) == 1


def test_a_failing_message_is_retried_then_dead_lettered_with_its_reason(ledger_service):
    envelope = publish_note(ledger_service, "poison")
    dead = dead_letter_queue(events_queue_name("ledger"), "classic")
    wait_until(lambda: ledger.ATTEMPTS.count(envelope.id) == 3, message="three attempts")
    received = wait_until(lambda: drain(ledger_service, dead), message="a dead letter")
    body, headers = received[0]
    assert body["id"] == envelope.id
    assert headers["x-cardbox-attempts"] == 3
    assert "poison note" in headers["x-cardbox-error"]
    assert ledger.rows(ledger_service) == []  # every attempt was rolled back


def test_a_refusal_is_dead_lettered_at_once_without_retries(ledger_service):
    envelope = publish_note(ledger_service, "refuse")
    dead = dead_letter_queue(events_queue_name("ledger"), "classic")
    received = wait_until(lambda: drain(ledger_service, dead), message="a dead letter")
    assert received[0][0]["id"] == envelope.id
    assert ledger.ATTEMPTS.count(envelope.id) == 1


def test_a_malformed_message_is_dead_lettered_not_dropped(ledger_service):
    ledger_service.bus.publish_raw({"not": "an envelope"}, EVENTS_EXCHANGE, "ledger.notes.taken")
    dead = dead_letter_queue(events_queue_name("ledger"), "classic")
    received = wait_until(lambda: drain(ledger_service, dead), message="a dead letter")
    assert received[0][0] == {"not": "an envelope"}
    assert "malformed" in received[0][1]["x-cardbox-error"]


def test_request_reply_answers_the_handlers_result(ledger_service):
    result = ledger_service.rpc.call(ledger.TakeNote, {"aggregate": "a1", "note": "asked"})
    assert result == {"count": 1}
    result = ledger_service.rpc.call(ledger.TakeNote, {"aggregate": "a1", "note": "again"})
    assert result == {"count": 2}


def test_request_reply_raises_the_owners_refusal(ledger_service):
    with pytest.raises(ValidationFailed) as refused:
        ledger_service.rpc.call(ledger.TakeNote, {"aggregate": "a1", "note": "refuse"})
    assert refused.value.errors == {"note": ["refused"]}


def test_request_reply_times_out_when_nobody_answers(settings):
    runtime = ledger.start(settings)  # its consumer is not running
    try:
        from shared.errors import BusTimeout

        with pytest.raises(BusTimeout):
            runtime.rpc.call(ledger.TakeNote, {"aggregate": "a", "note": "x"}, timeout=0.3)
    finally:
        runtime.stop()


def test_a_consumer_survives_a_publish_that_gives_up_inside_its_callback(ledger_service,
                                                                           monkeypatch):
    # While the broker restarts, the republish of a failed attempt gives up with Kombu's
    # OperationalError; the consumer thread must reconnect, not die with it. (RabbitMQ then
    # delivers the unacked message again, which tests/e2e/test_bulk_faults_e2e.py shows;
    # the memory transport keeps no unacked messages across connections.)
    bus, publish_raw, failures = ledger_service.bus, ledger_service.bus.publish_raw, []

    def broker_gone_once(body, exchange, routing_key, **kwargs):
        if exchange == "" and not failures:
            failures.append(routing_key)
            raise OperationalError("the broker went away")
        publish_raw(body, exchange, routing_key, **kwargs)

    monkeypatch.setattr(bus, "publish_raw", broker_gone_once)
    publish_note(ledger_service, "poison")
    wait_until(lambda: failures, message="the republish to give up")
    later = publish_note(ledger_service, "after the outage")
    rows = wait_until(lambda: ledger.rows(ledger_service), message="the consumer to go on")
    assert rows == [(later.id, "a1", "after the outage")]


def reply_connection_dies(monkeypatch, times):
    """The next `times` waits for a reply find their connection closed (a broker restart)."""
    wait, broken = rpc._ReplyChannel.wait, []

    def dies(channel, correlation_id, deadline):
        if len(broken) < times:
            broken.append(channel)
            raise AmqpConnectionError("connection closed by the broker")
        return wait(channel, correlation_id, deadline)

    monkeypatch.setattr(rpc._ReplyChannel, "wait", dies)
    return broken


def test_a_call_whose_reply_connection_died_is_sent_once_more_on_a_new_one(ledger_service,
                                                                           monkeypatch):
    broken = reply_connection_dies(monkeypatch, times=1)
    result = ledger_service.rpc.call(ledger.TakeNote, {"aggregate": "a1", "note": "asked"})
    # The same message twice: the owner's inbox answered the repeat, one note was taken.
    assert result == {"count": 1}
    assert [row[2] for row in ledger.rows(ledger_service)] == ["asked"]
    assert len(broken) == 1 and ledger_service.rpc._channel() is not broken[0]


def test_a_call_that_cannot_reach_the_broker_twice_is_unavailable(ledger_service, monkeypatch):
    reply_connection_dies(monkeypatch, times=2)
    with pytest.raises(Unavailable) as refused:
        ledger_service.rpc.call(ledger.TakeNote, {"aggregate": "a1", "note": "lost"})
    assert "cannot be reached" in refused.value.detail
