"""Relations to run bulk jobs on, and helpers to drive a job through the gateway."""

import pytest

from shared.testing import wait_until

FINISHED = ("completed", "completed_with_errors", "cancelled", "failed")


@pytest.fixture
def settings(settings):
    """Chunks of two relations, so a handful of relations make several chunks."""
    return settings.with_overrides(bulk_chunk_size=2)


@pytest.fixture
def people(api):
    """Five persons with a newsletter checkbox and a multiple-choice field, and a tag."""
    api.post("/api/relations/fields", json={"key": "newsletter", "label": "Newsletter",
                                             "type": "checkbox"})
    api.post("/api/relations/fields", json={"key": "interests", "label": "Interests",
                                             "type": "multi_choice",
                                             "options": ["Sport", "Music", "Art"]})
    api.post("/api/relations/tags", json={"key": "vip", "label": "VIP"})
    ids = [api.post("/api/relations/relations", json={
        "type": "person", "last_name": f"Lid{i}", "fields": {"interests": ["music"]}})
        .get_json()["id"] for i in range(5)]
    return sorted(ids)


def create(api, ids, operation="set_fields", params=None, headers=None, **extra):
    """POST /api/bulk/jobs on these relation ids (set_fields newsletter on by default)."""
    body = {"target": {"relation_ids": ids}, "operation": operation,
            "params": params if params is not None else {
                "changes": {"newsletter": {"set": True}}}, **extra}
    return api.post("/api/bulk/jobs", json=body, headers=headers or {})


def run(api, ids, operation, params=None, confirmations=()):
    """Create a job, confirm it and wait for its end: (the job as created, as finished)."""
    job = create(api, ids, operation, params or {})
    assert job.status_code == 201, job.get_json()
    confirmed = api.post(f"/api/bulk/jobs/{job.get_json()['id']}/confirm",
                         json={"confirmations": list(confirmations)})
    assert confirmed.status_code == 202, confirmed.get_json()
    return job.get_json(), finished(api, job.get_json()["id"])


def run_undo(api, job_id, **body):
    """Make the job's undo, confirm it and wait for its end: (its preview, as finished)."""
    undo = api.post(f"/api/bulk/jobs/{job_id}/undo", json=body)
    assert undo.status_code == 201, undo.get_json()
    assert api.post(f"/api/bulk/jobs/{undo.get_json()['id']}/confirm",
                    json={}).status_code == 202
    return undo.get_json(), finished(api, undo.get_json()["id"])


def finished(api, job_id):
    """The job once it has ended (polled with a deadline)."""
    wait_until(lambda: api.get(f"/api/bulk/jobs/{job_id}").get_json()["status"] in FINISHED)
    return api.get(f"/api/bulk/jobs/{job_id}").get_json()


def relation(api, relation_id):
    return api.get(f"/api/relations/relations/{relation_id}").get_json()
