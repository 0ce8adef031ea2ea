"""The consumer loop: hand each message to its dispatcher, ack only after the work committed,
retry a transient failure a bounded number of times, then dead-letter it. Nothing is dropped."""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kombu import Consumer, Message, Queue
from kombu.exceptions import OperationalError
from kombu.mixins import ConsumerMixin

from shared.bus.topology import DEAD_LETTER_EXCHANGE
from shared.bus.transport import Bus
from shared.errors import PlatformError
from shared.messages import Envelope

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-cardbox-attempts"

# (envelope) -> JSON-able result; the result is the reply when the message asks for one.
Dispatcher = Callable[[Envelope], Any]


@dataclass(frozen=True)
class Subscription:
    queue: Queue
    dispatch: Dispatcher


def _attempts_so_far(message: Message) -> int:
    headers = message.headers or {}
    # Quorum queues count deliveries themselves (also those cut short by a crash).
    return max(int(headers.get(ATTEMPTS_HEADER, 0)), int(headers.get("x-delivery-count", 0)))


class MessageConsumer(ConsumerMixin):
    """Consumes one or more queues on one connection; run() blocks until stop()."""

    def __init__(self, bus: Bus, subscriptions: list[Subscription], *, prefetch: int,
                 max_deliveries: int, name: str, retry_delay: float = 0.2,
                 exit_before_ack: bool = False):
        self.bus = bus
        self.connection = bus.connection()
        self.subscriptions = subscriptions
        self.prefetch = prefetch
        self.max_deliveries = max_deliveries
        self.name = name
        self.retry_delay = retry_delay
        self.ready = threading.Event()
        self.exit_before_ack = exit_before_ack

    def get_consumers(self, consumer_class, channel) -> list[Consumer]:
        return [
            consumer_class(
                queues=[subscription.queue],
                callbacks=[self._callback(subscription)],
                accept=["json"],  # never pickle
                prefetch_count=self.prefetch,
            )
            for subscription in self.subscriptions
        ]

    def on_consume_ready(self, connection, channel, consumers, **kwargs) -> None:
        self.ready.set()

    def on_connection_error(self, exc, interval) -> None:
        self.ready.clear()
        log.warning("%s lost the broker (%s); reconnecting in %ss", self.name, exc, interval)

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        # Kombu's default acks, which would drop the message silently.
        queue = message.delivery_info.get("routing_key", "?")
        self._dead_letter(message, message.body, queue, f"undecodable: {exc}")

    def _callback(self, subscription: Subscription) -> Callable[[Any, Message], None]:
        def on_message(body: Any, message: Message) -> None:
            self._handle(subscription, body, message)

        return on_message

    def _handle(self, subscription: Subscription, body: Any, message: Message) -> None:
        queue = subscription.queue.name
        try:
            envelope = Envelope.from_dict(body)
        except PlatformError as exc:
            self._dead_letter(message, body, queue, exc.detail)
            return
        reply_to = message.properties.get("reply_to")
        try:
            result = subscription.dispatch(envelope)
        except PlatformError as exc:
            if reply_to:
                # A refusal is an answer to the caller, not a lost message.
                self._reply(message, {"ok": False, "error": exc.to_wire()})
                message.ack()
            else:
                self._dead_letter(message, body, queue, f"{exc.code}: {exc.detail}")
            return
        except Exception as exc:
            self._retry_or_dead_letter(message, body, queue, exc)
            return
        if reply_to:
            self._reply(message, {"ok": True, "result": result})
        if self.exit_before_ack:
            log.error("%s: fault hook: exiting after commit, before ack", self.name)
            os._exit(70)
        message.ack()

    def _retry_or_dead_letter(self, message: Message, body: Any, queue: str,
                              exc: Exception) -> None:
        attempts = _attempts_so_far(message) + 1
        log.warning("%s: %s failed (attempt %d of %d): %r", self.name, body.get("type"),
                    attempts, self.max_deliveries, exc)
        if attempts >= self.max_deliveries:
            reason = "".join(traceback.format_exception_only(exc)).strip()
            self._dead_letter(message, body, queue, reason, attempts=attempts)
            if message.properties.get("reply_to"):
                error = {"code": "unavailable", "message": f"{body.get('type')} failed: {reason}"}
                self._reply(message, {"ok": False, "error": error})
            return
        # Back off before the next attempt: a database that is restarting needs a moment.
        time.sleep(min(self.retry_delay * 2 ** (attempts - 1), 5.0))
        headers = dict(message.headers or {}, **{ATTEMPTS_HEADER: attempts})
        # Republish to the same queue (confirmed) before the ack: at worst a duplicate, which
        # the inbox drops; never a loss.
        self.bus.publish_raw(body, "", queue, headers=headers,
                             reply_to=message.properties.get("reply_to"),
                             correlation_id=message.properties.get("correlation_id"))
        message.ack()

    def _dead_letter(self, message: Message, body: Any, queue: str, reason: str,
                     attempts: int | None = None) -> None:
        headers = dict(message.headers or {})
        headers.update({"x-cardbox-failed-queue": queue, "x-cardbox-error": reason[:2000],
                        ATTEMPTS_HEADER: attempts or _attempts_so_far(message) + 1})
        payload = body if isinstance(body, dict) else {"undecodable": str(body)[:10000]}
        self.bus.publish_raw(payload, DEAD_LETTER_EXCHANGE, queue, headers=headers)
        log.error("%s: dead-lettered a message from %s: %s", self.name, queue, reason)
        message.ack()

    def _reply(self, message: Message, reply: dict[str, Any]) -> None:
        self.bus.publish_raw(reply, "", message.properties["reply_to"],
                             correlation_id=message.properties.get("correlation_id"))

    def run(self, _tokens: int = 1, **kwargs) -> None:
        """Consume until stop(), reconnecting whenever the broker goes away."""
        # Wake from an idle drain often enough that stop() takes effect within a quarter second.
        kwargs.setdefault("safety_interval", 0.25)
        # Kombu's own loop reconnects on the transport's errors only. A publish inside a
        # callback (a reply, a retry, a dead letter) that gives up while the broker is down
        # raises Kombu's OperationalError instead, which would end this thread for good
        # (and with it the process). The delivery was not acked: it comes back after the
        # reconnect, like any delivery a lost connection takes with it.
        lost = (*self.connection.connection_errors, *self.connection.channel_errors,
                OperationalError)
        while not self.should_stop:
            try:
                if self.restart_limit.can_consume(_tokens):
                    for _ in self.consume(limit=None, **kwargs):
                        pass
                else:
                    time.sleep(self.restart_limit.expected_time(_tokens))
            except lost as exc:
                self.ready.clear()
                log.warning("%s lost the broker (%r); reconnecting", self.name, exc)

    def stop(self) -> None:
        self.should_stop = True
