"""`cardbox` against the embedded product served on a loopback port: log in, run a job with a
progress bar to its summary, refuse bad input with exit code 2, undo."""

import json
import stat
import threading

import pytest
from typer.testing import CliRunner
from werkzeug.serving import make_server

from services.bulk.cli import app
from tests.unit.bulk.conftest import finished, relation
from tests.unit.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

# Wide enough that rich wraps no id or count the tests look for.
UNSET = {"CARDBOX_URL": None, "CARDBOX_TOKEN": None, "CARDBOX_API_KEY": None, "COLUMNS": "200"}
NEWSLETTER_ON = json.dumps({"changes": {"newsletter": {"set": True}}})


@pytest.fixture
def served(product):
    """The product's gateway on 127.0.0.1 at a free port, for as long as the test runs."""
    server = make_server("127.0.0.1", 0, product.gateway, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="cli-gateway", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def cardbox(tmp_path, monkeypatch):
    """cardbox(*args, input=…) -> the CliRunner result; HOME is the test's own folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict | None = None):
        return runner.invoke(app, list(args), input=input, env={**UNSET, **(env or {})})

    return invoke


@pytest.fixture
def logged_in(served, cardbox, tmp_path):
    result = cardbox("login", "--url", served, "--email", ADMIN_EMAIL,
                     input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return tmp_path / "home" / ".config" / "cardbox" / "credentials.json"


def test_login_keeps_the_token_for_the_user_only_and_logout_ends_it(served, cardbox,
                                                                     logged_in):
    assert stat.S_IMODE(logged_in.stat().st_mode) == 0o600
    kept = json.loads(logged_in.read_text())
    assert kept["url"] == served and kept["token"]

    listed = cardbox("bulk", "operations")
    assert listed.exit_code == 0, listed.output
    assert "set_fields" in listed.output and "changes" in listed.output

    assert cardbox("logout").exit_code == 0
    assert not logged_in.exists()
    # The token itself has ended, not only its copy on disk.
    refused = cardbox("bulk", "operations", env={"CARDBOX_URL": served,
                                                 "CARDBOX_TOKEN": kept["token"]})
    assert refused.exit_code == 2 and "Error 401" in refused.output


def test_a_wrong_password_is_refused_and_nothing_is_kept(served, cardbox, tmp_path):
    result = cardbox("login", "--url", served, "--email", ADMIN_EMAIL, input="wrong\n")
    assert result.exit_code == 2 and "Error 401" in result.output
    assert not (tmp_path / "home" / ".config" / "cardbox" / "credentials.json").exists()


def test_run_previews_confirms_follows_and_summarises(api, people, cardbox, logged_in):
    target = "ids:" + ",".join(people[:3] + ["missing"])
    result = cardbox("bulk", "run", "--target", target, "--operation", "set_fields",
                     "--params", NEWSLETTER_ON, "--yes", "--interval", "0.05")
    assert result.exit_code == 1, result.output  # one relation failed
    assert "on 4 relations" in result.output and "would_change" in result.output
    assert "newsletter: — → true" in result.output
    assert ("completed_with_errors: 3 changed, 0 unchanged, 1 failed, 0 skipped, 0 cancelled"
            in result.output)
    assert "no such relation" in result.output  # the first failures, with their reason
    for rid in people[:3]:
        assert relation(api, rid)["fields"]["newsletter"] is True
    assert "newsletter" not in relation(api, people[3])["fields"]


def test_a_clean_job_exits_0_and_undo_puts_it_back(api, people, cardbox, logged_in):
    ran = cardbox("bulk", "run", "--target", f"ids:{people[0]},{people[1]}", "--operation",
                  "set_fields", "--params", NEWSLETTER_ON, "--interval", "0.05",
                  input="y\n")
    assert ran.exit_code == 0, ran.output
    assert "Run set_fields on 2 relations?" in ran.output
    assert "completed: 2 changed" in ran.output
    job_id = api.get("/api/bulk/jobs?limit=1").get_json()["items"][0]["id"]

    status = cardbox("bulk", "status", job_id)
    assert status.exit_code == 0 and "completed" in status.output
    listed = cardbox("bulk", "results", job_id, "--outcome", "changed")
    assert listed.exit_code == 0 and people[0] in listed.output

    etag = api.get(f"/api/relations/relations/{people[1]}").headers["ETag"]
    edited = api.patch(f"/api/relations/relations/{people[1]}", json={"first_name": "Bea"},
                       headers={"If-Match": etag})
    assert edited.status_code == 200, edited.get_json()
    undone = cardbox("bulk", "undo", job_id, "--yes", "--interval", "0.05")
    assert undone.exit_code == 0, undone.output
    assert f"(undo of {job_id})" in undone.output and "changed_since" in undone.output
    assert "completed: 1 changed, 0 unchanged, 0 failed, 1 skipped" in undone.output
    assert "newsletter" not in relation(api, people[0])["fields"]
    assert relation(api, people[1])["fields"]["newsletter"] is True  # skipped: edited since
    undo_id = api.get("/api/bulk/jobs?limit=1").get_json()["items"][0]["id"]
    refused = cardbox("bulk", "undo", undo_id, "--yes")
    assert refused.exit_code == 2 and "Error 409" in refused.output
    assert "itself an undo" in refused.output


def test_declining_the_preview_cancels_the_draft(api, people, cardbox, logged_in):
    result = cardbox("bulk", "run", "--target", f"ids:{people[0]}", "--operation",
                     "set_fields", "--params", NEWSLETTER_ON, input="n\n")
    assert result.exit_code == 1 and "nothing changed" in result.output
    job = api.get("/api/bulk/jobs?limit=1").get_json()["items"][0]
    assert job["status"] == "cancelled"
    no_answer = cardbox("bulk", "run", "--target", f"ids:{people[0]}", "--operation",
                        "set_fields", "--params", NEWSLETTER_ON, input="")
    assert no_answer.exit_code == 1 and "nothing changed" in no_answer.output
    assert api.get("/api/bulk/jobs?limit=1").get_json()["items"][0]["status"] == "cancelled"
    assert "newsletter" not in relation(api, people[0])["fields"]


def test_bad_params_exit_2_naming_the_field(people, cardbox, logged_in):
    unknown = cardbox("bulk", "run", "--target", f"ids:{people[0]}", "--operation",
                      "set_fields", "--params", '{"changes": {"colour": {"set": "red"}}}',
                      "--yes")
    assert unknown.exit_code == 2, unknown.output
    assert "Error 422" in unknown.output and "params.changes.colour" in unknown.output

    empty = cardbox("bulk", "run", "--target", f"ids:{people[0]}", "--operation",
                    "set_fields", "--params", '{"changes": {}}', "--yes")
    assert empty.exit_code == 2 and "params.changes" in empty.output

    not_json = cardbox("bulk", "run", "--target", f"ids:{people[0]}", "--operation",
                       "set_fields", "--params", "{changes", "--yes")
    assert not_json.exit_code == 2 and "--params" in not_json.output

    bad_target = cardbox("bulk", "run", "--target", "team:7", "--operation", "set_fields",
                         "--yes")
    assert bad_target.exit_code == 2 and "--target" in bad_target.output

    no_list = cardbox("bulk", "run", "--target", "list:nope", "--operation", "set_fields",
                      "--params", NEWSLETTER_ON, "--yes")
    assert no_list.exit_code == 2 and "target.list" in no_list.output


def test_impacts_need_their_confirmation_on_yes_or_when_asked(api, people, cardbox,
                                                               logged_in):
    club = api.post("/api/relations/relations", json={
        "type": "organisation", "organisation_name": "Club"}).get_json()
    api.post(f"/api/relations/relations/{people[0]}/functions", json={
        "organisation_id": club["id"], "role": "Chair", "start_date": "2020-01-01"})
    archive = ("bulk", "run", "--target", f"ids:{people[0]}", "--operation", "archive",
               "--params", json.dumps({"reason": "moved away"}), "--interval", "0.05")
    refused = cardbox(*archive, "--yes")
    assert refused.exit_code == 2 and "--confirm end_functions" in refused.output
    assert "1 open functions will end today" in refused.output  # the impacts table
    assert api.get("/api/bulk/jobs?limit=1").get_json()["items"][0]["status"] == "cancelled"
    assert relation(api, people[0])["status"] == "active"

    asked = cardbox(*archive, input="y\ny\n")  # the impact, then the run
    assert asked.exit_code == 0, asked.output
    assert "Confirm end_functions?" in asked.output
    assert relation(api, people[0])["status"] == "archived"


def test_without_a_login_the_cli_says_how_to_sign_in(served, cardbox, tmp_path):
    result = cardbox("bulk", "operations")
    assert result.exit_code == 2 and "cardbox login" in result.output
    anonymous = cardbox("bulk", "status", "x", env={"CARDBOX_URL": served})
    assert anonymous.exit_code == 2 and "Error 401" in anonymous.output
    kept = tmp_path / "home" / ".config" / "cardbox" / "credentials.json"
    kept.parent.mkdir(parents=True)
    kept.write_text("{not json")
    unreadable = cardbox("bulk", "operations")
    assert unreadable.exit_code == 2 and "log in again" in unreadable.output


def test_status_watch_follows_a_finished_job_to_its_exit_code(api, people, cardbox,
                                                             logged_in):
    created = api.post("/api/bulk/jobs", json={
        "target": {"relation_ids": people[:2]}, "operation": "set_fields",
        "params": {"changes": {"newsletter": {"set": True}}}}).get_json()
    api.post(f"/api/bulk/jobs/{created['id']}/confirm", json={})
    finished(api, created["id"])
    watched = cardbox("bulk", "status", created["id"], "--watch", "--interval", "0.05")
    assert watched.exit_code == 0 and "completed: 2 changed" in watched.output
    cancelled = cardbox("bulk", "cancel", created["id"])
    assert cancelled.exit_code == 2 and "409" in cancelled.output


def test_an_api_key_in_the_environment_runs_jobs_within_its_scopes(api, people, served,
                                                                    cardbox):
    def key(*scopes):
        return api.post("/api/accounts/api-clients", json={
            "name": f"CRM {len(scopes)}", "scopes": list(scopes)}).get_json()["key"]

    run = ("bulk", "run", "--target", f"ids:{people[0]}", "--operation", "set_fields",
           "--params", NEWSLETTER_ON, "--yes", "--interval", "0.05")
    allowed = cardbox(*run, env={"CARDBOX_URL": served,
                                 "CARDBOX_API_KEY": key("bulk:run", "relations:write",
                                                        "bulk:read", "relations:read")})
    assert allowed.exit_code == 0, allowed.output
    assert relation(api, people[0])["fields"]["newsletter"] is True
    refused = cardbox(*run, env={"CARDBOX_URL": served, "CARDBOX_API_KEY": key("bulk:run")})
    assert refused.exit_code == 2 and "Error 403" in refused.output
    assert "relations:write" in refused.output
