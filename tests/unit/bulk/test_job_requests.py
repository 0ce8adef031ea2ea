"""What a job request is refused for (each 4xx names the field), who may create and confirm
one, and Idempotency-Key."""

from tests.unit.bulk.conftest import create

REFUSALS = [
    ({"operation": "paint"}, "operation"),
    ({"params": {"changes": {"nothing": {"set": 1}}}}, "params.changes.nothing"),
    ({"params": {"changes": {"newsletter": {"overwrite": "yes"}}}}, "params.changes.newsletter"),
    ({"operation": "add_tag", "params": {}}, "params.tag"),
    ({"target": {"relation_ids": []}}, "target"),
    ({"target": {"list": "no-such-list"}}, "target.list"),
    ({"colour": "red"}, "colour"),
]


def test_a_bad_job_is_refused_naming_the_field(api, people):
    # One product for all cases: each request is refused before anything is written.
    for body, field in REFUSALS:
        request = {"target": {"relation_ids": people}, "operation": "set_fields",
                   "params": {"changes": {"newsletter": {"set": True}}}, **body}
        refused = api.post("/api/bulk/jobs", json=request)
        assert refused.status_code == 422, (body, refused.get_json())
        assert field in refused.get_json()["errors"], (body, refused.get_json())
    assert api.get("/api/bulk/jobs").get_json()["items"] == []


def test_an_unknown_job_is_not_found(api):
    assert api.get("/api/bulk/jobs/nope").status_code == 404
    assert api.post("/api/bulk/jobs/nope/confirm", json={}).status_code == 404


def test_a_viewer_may_read_but_not_create_or_confirm(api, staff_api, people):
    viewer = staff_api("viewer")
    refused = create(viewer, people)
    assert refused.status_code == 403
    job = create(api, people).get_json()
    assert viewer.get(f"/api/bulk/jobs/{job['id']}").status_code == 200
    assert viewer.post(f"/api/bulk/jobs/{job['id']}/confirm", json={}).status_code == 403
    assert api.get(f"/api/bulk/jobs/{job['id']}").get_json()["status"] == "draft"


def test_an_editor_may_not_run_an_operation_whose_permission_they_lack(staff_api, people):
    editor = staff_api("editor")
    assert create(editor, people).status_code == 201
    refused = create(editor, people, "delete", {})
    assert refused.status_code == 403 and refused.get_json()["permission"] == "relations:delete"


def test_the_same_idempotency_key_answers_the_same_job(api, people):
    headers = {"Idempotency-Key": "job-once"}
    first = create(api, people, headers=headers)
    second = create(api, people, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert len(api.get("/api/bulk/jobs").get_json()["items"]) == 1
    other = create(api, people[:1], headers=headers)
    assert other.status_code == 409


def test_jobs_are_listed_newest_first_a_page_at_a_time(api, people):
    ids = [create(api, people).get_json()["id"] for _ in range(3)]
    page = api.get("/api/bulk/jobs?limit=2").get_json()
    rest = api.get(f"/api/bulk/jobs?limit=2&cursor={page['next_cursor']}").get_json()
    assert [j["id"] for j in page["items"] + rest["items"]] == ids[::-1]
