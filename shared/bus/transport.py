"""The bus: connections and confirmed, persistent publishing over Kombu (amqp:// or memory://)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from kombu import Connection, Producer, Queue, serialization

from shared import jsontext
from shared.bus.topology import EXCHANGES
from shared.messages import Envelope

log = logging.getLogger(__name__)
JSON = "application/json"
# Kombu's own "json" wraps times in typed objects and decodes with a hook on every object;
# ours is plain JSON and several times faster (shared.jsontext).
serialization.register("json", jsontext.dump_bytes, jsontext.loads, content_type=JSON,
                       content_encoding="utf-8")

# Bounded: a publish that cannot get through within ~10 s raises, so the outbox keeps the row
# and an HTTP caller gets a clear 503 instead of hanging.
RETRY_POLICY = {"max_retries": 4, "interval_start": 0.2, "interval_step": 0.8, "interval_max": 3}


class Bus:
    """Connection settings plus one publishing connection per thread (Kombu's are not shared)."""

    def __init__(self, url: str, *, confirm_timeout: float = 10.0, heartbeat: int = 30,
                 queue_type: str = "classic"):
        self.url = url
        self.confirm_timeout = confirm_timeout
        self.heartbeat = heartbeat
        self.queue_type = queue_type
        self._local = threading.local()
        self._all_connections: list[Connection] = []
        self._lock = threading.Lock()

    @property
    def in_memory(self) -> bool:
        return self.url.startswith("memory://")

    def connection(self) -> Connection:
        """A new connection; the caller owns and closes it."""
        if self.in_memory:
            # The memory transport polls; 10 ms keeps in-process latency low at little cost.
            return Connection(self.url, transport_options={"polling_interval": 0.01})
        return Connection(
            self.url,
            heartbeat=self.heartbeat,
            transport_options={"confirm_publish": True},
            connect_timeout=5,
        )

    def declare(self, queues: Iterable[Queue] = ()) -> None:
        """Declare the exchanges and the given queues (idempotent)."""
        with self.connection() as connection:
            channel = connection.default_channel
            for exchange in EXCHANGES.values():
                exchange(channel).declare()
            for queue in queues:
                queue(channel).declare()

    def _producer(self) -> Producer:
        producer = getattr(self._local, "producer", None)
        if producer is None:
            connection = self.connection()
            with self._lock:
                self._all_connections.append(connection)
            producer = Producer(connection)
            self._local.producer = producer
        return producer

    def publish_raw(
        self,
        body: dict[str, Any],
        exchange: str,
        routing_key: str,
        *,
        headers: dict[str, Any] | None = None,
        reply_to: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        """Publish persistently and wait for the broker's confirm; raise if it never comes."""
        self._publish(body, exchange, routing_key, serializer="json", message_id=body.get("id"),
                      headers=headers, reply_to=reply_to, correlation_id=correlation_id)

    def publish_encoded(self, body: str, message_id: str, exchange: str,
                        routing_key: str) -> None:
        """Publish an envelope already in JSON text (as the outbox keeps it), as it is."""
        self._publish(body, exchange, routing_key, content_type=JSON, content_encoding="utf-8",
                      message_id=message_id)

    def _publish(self, body: Any, exchange: str, routing_key: str, *,
                 headers: dict[str, Any] | None = None, **properties: Any) -> None:
        producer = self._producer()
        try:
            producer.publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                delivery_mode=2,
                headers=headers or {},
                retry=True,
                retry_policy=RETRY_POLICY,
                confirm_timeout=self.confirm_timeout,
                **properties,
            )
        except Exception:
            # The connection may be half dead; the next publish on this thread starts afresh.
            self._discard_producer()
            raise

    def publish(self, envelope: Envelope, exchange: str, routing_key: str | None = None,
                **kwargs: Any) -> None:
        self.publish_raw(envelope.to_dict(), exchange, routing_key or envelope.type, **kwargs)

    def _discard_producer(self) -> None:
        producer = getattr(self._local, "producer", None)
        self._local.producer = None
        if producer is not None:
            try:
                producer.connection.release()
            except Exception:
                log.debug("closing a broken publishing connection failed", exc_info=True)

    def ping(self) -> None:
        """Raise unless the broker accepts a connection now."""
        with self.connection() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)

    def close(self) -> None:
        with self._lock:
            connections, self._all_connections = self._all_connections, []
        for connection in connections:
            try:
                connection.release()
            except Exception:
                log.debug("closing a publishing connection failed", exc_info=True)
