"""The account operations through the gateway: preview, run, outcomes, a redelivered chunk
(no second e-mail), undo or its refusal, and the 4xx naming the params."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from services.accounts.mail.models import OutgoingEmail
from services.accounts.messages import CreateAccounts
from services.accounts.portal.contacts import contact_of
from services.bulk.models import BulkItem
from shared.permissions import staff_principal
from shared.testing import wait_until
from tests.support.portal import SENDER, new_relation, runtime_of
from tests.unit.bulk.conftest import create, finished, run, run_undo

URL = "/api/accounts/accounts"
ADMIN = staff_principal("admin-1", "administrator").to_dict()


@pytest.fixture
def members(api, product):
    """Two relations with an e-mail address and then one without, known to accounts (in
    id order, as a job lists them)."""
    assert api.put("/api/accounts/sender", json=SENDER).status_code == 200
    assert api.post("/api/accounts/account-types",
                    json={"key": "member", "label": "Member"}).status_code == 201
    made = [new_relation(api, product, f"lid{n}@example.org", last_name=f"Lid{n}")["id"]
            for n in range(2)]
    made = sorted(made)
    while True:  # one without an address, sorting after the others
        without = new_relation(api, product, None, last_name="Zonder")["id"]
        if without > made[-1]:
            return [*made, without]


def account_of(api, relation_id):
    items = api.get(f"{URL}?relation_id={relation_id}").get_json()["items"]
    live = [a for a in items if a["status"] != "deleted"]
    return live[0] if live else None


def mails(product, purpose):
    with runtime_of(product).unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutgoingEmail)
                                  .where(OutgoingEmail.purpose == purpose))


def test_create_accounts_previews_runs_redelivers_without_mail_and_undoes(
        api, product, members):
    preview, job = run(api, members, "create_accounts", {"account_type": "member"})
    assert [i["outcome"] for i in preview["items"]] == ["would_change"] * 2 + ["would_fail"]
    assert preview["items"][2]["reason"] == "the relation has no e-mail address"
    assert preview["items"][0]["diff"] == {"account": [None, "invited"]}
    assert preview["impacts"][0]["key"] == "welcome_emails"
    assert preview["impacts"][0]["count"] == 2
    assert (job["status"], job["counts"]["changed"], job["counts"]["failed"]) == (
        "completed_with_errors", 2, 1)
    assert account_of(api, members[0])["status"] == "invited"
    assert mails(product, "welcome") == 2
    # The owner gets the chunk again (a worker died before recording): same answer, no mail.
    again = runtime_of(product, "bulk").rpc.call(CreateAccounts, {
        "job_id": job["id"], "relation_ids": members[:2], "principal": ADMIN,
        "account_type": "member"})
    assert [o["outcome"] for o in again] == ["created", "created"]
    assert mails(product, "welcome") == 2

    undo, result = run_undo(api, job["id"])
    assert undo["total"] == 2
    assert (result["status"], result["counts"]["changed"]) == ("completed", 2)
    assert account_of(api, members[0]) is None


def test_block_until_then_undo_unblocks_and_unblock_runs(api, members):
    run(api, members[:2], "create_accounts", {"account_type": "member"})
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    refused = create(api, members[:2], "block_accounts", {"until": past})
    assert refused.status_code == 422
    assert "params.until" in refused.get_json()["errors"]
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    _, job = run(api, members[:2], "block_accounts", {"until": until})
    assert job["counts"]["changed"] == 2
    assert account_of(api, members[0])["status"] == "blocked"
    _, result = run_undo(api, job["id"])
    assert result["counts"]["changed"] == 2
    assert account_of(api, members[0])["status"] == "invited"

    run(api, members[:1], "block_accounts", {})
    preview, unblocked = run(api, members[:2], "unblock_accounts")
    assert [i["outcome"] for i in preview["items"]] == ["would_change", "unchanged"]
    assert (unblocked["counts"]["changed"], unblocked["counts"]["unchanged"]) == (1, 1)
    assert account_of(api, members[0])["status"] == "invited"


def test_reset_passwords_needs_its_confirmation_and_cannot_be_undone(api, product, members):
    run(api, members[:2], "create_accounts", {"account_type": "member"})
    job = create(api, members, "reset_passwords", {}).get_json()
    assert job["confirmations_required"] == ["send_emails"]
    assert api.post(f"/api/bulk/jobs/{job['id']}/confirm", json={}).status_code == 422
    _, done = run(api, members, "reset_passwords", confirmations=["send_emails"])
    assert (done["counts"]["changed"], done["counts"]["failed"]) == (2, 1)
    assert mails(product, "welcome") == 4  # invited accounts get their welcome again
    refused = api.post(f"/api/bulk/jobs/{done['id']}/undo", json={})
    assert refused.status_code == 409
    assert refused.get_json()["detail"] == "reset e-mails already sent cannot be unsent"


def test_delete_accounts_then_undo_brings_them_back(api, members):
    run(api, members[:2], "create_accounts", {"account_type": "member"})
    preview, job = run(api, members, "delete_accounts", confirmations=["delete_accounts"])
    assert preview["items"][2]["outcome"] == "unchanged"
    assert (job["counts"]["changed"], job["counts"]["unchanged"]) == (2, 1)
    assert account_of(api, members[1]) is None
    _, result = run_undo(api, job["id"])
    assert result["counts"]["changed"] == 2
    assert account_of(api, members[1])["status"] == "invited"


def test_account_operations_name_their_params_and_need_accounts_manage(
        api, staff_api, members):
    missing = create(api, members, "create_accounts", {})
    assert missing.status_code == 422 and "params.account_type" in missing.get_json()["errors"]
    unknown = create(api, members, "create_accounts", {"account_type": "nope"})
    assert unknown.status_code == 422 and "params.account_type" in unknown.get_json()["errors"]
    extra = create(api, members, "reset_passwords", {"until": "x"})
    assert extra.status_code == 422 and "params.until" in extra.get_json()["errors"]
    editor = staff_api("editor")
    forbidden = create(editor, members, "create_accounts", {"account_type": "member"})
    assert forbidden.status_code == 403
    assert forbidden.get_json()["permission"] == "accounts:manage"


def test_an_undo_after_a_retry_takes_back_what_each_attempt_did(api, product, members):
    _, job = run(api, members, "create_accounts", {"account_type": "member"})
    assert job["counts"]["failed"] == 1
    version = api.get(f"/api/relations/relations/{members[2]}").get_json()["version"]
    given = api.patch(f"/api/relations/relations/{members[2]}", json={"emails": [
        {"address": "zonder@example.org", "primary": True}]},
        headers={"If-Match": f'"{members[2]}.{version}"'})
    assert given.status_code == 200, given.get_json()
    wait_until(lambda: known_version(product, members[2]) >= version + 1)
    assert api.post(f"/api/bulk/jobs/{job['id']}/retry", json={}).status_code == 202
    assert finished(api, job["id"])["counts"]["changed"] == 3

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert undo["total"] == 3
    # However the undo is cut into chunks (here: one), the first run's changes and the
    # retry's are each taken back under the key the owner applied them with.
    with runtime_of(product, "bulk").unit_of_work() as uow:
        uow.session.execute(update(BulkItem).where(BulkItem.job_id == undo["id"])
                            .values(chunk_no=0))
        uow.commit()
    assert api.post(f"/api/bulk/jobs/{undo['id']}/confirm", json={}).status_code == 202
    result = finished(api, undo["id"])
    assert (result["status"], result["counts"]["changed"]) == ("completed", 3)
    assert [account_of(api, rid) for rid in members] == [None] * 3


def known_version(product, relation_id):
    """The relation's version as the accounts service last heard of it."""
    with runtime_of(product).unit_of_work() as uow:
        contact = contact_of(uow.session, relation_id)
        return contact.version if contact is not None else 0


