"""Bulk workers: competing consumers of bulk.tasks, one task at a time (prefetch 1): a chunk,
acked after its outcomes commit, or the count of a large undo's relations changed since its
job.

    python -m services.bulk.worker      one worker process (start as many as you need)

In embedded mode the bulk runtime runs Settings.bulk_workers of them as threads."""

from __future__ import annotations

from typing import Any

from kombu import Queue

from services.bulk.jobs.chunks import run_chunk
from services.bulk.jobs.steer import count_changed_since
from services.bulk.messages import TASKS_QUEUE, CountChangedSince, RunChunk
from shared import context
from shared.bus import COMMANDS_EXCHANGE, MessageConsumer, Subscription, work_queue
from shared.config import Settings
from shared.context import configure_logging
from shared.errors import NotFound
from shared.messages import Envelope


def tasks_queue(queue_type: str) -> Queue:
    """bulk.tasks: bound to bulk.run_chunk and bulk.count_changed_since on the commands
    exchange."""
    return work_queue(TASKS_QUEUE, COMMANDS_EXCHANGE, [RunChunk.name, CountChangedSince.name],
                      queue_type)


def chunk_dispatcher(runtime: Any):
    """The dispatch of one bulk.tasks message: load it, do it in its correlation."""

    def dispatch(envelope: Envelope) -> str:
        with context.working_on(envelope.correlation_id, envelope.id):
            if envelope.type == RunChunk.name:
                payload = RunChunk.load(envelope.payload)
                return run_chunk(runtime.unit_of_work, runtime.rpc, payload["job_id"],
                                 payload["chunk_no"])
            if envelope.type == CountChangedSince.name:
                payload = CountChangedSince.load(envelope.payload)
                return count_changed_since(runtime.unit_of_work, runtime.rpc,
                                           payload["job_id"])
        raise NotFound(f"bulk workers take {RunChunk.name} and {CountChangedSince.name}, "
                       f"not {envelope.type}")

    return dispatch


def chunk_consumer(runtime: Any, name: str) -> MessageConsumer:
    settings = runtime.settings
    subscription = Subscription(tasks_queue(settings.queue_type), chunk_dispatcher(runtime))
    return MessageConsumer(runtime.bus, [subscription], prefetch=1,
                           max_deliveries=settings.max_deliveries, name=name,
                           exit_before_ack=settings.fault_exit_before_ack)


def embedded_workers(runtime: Any) -> list[MessageConsumer]:
    """Settings.bulk_workers chunk consumers for the embedded process's threads."""
    return [chunk_consumer(runtime, f"bulk-worker-{n}")
            for n in range(1, runtime.settings.bulk_workers + 1)]


def main() -> None:
    """One worker process: a chunk consumer, plus the outbox relay for what it records."""
    from services.bulk.plugin import plugin
    from shared.runtime import bootstrap
    from shared.service import serve

    settings = Settings.from_env()
    configure_logging(settings.log_level, "bulk-worker")
    runtime = bootstrap(plugin, settings, migrate=False)
    serve(runtime, consume=False, periodic=False,
          also=(chunk_consumer(runtime, "bulk-worker"),))


if __name__ == "__main__":
    main()
