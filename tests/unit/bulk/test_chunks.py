"""The worker's side, one chunk at a time (no worker threads: the test dispatches each
bulk.run_chunk itself): redelivery, cancel, the principal's current permissions, retry."""

import pytest

from services.bulk.jobs.chunks import claim_chunk
from services.bulk.messages import RunChunk
from services.bulk.worker import chunk_dispatcher
from tests.unit.bulk.conftest import create, relation


@pytest.fixture
def settings(settings):
    return settings.with_overrides(bulk_workers=0)


@pytest.fixture
def run(product):
    """run(job_id, chunk_no) dispatches bulk.run_chunk as a worker would; answers its result."""
    runtime = next(r for r in product.runtimes if r.name == "bulk")
    dispatch = chunk_dispatcher(runtime)
    return lambda job_id, chunk_no: dispatch(RunChunk.envelope(
        {"job_id": job_id, "chunk_no": chunk_no}, source="bulk"))


def started(api, ids, client=None, **extra):
    client = client or api
    job = create(client, ids, **extra).get_json()
    assert client.post(f"/api/bulk/jobs/{job['id']}/confirm", json={}).status_code == 202
    return job["id"]


def job_of(api, job_id):
    return api.get(f"/api/bulk/jobs/{job_id}").get_json()


def test_a_redelivered_chunk_changes_nothing(api, people, run):
    job_id = started(api, people)
    assert run(job_id, 0) == "done"
    versions = [relation(api, rid)["version"] for rid in people[:2]]
    assert run(job_id, 0) == "skipped"
    assert [relation(api, rid)["version"] for rid in people[:2]] == versions == [2, 2]
    assert job_of(api, job_id)["counts"]["changed"] == 2
    history = api.get(f"/api/relations/relations/{people[0]}/history").get_json()["items"]
    assert [h["via_ref"] for h in history].count(job_id) == 1
    assert run(job_id, 1) == run(job_id, 2) == "done"
    job = job_of(api, job_id)
    assert (job["status"], job["counts"]["done"], job["counts"]["changed"]) == (
        "completed", 5, 5)


def test_cancel_mid_job_leaves_the_later_chunks_cancelled(api, people, run):
    job_id = started(api, people)
    run(job_id, 0)
    cancelled = api.post(f"/api/bulk/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert run(job_id, 1) == "skipped"
    job = job_of(api, job_id)
    assert (job["counts"]["changed"], job["counts"]["cancelled"]) == (2, 3)
    assert [relation(api, rid)["version"] for rid in people] == [2, 2, 1, 1, 1]
    items = api.get(f"/api/bulk/jobs/{job_id}/items?outcome=cancelled").get_json()["items"]
    assert [i["relation_id"] for i in items] == people[2:]
    again = api.post(f"/api/bulk/jobs/{job_id}/cancel")
    assert again.status_code == 409


def test_the_worker_checks_the_principals_current_permission_and_retry_reruns_failures(
        api, staff_api, people, run):
    editor = staff_api("editor")
    job_id = started(api, people, client=editor)
    run(job_id, 0)
    demoted = api.patch(f"/api/accounts/staff/{editor.user['id']}", json={"role": "viewer"})
    assert demoted.status_code == 200, demoted.get_json()
    assert run(job_id, 1) == "refused"
    job = job_of(api, job_id)
    assert job["status"] == "failed" and "bulk:run" in job["error"]
    assert (job["counts"]["changed"], job["counts"]["failed"]) == (2, 3)
    assert relation(api, people[2])["version"] == 1

    api.patch(f"/api/accounts/staff/{editor.user['id']}", json={"role": "editor"})
    retried = editor.post(f"/api/bulk/jobs/{job_id}/retry")
    assert retried.status_code == 202 and retried.get_json()["status"] == "running"
    assert retried.get_json()["attempt"] == 1
    for chunk_no in (4, 5):  # the failed relations' chunks, numbered after the first run's
        assert run(job_id, chunk_no) == "done"
    job = job_of(api, job_id)
    assert job["status"] == "completed" and job["counts"]["changed"] == 5
    assert [relation(api, rid)["fields"].get("newsletter") for rid in people] == [True] * 5
    history = api.get(f"/api/relations/relations/{people[3]}/history").get_json()["items"]
    assert f"{job_id}/retry-1" in {h["via_ref"] for h in history}
    assert editor.post(f"/api/bulk/jobs/{job_id}/retry").status_code == 409


def test_a_chunk_taken_before_the_cancel_still_finishes_then_the_job_is_cancelled(
        api, people, run, product):
    job_id = started(api, people)
    runtime = next(r for r in product.runtimes if r.name == "bulk")
    claim_chunk(runtime.unit_of_work(), job_id, 1)  # a worker took chunk 1 and is at work
    assert api.post(f"/api/bulk/jobs/{job_id}/cancel").get_json()["status"] == "cancelling"
    assert run(job_id, 0) == "skipped"  # cancelled with the cancel
    assert run(job_id, 1) == "done"  # the worker's chunk (here: redelivered) finishes
    job = job_of(api, job_id)
    assert job["status"] == "cancelled" and job["finished_at"] is not None
    assert (job["counts"]["changed"], job["counts"]["cancelled"]) == (2, 3)
    assert [relation(api, rid)["version"] for rid in people] == [1, 1, 2, 2, 1]


def test_an_undo_whose_relations_failed_puts_them_back_when_retried(api, staff_api, people,
                                                                     run):
    editor = staff_api("editor")
    job_id = started(api, people, client=editor)
    for chunk_no in (0, 1, 2):
        run(job_id, chunk_no)
    undo = editor.post(f"/api/bulk/jobs/{job_id}/undo", json={}).get_json()
    assert editor.post(f"/api/bulk/jobs/{undo['id']}/confirm", json={}).status_code == 202
    assert run(undo["id"], 0) == "done"
    api.patch(f"/api/accounts/staff/{editor.user['id']}", json={"role": "viewer"})
    assert run(undo["id"], 1) == "refused"
    results = api.get(f"/api/bulk/jobs/{undo['id']}/results").get_json()["items"]
    assert [r["outcome"] for r in results] == ["changed"] * 2 + ["failed"] * 3
    assert api.get(f"/api/bulk/jobs/{undo['id']}/results?outcome=pending").get_json()[
        "items"] == []

    api.patch(f"/api/accounts/staff/{editor.user['id']}", json={"role": "editor"})
    assert editor.post(f"/api/bulk/jobs/{undo['id']}/retry").status_code == 202
    pending = api.get(f"/api/bulk/jobs/{undo['id']}/results?outcome=pending").get_json()
    assert [r["relation_id"] for r in pending["items"]] == people[2:]
    for chunk_no in (4, 5):  # the failed relations' chunks, numbered after the first run's
        assert run(undo["id"], chunk_no) == "done"
    assert job_of(api, undo["id"])["counts"]["changed"] == 5
    assert [relation(api, rid)["fields"].get("newsletter") for rid in people] == [None] * 5