def test_an_account_undo_lists_the_accounts_changed_since(api, members):
    run(api, members[:2], "create_accounts", {"account_type": "member"})
    _, job = run(api, members[:2], "block_accounts", {})
    assert job["counts"]["changed"] == 2
    unblocked = api.post(f"{URL}/{account_of(api, members[1])['id']}/unblock", json={})
    assert unblocked.status_code == 200, unblocked.get_json()

    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert [i["outcome"] for i in undo["items"]] == ["would_change", "changed_since"]
    assert [(i["key"], i["count"]) for i in undo["impacts"]] == [("changed_since", 1)]
    assert api.post(f"/api/bulk/jobs/{undo['id']}/confirm", json={"mode": "skip"}) \
        .status_code == 202
    done = finished(api, undo["id"])
    assert (done["counts"]["changed"], done["counts"]["skipped"]) == (1, 1)
    assert [account_of(api, rid)["status"] for rid in members[:2]] == ["invited"] * 2


def test_a_create_accounts_undo_sees_an_account_deleted_since(api, members):
    _, job = run(api, members[:2], "create_accounts", {"account_type": "member"})
    run(api, members[:1], "delete_accounts", confirmations=["delete_accounts"])
    undo = api.post(f"/api/bulk/jobs/{job['id']}/undo", json={}).get_json()
    assert [i["outcome"] for i in undo["items"]] == ["changed_since", "would_change"]
