"""The bulk chunk commands of the accounts service, asked over the bus as the bulk service
does: an outcome per relation, redelivery harmless (one e-mail only), undo, preview."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.accounts import messages
from services.accounts.mail.models import OutgoingEmail
from shared.errors import Conflict, Forbidden, ValidationFailed
from shared.permissions import permissions_for_roles
from shared.tables import outbox
from shared.testing import wait_until
from tests.support.portal import contact_status, deliver, new_relation, runtime_of

# As the bulk service sends it: the principal accounts answered, with its permissions.
ADMIN = {"kind": "staff", "id": "admin-1", "roles": ["administrator"],
         "permissions": list(permissions_for_roles(["administrator"]))}
URL = "/api/accounts/accounts"


@pytest.fixture
def rpc(product):
    """Ask the accounts service over the bus, as the bulk service does."""
    return runtime_of(product, "selections").rpc


def call(rpc, command, ids, job="job-1", **extra):
    return rpc.call(command, {"job_id": job, "relation_ids": ids, "principal": ADMIN, **extra})


def create(rpc, ids, job="create-1", **extra):
    return call(rpc, messages.CreateAccounts, ids, job, account_type="member", **extra)


def outcomes_of(answer):
    return [o["outcome"] for o in answer]


def mails(product, purpose=None) -> int:
    query = select(func.count()).select_from(OutgoingEmail)
    if purpose:
        query = query.where(OutgoingEmail.purpose == purpose)
    with runtime_of(product).unit_of_work() as uow:
        return uow.session.scalar(query)


def changed_events(product) -> list[dict]:
    with runtime_of(product).unit_of_work() as uow:
        bodies = uow.session.scalars(select(outbox.c.body).where(
            outbox.c.routing_key == "accounts.portal_accounts.changed").order_by(outbox.c.id))
        return [json.loads(body)["payload"] for body in bodies]


def delivered(product, settings) -> int:
    deliver(product)
    folder = settings.var_dir / "mail"
    return len(list(folder.glob("*.eml"))) if folder.exists() else 0


@pytest.fixture
def people(portal, product):
    """Relations: two with an address, one without, one archived, one sharing an address."""
    made = [new_relation(portal, product, f"lid{n}@example.org", last_name=f"Lid{n}")
            for n in range(2)]
    made.append(new_relation(portal, product, None, last_name="Zonder"))
    archived = new_relation(portal, product, "weg@example.org", last_name="Weg")
    url = f"/api/relations/relations/{archived['id']}"
    assert portal.post(f"{url}/archive", json={"reason": "left"}).status_code == 200
    wait_until(lambda: contact_status(product, archived["id"]) == "archived")
    made.append(new_relation(portal, product, "LID0@example.org", last_name="Dubbel"))
    made.insert(3, archived)
    return [p["id"] for p in made]


def test_create_answers_an_outcome_per_relation_and_redelivery_sends_no_second_mail(
        portal, product, settings, rpc, people):
    first = create(rpc, people + ["nobody"])
    assert outcomes_of(first) == ["created", "created", "no_email_address", "relation_archived",
                                  "email_in_use", "unknown_relation"]
    assert first[0]["before"] == {"account": None} and first[0]["account_id"]
    announced = changed_events(product)
    assert [e["account"]["id"] for e in announced] == [o["account_id"] for o in first[:2]]
    assert {(e["job"], e["suppress_automations"]) for e in announced} == {("create-1", False)}
    account = portal.get(f"{URL}/{first[0]['account_id']}").get_json()
    assert (account["status"], account["email"], account["version"]) == (
        "invited", "lid0@example.org", first[0]["version"])
    assert mails(product, "welcome") == 2

    again = create(rpc, people + ["nobody"])
    assert again == first
    assert mails(product, "welcome") == 2 and len(changed_events(product)) == 2
    assert delivered(product, settings) == 2
    # A later job finds the accounts there.
    later = create(rpc, people[:1], job="create-2")
    assert later == [{"relation_id": people[0], "outcome": "already_had_account",
                      "account_id": first[0]["account_id"]}]


def test_the_same_envelope_delivered_twice_answers_the_same(portal, product, rpc, people):
    accounts = runtime_of(product)
    envelope = messages.CreateAccounts.envelope({
        "job_id": "twice", "relation_ids": people[:2], "principal": ADMIN,
        "account_type": "member", "language": "en"}, source="bulk")
    first = accounts.dispatch(envelope)
    assert accounts.dispatch(envelope) == first
    assert outcomes_of(first) == ["created", "created"]
    assert mails(product) == 2
    assert portal.get(f"{URL}/{first[0]['account_id']}").get_json()["language"] == "en"


def test_a_chunk_is_refused_whole_for_what_no_relation_can_do_without(admin, product, rpc):
    relation = new_relation(admin, product)
    admin.post("/api/accounts/account-types", json={"key": "member", "label": "Member"})
    with pytest.raises(Conflict) as no_sender:
        create(rpc, [relation["id"]])
    assert "sender" in no_sender.value.detail
    with pytest.raises(ValidationFailed) as unknown_type:
        call(rpc, messages.CreateAccounts, [relation["id"]], account_type="ghost")
    assert "account_type" in unknown_type.value.errors
    with pytest.raises(Forbidden):
        rpc.call(messages.CreateAccounts, {
            "job_id": "j", "relation_ids": [relation["id"]], "account_type": "member",
            "principal": {"kind": "staff", "id": "e", "roles": ["editor"]}})
    with pytest.raises(ValidationFailed) as too_many:
        create(rpc, [str(n) for n in range(5001)])
    assert "relation_ids" in too_many.value.errors
    with pytest.raises(ValidationFailed) as past:
        call(rpc, messages.BlockAccounts, [relation["id"]], until="2020-01-01T00:00:00+00:00")
    assert "until" in past.value.errors
    assert mails(product) == 0


def test_resets_go_once_per_job_and_cannot_be_undone(portal, product, settings, rpc, people):
    created = create(rpc, people[:2])
    block = call(rpc, messages.BlockAccounts, people[1:2], job="block-1")
    assert outcomes_of(block) == ["blocked"]
    sent = call(rpc, messages.SendResets, people[:3], job="reset-1")
    assert outcomes_of(sent) == ["sent", "blocked", "no_account"]
    assert sent[0]["email"] == "welcome"  # still invited: the welcome again
    assert call(rpc, messages.SendResets, people[:3], job="reset-1") == sent
    assert mails(product) == 3  # two welcomes, one resent
    assert delivered(product, settings) == 3
    undone = call(rpc, messages.RestoreAccounts, people[:3], job="undo-reset", undoes="reset-1")
    assert undone[0] == {"relation_id": people[0], "outcome": "refused",
                         "reason": "reset e-mails already sent cannot be unsent"}
    assert outcomes_of(undone)[1:] == ["nothing_to_undo", "nothing_to_undo"]
    assert created[0]["account_id"]


def test_block_unblock_and_their_undo(portal, product, rpc, people):
    created = create(rpc, people[:2])
    account_url = f"{URL}/{created[0]['account_id']}"
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    blocked = call(rpc, messages.BlockAccounts, people[:3], job="block-1", until=until)
    assert outcomes_of(blocked) == ["blocked", "blocked", "no_account"]
    assert blocked[0]["before"]["status"] == "invited"
    assert portal.get(account_url).get_json()["blocked_until"]
    again = call(rpc, messages.BlockAccounts, people[:1], job="block-2")
    assert outcomes_of(again) == ["already_blocked"]

    unblocked = call(rpc, messages.UnblockAccounts, people[:2], job="unblock-1")
    assert outcomes_of(unblocked) == ["unblocked", "unblocked"]
    assert portal.get(account_url).get_json()["status"] == "invited"
    assert outcomes_of(call(rpc, messages.UnblockAccounts, people[:1],
                            job="unblock-2")) == ["not_blocked"]
    # Undo the unblock: blocked again until the same date; the second account was changed
    # since by staff, so it is skipped (or taken back with overwrite).
    portal.post(f"{URL}/{created[1]['account_id']}/block", json={})
    undone = call(rpc, messages.RestoreAccounts, people[:2], job="undo-1", undoes="unblock-1")
    assert outcomes_of(undone) == ["blocked", "skipped"]
    state = portal.get(account_url).get_json()
    assert state["status"] == "blocked" and state["blocked_until"] == blocked[0][
        "blocked_until"]
    assert call(rpc, messages.RestoreAccounts, people[:2], job="undo-1",
                undoes="unblock-1") == undone
    forced = call(rpc, messages.RestoreAccounts, people[1:2], job="undo-2",
                  undoes="block-1", mode="overwrite")
    assert outcomes_of(forced) == ["unblocked"]
    assert portal.get(f"{URL}/{created[1]['account_id']}").get_json()["status"] == "invited"


def test_delete_frees_the_address_and_undo_brings_the_account_back(portal, product, rpc,
                                                                   people):
    created = create(rpc, people[:2])
    deleted = call(rpc, messages.DeleteAccounts, people[:3], job="delete-1")
    assert outcomes_of(deleted) == ["deleted", "deleted", "no_account"]
    assert deleted[0]["before"]["status"] == "invited"
    assert portal.get(f"{URL}/{created[0]['account_id']}").get_json()["status"] == "deleted"
    # The second relation's address is taken by a new account meanwhile: its undo is refused.
    assert outcomes_of(create(rpc, people[1:2], job="create-2")) == ["created"]
    undone = call(rpc, messages.RestoreAccounts, people[:2], job="undo-1", undoes="delete-1")
    assert outcomes_of(undone) == ["restored", "refused"]
    assert "another portal account" in undone[1]["reason"]
    back = portal.get(f"{URL}/{created[0]['account_id']}").get_json()
    assert back["status"] == "invited" and back["version"] == undone[0]["version"]


def test_undo_of_create_deletes_the_accounts_made(portal, product, rpc, people):
    created = create(rpc, people[:3])
    undone = call(rpc, messages.RestoreAccounts, people[:3], job="undo-1", undoes="create-1")
    assert outcomes_of(undone) == ["deleted", "deleted", "nothing_to_undo"]
    assert portal.get(f"{URL}/{created[0]['account_id']}").get_json()["status"] == "deleted"


def test_preview_tells_each_outcome_and_writes_nothing(portal, product, rpc, people):
    preview = rpc.call(messages.PreviewAccounts, {
        "operation": "create_accounts", "relation_ids": people + ["nobody"],
        "params": {"account_type": "member"}, "principal": ADMIN})
    assert outcomes_of(preview["outcomes"]) == [
        "created", "created", "no_email_address", "relation_archived", "email_in_use",
        "unknown_relation"]
    assert portal.get(URL).get_json()["items"] == [] and mails(product) == 0
    create(rpc, people[:1])
    blocks = rpc.call(messages.PreviewAccounts, {
        "operation": "block_accounts", "relation_ids": people[:2], "params": {},
        "principal": ADMIN})
    assert outcomes_of(blocks["outcomes"]) == ["blocked", "no_account"]
    assert portal.get(URL).get_json()["items"][0]["status"] == "invited"
    with pytest.raises(ValidationFailed) as bad:
        rpc.call(messages.PreviewAccounts, {
            "operation": "create_accounts", "relation_ids": people[:1],
            "params": {"account_type": "member", "colour": "red"}, "principal": ADMIN})
    assert "colour" in bad.value.errors

