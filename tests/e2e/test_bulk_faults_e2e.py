"""Bulk jobs survive their faults on RabbitMQ and PostgreSQL: a bulk worker killed with SIGKILL
and RabbitMQ restarted in the middle of a 100,000-relation job, and either of them while the
owner writes a chunk's e-mail. The job completes, every relation is changed exactly once (one
history row each), the counts and the read model agree, and no e-mail goes out twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.testing import wait_until
from tests.e2e.bulk_faults_support import (
    FaultStack,
    FrozenOutbox,
    confirm,
    draft,
    finished,
    history_of,
    mail_settled,
    reached,
    read_model_count,
)
from tests.e2e.relations_support import body
from tests.e2e.running import Gateway, unique
from tests.support.bulk_seed import seed
from tests.support.portal import SENDER, start_smtp

SEEDED = 100_000
MAIL_PEOPLE = 200
# Every seeded relation has the checkbox (False); people made here have no value at all.
SEEDED_TARGET = {"filter": {"field": "newsletter", "op": "not_empty"}}
READ_MODEL_TIMEOUT = 120.0
WORKERS = 2


@pytest.fixture(scope="module")
def smtp():
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, smtp) -> Iterator[tuple[FaultStack, Gateway]]:
    """A private stack with two bulk workers, seeded with SEEDED persons before anything else
    writes (the seed needs the databases to itself)."""
    stack = FaultStack(tmp_path_factory.mktemp("faults"), smtp[0].port, workers=WORKERS)
    try:
        gateway = stack.start()
        seed(stack.stack.database_url.format(service="relations"),
             stack.stack.database_url.format(service="selections"), SEEDED)
        body(gateway.request("PUT", "/api/accounts/sender", json=SENDER), 200)
        body(gateway.post("/api/accounts/account-types",
                          json={"key": "member", "label": "Member"}), 201)
        yield stack, gateway
    finally:
        stack.stop()


# --- the faults -----------------------------------------------------------------------------
# Each takes the stack and what to do while the fault holds (e.g. let a frozen chunk go on).


def kill_one_worker(stack: FaultStack, meanwhile: Callable[[], None]) -> None:
    """kill -9 of one bulk worker; ops start a replacement."""
    stack.kill_worker(stack.workers()[0])
    stack.wait_for_workers(WORKERS - 1)
    meanwhile()
    stack.add_worker()
    stack.wait_for_workers(WORKERS)


def kill_every_worker(stack: FaultStack, meanwhile: Callable[[], None]) -> None:
    """kill -9 of every bulk worker (whichever holds a chunk does not show from outside);
    as many start again."""
    for worker in stack.workers():
        stack.kill_worker(worker)
    stack.wait_for_workers(0)
    meanwhile()
    for _n in range(WORKERS):
        stack.add_worker()
    stack.wait_for_workers(WORKERS)


def restart_broker(stack: FaultStack, meanwhile: Callable[[], None]) -> None:
    """RabbitMQ stops (every connection drops) and starts again on the same data."""
    stack.stop_broker()
    meanwhile()
    stack.start_broker()


def nothing() -> None:
    pass


# --- a and b: a worker killed, then RabbitMQ restarted, in one 100,000-relation job -------------


def test_a_job_hit_by_a_killed_worker_and_a_broker_restart_changes_each_relation_once(
        faulty):
    # One job takes both faults: at the speed measured here a 100,000-relation job costs
    # over a minute, and the file must stay within its CI budget.
    stack, gateway = faulty
    value = newsletter_flip(gateway)
    job = confirm(gateway, flip_job(gateway, value)["id"])
    reached(gateway, job["id"], 0.10, 0.35)
    kill_one_worker(stack, nothing)
    reached(gateway, job["id"], 0.40, 0.75)
    restart_broker(stack, nothing)

    done = finished(gateway, job["id"])
    assert done["status"] == "completed", done
    counts = done["counts"]
    assert (counts["changed"], counts["failed"], counts["done"]) == (SEEDED, 0, SEEDED), counts
    assert history_of(stack, done["id"]) == (SEEDED, SEEDED)
    node = {"field": "newsletter", "op": "eq", "value": value}
    wait_until(lambda: read_model_count(gateway, node) == SEEDED, timeout=READ_MODEL_TIMEOUT,
               interval=0.5, message=f"the read model to show {SEEDED} with newsletter {value}")


def newsletter_flip(gateway: Gateway) -> bool:
    """The value that changes every seeded relation (they hold one value between jobs)."""
    on = read_model_count(gateway, {"field": "newsletter", "op": "eq", "value": True})
    assert on in (0, SEEDED), f"{on} of {SEEDED} seeded relations have the newsletter on"
    return on == 0


def flip_job(gateway: Gateway, value: bool) -> dict:
    """A draft setting the newsletter checkbox of every seeded relation to `value`."""
    job = draft(gateway, SEEDED_TARGET, "set_fields", {"changes": {"newsletter": {"set": value}}})
    assert job["total"] == SEEDED
    return job


# --- c. the fault while the owner writes a chunk's e-mail ---------------------------------


@pytest.mark.parametrize("fault", [kill_every_worker, restart_broker])
def test_a_fault_while_the_owner_writes_welcome_mail_sends_each_mail_once(faulty, smtp, fault):
    stack, gateway = faulty
    _controller, inbox = smtp
    members = mail_people(stack, gateway, fault.__name__.replace("_", ""))
    welcome = draft(gateway, {"relation_ids": sorted(members)}, "create_accounts",
                    {"account_type": "member"})
    outbox = FrozenOutbox(stack)
    try:
        confirm(gateway, welcome["id"])
        # The chunk is inside the owner's transaction: accounts made, e-mail not yet queued.
        wait_until(outbox.waited_on, timeout=30, interval=0.05,
                   message="the welcome chunk to wait for the e-mail outbox")
        # The owner commits while the worker that asked is dead or no reply gets through.
        fault(stack, outbox.release)
    finally:
        outbox.release()

    welcomed = finished(gateway, welcome["id"])
    assert (welcomed["status"], welcomed["counts"]["changed"]) == ("completed", MAIL_PEOPLE)
    each_got_one_mail(stack, inbox, members)


def mail_people(stack: FaultStack, gateway: Gateway, label: str) -> dict[str, str]:
    """MAIL_PEOPLE persons with an e-mail address each, made through the gateway, once the
    accounts service has heard of them all: {relation id: address}."""
    tag = unique(label)

    def make(n: int) -> tuple[str, str]:
        address = f"{tag}.{n}@example.org"
        made = body(gateway.post("/api/relations/relations", json={
            "type": "person", "last_name": f"{tag}-{n}",
            "emails": [{"address": address, "primary": True}]}), 201)
        return made["id"], address

    with ThreadPoolExecutor(4) as pool:
        people = dict(pool.map(make, range(MAIL_PEOPLE)))

    def known() -> bool:
        with stack.database("accounts") as db:
            return db.execute("SELECT count(*) FROM relation_contacts WHERE relation_id = "
                              "ANY(%s) AND email IS NOT NULL", (list(people),)).fetchone()[0] \
                == MAIL_PEOPLE

    wait_until(known, timeout=60, interval=0.2, message="accounts to hear of the people")
    return people


def each_got_one_mail(stack: FaultStack, inbox, members: dict[str, str]) -> None:
    """Every member's address received exactly one e-mail, once the accounts service has
    nothing left to send them (a duplicate would have been sent by then too)."""
    wanted = set(members.values())

    def received() -> Counter:
        return Counter(address for rcpt in list(inbox.recipients) for address in rcpt
                       if address in wanted)

    wait_until(lambda: mail_settled(stack, wanted) and set(received()) == wanted, timeout=60,
               interval=0.2, message=f"{len(wanted)} welcome e-mails")
    twice = {address: n for address, n in received().items() if n > 1}
    assert not twice, f"e-mail sent more than once: {twice}"
