"""Transactional outbox and its relay; the inbox that makes redelivered messages harmless."""

from __future__ import annotations

import logging
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from shared import jsontext, metrics
from shared.bus import EVENTS_EXCHANGE, Bus
from shared.db import Database
from shared.messages import Envelope
from shared.tables import idempotency_keys, inbox, outbox

log = logging.getLogger(__name__)
# An Idempotency-Key answers repeats for a day (shared.idempotency).
IDEMPOTENCY_RETENTION = timedelta(hours=24)

def _now() -> datetime:
    return datetime.now(UTC)


def _notify_channel(service: str) -> str:
    return f"cardbox_outbox_{service}"


def add_to_outbox(
    session: Session, envelope: Envelope, *, aggregate_id: str, exchange: str = EVENTS_EXCHANGE
) -> None:
    session.execute(
        insert(outbox).values(
            message_id=envelope.id,
            exchange=exchange,
            routing_key=envelope.type,
            aggregate_id=aggregate_id,
            body=jsontext.dumps(envelope.to_dict()),
            created_at=_now(),
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        # Delivered at commit only: wakes the relay in whichever process runs it.
        session.execute(text("SELECT pg_notify(:channel, '')"),
                        {"channel": _notify_channel(envelope.source)})


def handled_result(session: Session, consumer: str, message_id: str) -> tuple[bool, Any]:
    row = session.execute(
        select(inbox.c.result).where(inbox.c.consumer == consumer, inbox.c.message_id == message_id)
    ).first()
    return (row is not None, row.result if row else None)


def record_handled(session: Session, consumer: str, message_id: str, result: Any = None) -> None:
    session.execute(
        insert(inbox).values(consumer=consumer, message_id=message_id, handled_at=_now(),
                             result=result)
    )


class OutboxRelay:
    """Publishes committed outbox rows in id order, with confirms, and marks them sent.

    Only one relay publishes a service's outbox at a time (an advisory lock on PostgreSQL, the
    write lock on SQLite), so events of one aggregate leave in the order they were committed.
    A row is marked sent only after its confirm: a crash in between republishes it with the
    same message id, which consumers drop.
    """

    retention = timedelta(days=7)

    def __init__(self, database: Database, bus: Bus, *, batch_size: int = 500,
                 poll_interval: float = 0.2):
        self.database = database
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._lock_key = zlib.crc32(f"outbox:{database.service}".encode())
        self._last_purge = 0.0

    def relay_once(self) -> int:
        """Publish one batch; answer how many rows were sent."""
        with self.database.session_factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                locked = session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": self._lock_key}
                ).scalar()
                if not locked:
                    return 0
            rows = session.execute(
                select(outbox.c.id, outbox.c.message_id, outbox.c.exchange,
                       outbox.c.routing_key, outbox.c.body)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.batch_size)
            ).all()
            sent: list[int] = []
            failure: Exception | None = None
            for row in rows:
                try:
                    self.bus.publish_encoded(row.body, row.message_id, row.exchange,
                                             row.routing_key)
                except Exception as exc:
                    failure = exc
                    break
                sent.append(row.id)
            # Whatever was confirmed is marked, even if a later publish failed.
            if sent:
                session.execute(update(outbox).where(outbox.c.id.in_(sent)).values(sent_at=_now()))
        metrics.OUTBOX_PUBLISHED.labels(self.database.service).inc(len(sent))
        if failure is not None:
            raise failure
        return len(sent)

    def purge_sent(self) -> None:
        cutoff = _now() - self.retention
        with self.database.session_factory() as session, session.begin():
            session.execute(delete(outbox).where(outbox.c.sent_at < cutoff))
            session.execute(delete(inbox).where(inbox.c.handled_at < cutoff))
            session.execute(delete(idempotency_keys).where(
                idempotency_keys.c.created_at < _now() - IDEMPOTENCY_RETENTION))

    def run(self) -> None:
        """Relay until stopped; a broker outage only delays, with backoff, never drops."""
        listener = _PostgresWakeUp(self.database) if self.database.url.startswith("postgresql") \
            else None
        if listener:
            listener.start()
        backoff = self.poll_interval
        while not self._stop.is_set():
            # Cleared before reading, so a commit that lands during the batch wakes us again.
            self.database.outbox_ready.clear()
            try:
                while self.relay_once() == self.batch_size and not self._stop.is_set():
                    pass
                if time.monotonic() - self._last_purge > 3600:
                    self._last_purge = time.monotonic()
                    self.purge_sent()
                backoff = self.poll_interval
            except Exception:
                log.warning("outbox relay of %s failed; retrying in %.1fs",
                            self.database.service, backoff, exc_info=True)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self.database.outbox_ready.wait(self.poll_interval)
        if listener:
            listener.stop()

    def stop(self) -> None:
        self._stop.set()
        self.database.outbox_ready.set()


class _PostgresWakeUp(threading.Thread):
    """LISTENs for the outbox NOTIFY so a relay in another process wakes at once after commit."""

    def __init__(self, database: Database):
        super().__init__(name=f"outbox-listen-{database.service}", daemon=True)
        self.database = database
        self._stop = threading.Event()

    def run(self) -> None:
        import psycopg

        dsn = self.database.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {_notify_channel(self.database.service)}")
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            self.database.outbox_ready.set()
            except Exception:
                log.debug("outbox listener reconnecting", exc_info=True)
                self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
