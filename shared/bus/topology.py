"""Exchanges and queues: the names every process agrees on."""

from __future__ import annotations

from collections.abc import Iterable

from kombu import Exchange, Queue, binding

EVENTS_EXCHANGE = "cardbox.events"
COMMANDS_EXCHANGE = "cardbox.commands"
DEAD_LETTER_EXCHANGE = "cardbox.dead-letter"

EXCHANGES = {
    EVENTS_EXCHANGE: Exchange(EVENTS_EXCHANGE, "topic", durable=True),
    COMMANDS_EXCHANGE: Exchange(COMMANDS_EXCHANGE, "direct", durable=True),
    DEAD_LETTER_EXCHANGE: Exchange(DEAD_LETTER_EXCHANGE, "direct", durable=True),
}


def queue_arguments(queue_type: str) -> dict[str, str]:
    # Quorum queues in production; their delivery limit and dead-lettering are set by policy.
    return {"x-queue-type": "quorum"} if queue_type == "quorum" else {}


def work_queue(name: str, exchange: str, routing_keys: Iterable[str], queue_type: str) -> Queue:
    """A durable queue of one consumer group, bound once per routing key."""
    source = EXCHANGES[exchange]
    return Queue(
        name,
        bindings=[binding(source, routing_key=key) for key in sorted(set(routing_keys))],
        durable=True,
        queue_arguments=queue_arguments(queue_type),
    )


def dead_letter_queue(queue_name: str, queue_type: str) -> Queue:
    """Where `queue_name`'s messages go once they have failed for good."""
    return Queue(
        f"{queue_name}.dead",
        exchange=EXCHANGES[DEAD_LETTER_EXCHANGE],
        routing_key=queue_name,
        durable=True,
        queue_arguments=queue_arguments(queue_type),
    )


def events_queue_name(service: str) -> str:
    return f"{service}.events"


def commands_queue_name(service: str) -> str:
    return f"{service}.commands"
