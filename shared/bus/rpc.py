"""Request/reply over the bus: send a command or query to its owner and wait for the answer."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from kombu import Consumer, Queue

from shared.bus.topology import COMMANDS_EXCHANGE
from shared.bus.transport import Bus
from shared.errors import BusTimeout, from_wire
from shared.messages import MessageType


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

    def call(self, message_type: MessageType, payload: dict[str, Any], *,
             timeout: float | None = None) -> Any:
        """Answer the owner's result, or raise the error it answered, or BusTimeout."""
        envelope = message_type.envelope(payload, source=self.caller)
        channel = self._channel()
        self.bus.publish(envelope, COMMANDS_EXCHANGE, reply_to=channel.queue.name,
                         correlation_id=envelope.id)
        try:
            reply = channel.wait(envelope.id, time.monotonic() + (timeout or self.timeout))
        except TimeoutError:
            raise BusTimeout(f"{message_type.name} got no answer within "
                             f"{timeout or self.timeout:.0f}s") from None
        except Exception:
            # A broken reply connection is rebuilt on the next call.
            self._local.channel = None
            channel.close()
            raise
        if not reply.get("ok"):
            raise from_wire(reply.get("error") or {})
        return reply.get("result")
