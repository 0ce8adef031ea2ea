"""The reconciler: a chunk whose task was dead-lettered or lost is published again, and after
a few rounds given up, so no job stays running for ever. No worker threads run: the test
takes the tasks off bulk.tasks itself and plays the worker (or loses them)."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from services.bulk.jobs.reconcile import ROUNDS, reconcile
from services.bulk.messages import TASKS_QUEUE
from services.bulk.models import BulkChunk, now
from services.bulk.worker import chunk_dispatcher, tasks_queue
from shared.bus import DEAD_LETTER_EXCHANGE, dead_letter_queue
from shared.messages import Envelope
from shared.testing import wait_until
from tests.unit.bulk.conftest import create, relation

STALL = 60


@pytest.fixture
def settings(settings):
    return settings.with_overrides(bulk_workers=0, bulk_stall_after=STALL)


@pytest.fixture
def bulk(product):
    return next(r for r in product.runtimes if r.name == "bulk")


def started(api, ids):
    job = create(api, ids).get_json()
    assert api.post(f"/api/bulk/jobs/{job['id']}/confirm", json={}).status_code == 202
    return job["id"]


def take_tasks(bulk, count):
    """The next `count` messages of bulk.tasks (once the relay has published them), acked
    and so gone from the queue: [(body, (job_id, chunk_no))]."""
    taken = []

    def drained():
        with bulk.bus.connection() as connection:
            queue = tasks_queue(bulk.settings.queue_type)(connection.default_channel)
            while len(taken) < count and (message := queue.get(accept=["json"])):
                body = message.payload
                taken.append((body, (body["payload"]["job_id"], body["payload"]["chunk_no"])))
                message.ack()
        return len(taken) >= count

    wait_until(drained, message=f"{count} tasks on bulk.tasks")
    return taken


def run(bulk, body):
    """Dispatch a taken task as a worker would; answers what became of its chunk."""
    return chunk_dispatcher(bulk)(Envelope.from_dict(body))


def dead_letter(bulk, body, error):
    """What a bulk worker's consumer does with a task that failed its last delivery."""
    bulk.bus.publish_raw(body, DEAD_LETTER_EXCHANGE, TASKS_QUEUE,
                         headers={"x-cardbox-error": error, "x-cardbox-failed-queue":
                                  TASKS_QUEUE})


def dead_letters_left(bulk):
    with bulk.bus.connection() as connection:
        queue = dead_letter_queue(TASKS_QUEUE, bulk.settings.queue_type)
        return queue(connection.default_channel).queue_declare(passive=True).message_count


def job_of(api, job_id):
    return api.get(f"/api/bulk/jobs/{job_id}").get_json()


def test_a_lost_chunk_is_published_again_then_given_up_and_the_job_ends(api, people, bulk):
    job_id = started(api, people)
    tasks = dict((key, body) for body, key in take_tasks(bulk, 3))
    start = now()
    assert run(bulk, tasks[(job_id, 0)]) == "done"  # chunks 1 and 2 are lost
    # Published long ago, yet a worker moved a moment ago: the rest may be queued behind.
    with bulk.unit_of_work() as uow:
        uow.session.execute(update(BulkChunk).where(BulkChunk.job_id == job_id).values(
            published_at=start - timedelta(seconds=2 * STALL)))
        uow.commit()
    assert reconcile(bulk, at=start)["republished"] == 0

    later = start + timedelta(seconds=STALL + 1)
    assert reconcile(bulk, at=later)["republished"] == 2
    again = dict((key, body) for body, key in take_tasks(bulk, 2))
    assert set(again) == {(job_id, 1), (job_id, 2)}
    assert run(bulk, again[(job_id, 1)]) == "done"  # chunk 2 is lost again, and again
    for _round in range(2, ROUNDS + 1):
        later += timedelta(seconds=STALL + 1)
        assert reconcile(bulk, at=later)["republished"] == 1
        assert [key for _body, key in take_tasks(bulk, 1)] == [(job_id, 2)]
    assert job_of(api, job_id)["status"] == "running"

    later += timedelta(seconds=STALL + 1)
    assert reconcile(bulk, at=later)["failed"] == 1
    job = job_of(api, job_id)
    assert job["status"] == "completed_with_errors" and job["finished_at"] is not None
    assert (job["counts"]["changed"], job["counts"]["failed"], job["counts"]["done"]) == (
        4, 1, 5)
    failed = api.get(f"/api/bulk/jobs/{job_id}/results?outcome=failed").get_json()["items"]
    assert [i["relation_id"] for i in failed] == people[4:]
    assert "no bulk worker finished its task" in failed[0]["reason"]
    assert relation(api, people[4])["version"] == 1
    # A late delivery of the given-up task changes nothing: its relations stay failed.
    assert run(bulk, tasks[(job_id, 2)]) == "skipped"
    assert relation(api, people[4])["version"] == 1


def test_a_dead_lettered_chunk_is_published_again_at_once_then_given_up(api, people, bulk):
    job_id = started(api, people)
    tasks = dict((key, body) for body, key in take_tasks(bulk, 3))
    for key in ((job_id, 0), (job_id, 1)):
        assert run(bulk, tasks[key]) == "done"
    body = tasks[(job_id, 2)]
    # (The product's own reconciler may take a dead letter first: the same pass, the same
    # effect; so the test looks at the effects, not at what its own pass counted.)
    for _round in range(ROUNDS):
        dead_letter(bulk, body, "OwnerUnavailable: relations did not answer")
        # Not stalled at all: the dead letter alone says the task is gone.
        reconcile(bulk, at=now())
        assert dead_letters_left(bulk) == 0
        ((body, key),) = take_tasks(bulk, 1)
        assert key == (job_id, 2)
    assert job_of(api, job_id)["status"] == "running"

    dead_letter(bulk, body, "OwnerUnavailable: relations did not answer")
    reconcile(bulk, at=now())
    job = job_of(api, job_id)
    assert (job["status"], job["counts"]["changed"], job["counts"]["failed"]) == (
        "completed_with_errors", 4, 1)
    (failed,) = api.get(f"/api/bulk/jobs/{job_id}/results?outcome=failed").get_json()["items"]
    assert "relations did not answer" in failed["reason"]

    retried = api.post(f"/api/bulk/jobs/{job_id}/retry")
    assert retried.status_code == 202, retried.get_json()
    ((body, _key),) = take_tasks(bulk, 1)
    assert run(bulk, body) == "done"
    assert job_of(api, job_id)["status"] == "completed"
    assert relation(api, people[4])["fields"]["newsletter"] is True


def test_a_dead_letter_of_a_finished_chunk_changes_nothing_and_others_stay(
        api, people, bulk):
    job_id = started(api, people[:2])
    ((body, _key),) = take_tasks(bulk, 1)
    assert run(bulk, body) == "done"
    # Not a task of a chunk: left for whoever looks after the queue, and not in the way.
    dead_letter(bulk, {"undecodable": "garbage"}, "undecodable")
    dead_letter(bulk, body, "a duplicate that failed")
    reconcile(bulk, at=now())
    assert dead_letters_left(bulk) == 1
    assert job_of(api, job_id)["counts"]["changed"] == 2
