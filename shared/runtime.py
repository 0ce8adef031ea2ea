"""One service wired up: its database, the bus, its dispatcher, consumer and outbox relay.

Every process of a service (web app, consumer, the embedded all-in-one) is built here by
`bootstrap()`, the one place that turns settings into connections.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from shared import context, metrics
from shared.bus import (
    COMMANDS_EXCHANGE,
    EVENTS_EXCHANGE,
    Bus,
    MessageConsumer,
    RpcClient,
    Subscription,
    commands_queue_name,
    dead_letter_queue,
    events_queue_name,
    work_queue,
)
from shared.config import Settings
from shared.db import Database
from shared.errors import NotFound
from shared.messages import Envelope
from shared.migrations import upgrade
from shared.outbox import OutboxRelay, handled_result, record_handled
from shared.periodic import PeriodicWorker
from shared.plugins import ServicePlugin

log = logging.getLogger(__name__)


@dataclass
class ServiceRuntime:
    plugin: ServicePlugin
    settings: Settings
    database: Database
    bus: Bus
    rpc: RpcClient
    _threads: list[threading.Thread] = field(default_factory=list)
    _stoppables: list[Any] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.plugin.name

    def unit_of_work(self):
        return self.database.unit_of_work(self.plugin.uow_class, self.settings)

    def migrate(self) -> None:
        upgrade(self.plugin.migrations, self.database.engine)
        for step in self.plugin.after_migrate:
            step(self)

    # --- the bus side -------------------------------------------------------------------------

    def queues(self) -> list[Subscription]:
        """The queues this service consumes, each with its dead-letter queue declared beside."""
        subscriptions = []
        kinds = (
            (events_queue_name, EVENTS_EXCHANGE, self.plugin.events),
            (commands_queue_name, COMMANDS_EXCHANGE, self.plugin.commands),
        )
        for queue_name, exchange, handlers in kinds:
            if handlers:
                queue = work_queue(queue_name(self.name), exchange,
                                   [mt.name for mt in handlers], self.settings.queue_type)
                subscriptions.append(Subscription(queue, self.dispatch))
        return subscriptions

    def declare_topology(self) -> None:
        queues = [s.queue for s in self.queues()]
        queues += [make(self.settings.queue_type) for make in self.plugin.work_queues]
        dead = [dead_letter_queue(queue.name, self.settings.queue_type) for queue in queues]
        self.bus.declare(queues + dead)

    def dispatch(self, envelope: Envelope) -> Any:
        """Handle one message exactly once: the inbox row commits with the handler's work."""
        table = self.plugin.handler_table()
        if envelope.type not in table:
            raise NotFound(f"{self.name} has no handler for {envelope.type}")
        message_type, handler = table[envelope.type]
        # An event was validated once, by its producer as it emitted it (the contract is
        # the producer's; a payload that fails it fails the producer's transaction, so none
        # is ever published), and is kept as sent: a read model stores it as is. Checking it
        # again in each consumer took a quarter of the read model's time in a bulk job.
        # A command or query is the receiver's contract: it loads it.
        if message_type.kind != "event":
            envelope = replace(envelope, payload=message_type.load(envelope.payload))
        consumer = f"{self.name}:{envelope.type}"
        with context.working_on(envelope.correlation_id, envelope.id):
            try:
                if message_type.kind == "query" or not message_type.inbox:
                    # A query changes nothing, and a self-idempotent command answers a
                    # redelivery itself: neither needs its (possibly large) answer kept.
                    result = handler(envelope, self.unit_of_work())
                else:
                    result = self._dispatch_once(consumer, envelope, handler)
            except IntegrityError:
                # Another consumer handled the same delivery concurrently: answer as it did.
                seen, result = self._handled(consumer, envelope)
                if not seen:
                    metrics.MESSAGES_HANDLED.labels(self.name, envelope.type, "failed").inc()
                    raise
            except Exception:
                metrics.MESSAGES_HANDLED.labels(self.name, envelope.type, "failed").inc()
                raise
        metrics.MESSAGES_HANDLED.labels(self.name, envelope.type, "handled").inc()
        return result

    def _dispatch_once(self, consumer: str, envelope: Envelope, handler) -> Any:
        uow = self.unit_of_work()
        with uow:
            seen, result = handled_result(uow.session, consumer, envelope.id)
            if seen:
                log.info("%s already handled %s; not applied again", self.name, envelope.id)
                return result
            result = handler(envelope, uow)
            record_handled(uow.session, consumer, envelope.id, result)
            uow.commit()
        return result

    def _handled(self, consumer: str, envelope: Envelope):
        with self.database.session_factory() as session:
            return handled_result(session, consumer, envelope.id)

    def consumer(self) -> MessageConsumer | None:
        subscriptions = self.queues()
        if not subscriptions:
            return None
        return MessageConsumer(self.bus, subscriptions, prefetch=self.settings.prefetch,
                               max_deliveries=self.settings.max_deliveries,
                               name=f"{self.name}-consumer",
                               exit_before_ack=self.settings.fault_exit_before_ack)

    def relay(self) -> OutboxRelay:
        return OutboxRelay(self.database, self.bus, batch_size=self.settings.outbox_batch_size,
                           poll_interval=self.settings.outbox_poll_interval)

    # --- background threads (embedded process, or a service's consumer process) ---------------

    def start_background(self, *, consume: bool = True, relay: bool = True,
                         periodic: bool = True, also: tuple[Any, ...] = ()) -> None:
        """Start the outbox relay, the consumer, the plugin's periodic tasks (and `also`:
        consumers a process runs besides, e.g. a bulk worker's) as threads."""
        workers: list[Any] = []
        if relay:
            workers.append(self.relay())
        consumer = self.consumer() if consume else None
        if consumer:
            workers.append(consumer)
        if periodic:
            workers += [PeriodicWorker(task, self) for task in self.plugin.periodic]
        embedded = [worker for make in self.plugin.embedded_workers for worker in make(self)] \
            if consume and not self.settings.distributed else []
        embedded += also
        workers += embedded
        for worker in workers:
            name = f"{self.name}-{type(worker).__name__}"
            thread = threading.Thread(target=worker.run, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
            self._stoppables.append(worker)
        for started in ([consumer] if consumer else []) + embedded:
            started.ready.wait(timeout=30)

    def running(self) -> bool:
        """Whether every background thread still runs (one that ended on its own ends the
        process, so its supervisor starts it again)."""
        return all(thread.is_alive() for thread in self._threads)

    def request_stop(self) -> None:
        """Ask the background threads to finish; stop() waits for them."""
        for worker in self._stoppables:
            worker.stop()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._stoppables.clear()
        self.bus.close()
        self.database.dispose()


def bootstrap(plugin: ServicePlugin, settings: Settings, *, bus: Bus | None = None,
              migrate: bool = True, declare: bool = True) -> ServiceRuntime:
    """Build a service's runtime from settings: engine, bus, and (as asked) its schema and
    its queues. In distributed mode one `migrate` step owns the schema, before any process."""
    database = Database(settings.database_url_for(plugin.name), plugin.name)
    bus = bus or Bus(settings.broker_url, confirm_timeout=settings.confirm_timeout,
                     heartbeat=settings.heartbeat, queue_type=settings.queue_type)
    runtime = ServiceRuntime(
        plugin=plugin,
        settings=settings,
        database=database,
        bus=bus,
        rpc=RpcClient(bus, plugin.name, timeout=settings.rpc_timeout),
    )
    if migrate:
        runtime.migrate()
    if declare:
        runtime.declare_topology()
    return runtime
