"""The reconciler: no job stays running forever. A chunk whose bulk.run_chunk was
dead-lettered (its delivery limit hit) or lost is published again, at most ROUNDS times;
after that its pending relations fail with the reason and the job ends (completed with
errors), so a retry can take them up.

Publishing a chunk again is safe whatever became of the first task: a worker skips a chunk
that is done, and the owner answers relations it applied already from its (job, relation)
records."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from kombu.exceptions import ContentDisallowed, DecodeError
from sqlalchemy import or_, select

from services.bulk.jobs.chunks import fail_chunk
from services.bulk.messages import TASKS_QUEUE, RunChunk
from services.bulk.models import OPEN_CHUNK, BulkChunk, BulkJob, now
from shared.bus import COMMANDS_EXCHANGE, dead_letter_queue
from shared.errors import PlatformError
from shared.outbox import add_to_outbox
from shared.periodic import Periodic

log = logging.getLogger(__name__)

ROUNDS = 3  # publications of a chunk after its first before it is given up
EVERY_SECONDS = 30.0  # a pass is a basic.get and a few small queries
DEAD_LETTERS_PER_RUN = 1000
STALLED_PER_RUN = 1000
RUNNING = ("running", "cancelling")


def reconcile(runtime: Any, at: datetime | None = None) -> Counter:
    """One pass: dead-lettered chunks at once, then the chunks of running jobs that made no
    progress for settings.bulk_stall_after while no worker finished or took any chunk.
    Answers how many chunks were published again and how many given up."""
    at = at or now()
    done: Counter = Counter()
    for job_id, chunk_no, error in take_dead_letters(runtime, done):
        reason = f"not applied: its task failed for good {ROUNDS + 1} times, last: {error}"
        done[revive_chunk(runtime.unit_of_work(), job_id, chunk_no, at=at, reason=reason)] += 1
    stall_after = runtime.settings.bulk_stall_after
    reason = (f"not applied: no bulk worker finished its task within {stall_after} s, "
              f"{ROUNDS + 1} times (the task was lost, or no bulk worker runs)")
    for job_id, chunk_no in stalled_chunks(runtime.unit_of_work(), at, stall_after):
        done[revive_chunk(runtime.unit_of_work(), job_id, chunk_no, at=at, reason=reason)] += 1
    if done["republished"] or done["failed"]:
        log.warning("bulk reconciler: %d chunks published again, %d given up",
                    done["republished"], done["failed"])
    return done


def take_dead_letters(runtime: Any, done: Counter):
    """Yield (job_id, chunk_no, error) of each dead-lettered bulk.run_chunk; a message is
    acked once the caller has handled it (so a crash leaves it for the next pass). Anything
    else is put back at the end of the pass, for whoever looks after the dead-letter queue
    (held until then, so it does not stand in front of the chunks behind it)."""
    queue = dead_letter_queue(TASKS_QUEUE, runtime.settings.queue_type)
    held = []
    with runtime.bus.connection() as connection:
        bound = queue(connection.default_channel)
        try:
            for _ in range(DEAD_LETTERS_PER_RUN):
                message = bound.get(accept=["json"])
                if message is None:
                    return
                chunk = _chunk_of(message)
                if chunk is None:
                    held.append(message)
                    continue
                headers = message.headers or {}
                yield (*chunk, headers.get("x-cardbox-error") or "dead-lettered")
                message.ack()
        finally:
            for message in held:
                message.requeue()
            if held:
                done["not_a_chunk"] += len(held)


def _chunk_of(message: Any) -> tuple[str, int] | None:
    try:
        body = message.payload
    except (ContentDisallowed, DecodeError):
        return None
    if not isinstance(body, dict) or body.get("type") != RunChunk.name:
        return None
    try:
        payload = RunChunk.load(body.get("payload") or {})
    except PlatformError:
        return None
    return payload["job_id"], payload["chunk_no"]


def stalled_chunks(uow, at: datetime, stall_after: float) -> list[tuple[str, int]]:
    """Open chunks of running jobs neither published nor taken within the while, when no
    chunk at all moved in it: chunks still queued behind others' are waiting, not lost."""
    since = at - timedelta(seconds=stall_after)
    with uow:
        running = select(BulkJob.id).where(BulkJob.status.in_(RUNNING))
        ended = uow.session.scalar(select(BulkJob.id).where(BulkJob.finished_at >= since)
                                   .limit(1))
        moved = uow.session.scalar(select(BulkChunk.chunk_no).where(
            BulkChunk.job_id.in_(running),
            or_(BulkChunk.taken_at >= since, BulkChunk.finished_at >= since)).limit(1))
        if ended is not None or moved is not None:
            return []
        rows = uow.session.execute(select(BulkChunk.job_id, BulkChunk.chunk_no).where(
            BulkChunk.job_id.in_(running), BulkChunk.status.in_(OPEN_CHUNK),
            or_(BulkChunk.published_at < since, BulkChunk.published_at.is_(None)))
            .order_by(BulkChunk.job_id, BulkChunk.chunk_no).limit(STALLED_PER_RUN))
        return [(job_id, chunk_no) for job_id, chunk_no in rows]


def revive_chunk(uow, job_id: str, chunk_no: int, *, at: datetime, reason: str) -> str:
    """Publish the chunk again, or give it up after ROUNDS; "nothing" when it is no longer
    open (a worker finished it meanwhile, or the job ended)."""
    with uow:
        job = uow.session.scalars(select(BulkJob).where(BulkJob.id == job_id)
                                  .with_for_update()).first()
        chunk = uow.session.get(BulkChunk, (job_id, chunk_no))
        if job is None or job.status not in RUNNING or chunk is None \
                or chunk.status not in OPEN_CHUNK:
            return "nothing"
        if chunk.republished < ROUNDS:
            chunk.republished, chunk.published_at = chunk.republished + 1, at
            envelope = RunChunk.envelope({"job_id": job_id, "chunk_no": chunk_no},
                                         source="bulk")
            add_to_outbox(uow.session, envelope, aggregate_id=job_id,
                          exchange=COMMANDS_EXCHANGE)
            uow.commit()
            return "republished"
        failed = fail_chunk(uow, job, chunk, reason)
        uow.commit()
    log.warning("bulk job %s: chunk %d given up (%d relations failed): %s", job_id, chunk_no,
                failed, reason)
    return "failed"


RECONCILE = Periodic("bulk.reconcile_chunks", every=EVERY_SECONDS, run=reconcile)
