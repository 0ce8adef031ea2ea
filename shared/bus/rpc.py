"""Request/reply over the bus: send a command or query to its owner and wait for the answer."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Consumer, Queue
from kombu.exceptions import OperationalError

from shared.bus.topology import COMMANDS_EXCHANGE
from shared.bus.transport import Bus
from shared.errors import BusTimeout, Unavailable, from_wire
from shared.messages import Envelope, MessageType

log = logging.getLogger(__name__)

# What a lost broker raises here: socket errors from a read, py-amqp's closed-connection
# errors, and Kombu's OperationalError from a publish that gave up retrying.
BROKER_LOST = (OSError, AmqpConnectionError, OperationalError)


class _ReplyChannel:
    """One thread's exclusive reply queue and the consumer on it."""

    def __init__(self, bus: Bus, caller: str):
        self.connection = bus.connection()
        self.queue = Queue(f"reply.{caller}.{uuid.uuid4().hex}", exclusive=True, auto_delete=True,
                           durable=False)
        self.replies: dict[str, Any] = {}
        self.consumer = Consumer(self.connection.channel(), queues=[self.queue],
                                 callbacks=[self._on_reply], accept=["json"], no_ack=True)
        self.consumer.consume()

    def _on_reply(self, body: Any, message) -> None:
        self.replies[message.properties.get("correlation_id")] = body

    def wait(self, correlation_id: str, deadline: float) -> Any:
        # Replies to earlier calls that timed out may still arrive: keep only ours.
        while correlation_id not in self.replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                self.connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue
        reply = self.replies.pop(correlation_id)
        self.replies.clear()
        return reply

    def close(self) -> None:
        self.connection.release()


class RpcClient:
    def __init__(self, bus: Bus, caller: str, *, timeout: float = 30.0):
        self.bus = bus
        self.caller = caller
        self.timeout = timeout
        self._local = threading.local()

    def _channel(self) -> _ReplyChannel:
        channel = getattr(self._local, "channel", None)
        if channel is None:
            channel = self._local.channel = _ReplyChannel(self.bus, self.caller)
        return channel

    def _drop(self, channel: _ReplyChannel) -> None:
        self._local.channel = None
        try:
            channel.close()
        except Exception:
            log.debug("closing a broken reply connection failed", exc_info=True)

    def call(self, message_type: MessageType, payload: dict[str, Any], *,
             timeout: float | None = None) -> Any:
        """Answer the owner's result, or raise the error it answered, BusTimeout, or
        Unavailable when the broker cannot be reached."""
        envelope = message_type.envelope(payload, source=self.caller)
        seconds = timeout or self.timeout
        try:
            reply = self._ask(envelope, time.monotonic() + seconds)
        except TimeoutError:
            raise BusTimeout(f"{message_type.name} got no answer within {seconds:.0f}s") \
                from None
        except BROKER_LOST as exc:
            raise Unavailable(f"{message_type.name}: the message broker cannot be reached") \
                from exc
        if not reply.get("ok"):
            raise from_wire(reply.get("error") or {})
        return reply.get("result")

    def _ask(self, envelope: Envelope, deadline: float) -> Any:
        try:
            return self._send(envelope, deadline)
        except TimeoutError:  # an OSError too, but no sign of a lost broker
            raise
        except BROKER_LOST:
            # A broker restart closes this thread's reply connection and takes its exclusive
            # queue along, which shows only when the connection is read: the message goes
            # once more over a new one. Same id, so the owner answers a repeat as it did the
            # first (from its inbox, or its own records for self-idempotent commands).
            return self._send(envelope, deadline)

    def _send(self, envelope: Envelope, deadline: float) -> Any:
        channel = self._channel()
        try:
            self.bus.publish(envelope, COMMANDS_EXCHANGE, reply_to=channel.queue.name,
                             correlation_id=envelope.id)
            return channel.wait(envelope.id, deadline)
        except TimeoutError:
            raise
        except Exception:
            # A broken reply connection is rebuilt on the next call.
            self._drop(channel)
            raise
