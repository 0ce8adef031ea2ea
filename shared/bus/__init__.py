"""The message bus: one API over RabbitMQ (amqp://) and Kombu's in-process memory:// twin."""

from shared.bus.consumer import MessageConsumer, Subscription
from shared.bus.rpc import RpcClient
from shared.bus.topology import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    commands_queue_name,
    dead_letter_queue,
    events_queue_name,
    work_queue,
)
from shared.bus.transport import Bus

__all__ = [
    "Bus",
    "COMMANDS_EXCHANGE",
    "DEAD_LETTER_EXCHANGE",
    "EVENTS_EXCHANGE",
    "MessageConsumer",
    "RpcClient",
    "Subscription",
    "commands_queue_name",
    "dead_letter_queue",
    "events_queue_name",
    "work_queue",
]
