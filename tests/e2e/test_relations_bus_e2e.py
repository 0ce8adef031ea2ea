"""The chunk commands of the relations service over RabbitMQ (issue 3, point 11), sent from this
process as the bulk service sends them: request/reply on the private stack's vhost, an outcome
per relation, and a repeat of the same job changing nothing. Distributed mode only: the
embedded product's memory:// bus lives inside its own process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.relations import messages
from shared.bus import Bus, RpcClient
from shared.errors import Conflict, Forbidden, ValidationFailed
from shared.permissions import staff_principal
from tests.e2e.relations_support import (
    RELATIONS,
    body,
    card,
    etag,
    follows,
    history,
    organisation,
    person,
    stack_record,
)
from tests.e2e.running import Gateway, unique

# Who a chunk's job runs for: each chunk carries it, and the relations service checks it.
EDITOR, ROOT = (staff_principal(role, role).to_dict() for role in ("editor", "superuser"))


@pytest.fixture(scope="module")
def rpc(distributed: Gateway, tmp_path_factory) -> Iterator[RpcClient]:
    """A request/reply client on the stack's own broker URL and vhost."""
    record = stack_record(distributed, Path(tmp_path_factory.getbasetemp()))
    bus = Bus(record["broker_url"])
    client = RpcClient(bus, caller="e2e-bulk", timeout=20)
    yield client
    # RpcClient has no close(): release its reply connection before the vhost is dropped.
    channel = getattr(client._local, "channel", None)
    if channel is not None:
        channel.close()
    bus.close()


def define(gateway: Gateway, kind: str, **extra) -> str:
    key = unique(f"{kind[:2]}_")
    body(gateway.post("/api/relations/fields", json={"key": key, "label": key, "type": kind,
                                                     **extra}), 201)
    return key


@pytest.fixture
def members(distributed: Gateway) -> dict:
    """Three persons and an organisation, with fields of their own."""
    keys = {"newsletter": define(distributed, "checkbox"),
            "interests": define(distributed, "multi_choice", options=["Sport", "Music", "Art"]),
            "shares": define(distributed, "number", applies_to=["person"])}
    name = unique("Lid-")
    ids = [person(distributed, last_name=name, fields={keys["interests"]: ["music"]})["id"]
           for _ in range(3)]
    ids.append(organisation(distributed)["id"])
    return {"ids": ids, "name": name, **keys}


def apply(rpc: RpcClient, job: str, ids: list[str], changes: dict) -> list[dict]:
    return rpc.call(messages.ApplyFieldChanges, {"job": job, "relation_ids": ids,
                                                 "changes": changes, "principal": EDITOR})


def test_field_changes_apply_once_per_job_with_an_outcome_per_relation(
        distributed: Gateway, rpc: RpcClient, members: dict):
    ids, newsletter, interests = members["ids"], members["newsletter"], members["interests"]
    city, job = unique("Delft-"), unique("job-")
    changes = {newsletter: {"set": True}, interests: {"add": ["sport"], "remove": ["music"]},
               "city": {"overwrite": city}}
    outcomes = apply(rpc, job, [*ids, "missing"], changes)
    assert [o["outcome"] for o in outcomes] == ["changed"] * 4 + ["failed"]
    assert outcomes[-1] == {"relation_id": "missing", "outcome": "failed",
                            "reason": "no such relation"}
    assert outcomes[0]["before"] == {f"fields.{newsletter}": None,
                                     f"fields.{interests}": ["music"], "address": None}
    first = card(distributed, ids[0])
    assert first["fields"] == {newsletter: True, interests: ["sport"]}
    assert first["address"] == {"city": city} and first["version"] == outcomes[0]["version"] == 2
    assert {(h["via"], h["via_ref"]) for h in history(distributed, ids[0])[:3]} == {
        ("bulk", job)}

    assert apply(rpc, job, [*ids, "missing"], changes) == outcomes  # the same job again
    assert [card(distributed, rid)["version"] for rid in ids] == [2, 2, 2, 2]
    assert len([h for h in history(distributed, ids[0]) if h["via"] == "bulk"]) == 3
    follows(distributed, "city", city, lambda found: sorted(found) == sorted(ids) and all(
        item["version"] == 2 for item in found.values()), "the chunk's changes")

    shares = apply(rpc, unique("job-"), ids, {members["shares"]: {"set": 3}})
    assert [o["outcome"] for o in shares] == ["changed"] * 3 + ["failed"]
    assert "does not apply" in shares[3]["reason"]
    with pytest.raises(ValidationFailed) as refused:
        apply(rpc, unique("job-"), ids, {interests: {"add": ["chess"]}})
    assert interests in refused.value.errors
    assert card(distributed, ids[3])["version"] == 2


def test_before_images_are_restored_once_and_skip_what_others_changed(
        distributed: Gateway, rpc: RpcClient, members: dict):
    ids, interests, newsletter = members["ids"][:2], members["interests"], members["newsletter"]
    done = apply(rpc, unique("job-"), ids, {newsletter: {"set": True},
                                            interests: {"add": ["art"]}})
    images = {o["relation_id"]: {"before": o["before"], "version": o["version"]} for o in done}
    edited = card(distributed, ids[1])
    body(distributed.patch(f"{RELATIONS}/{ids[1]}", json={"first_name": "Eva"},
                           headers={"If-Match": etag(edited)}))

    undo = {"job": unique("undo-"), "relation_ids": ids, "images": images, "mode": "skip",
            "principal": EDITOR}
    undone = rpc.call(messages.RestoreBeforeImages, undo)
    assert [o["outcome"] for o in undone] == ["changed", "failed"]
    assert "changed by someone else" in undone[1]["reason"]
    restored = card(distributed, ids[0])
    assert restored["fields"] == {interests: ["music"]} and restored["version"] == 3
    assert rpc.call(messages.RestoreBeforeImages, undo) == undone  # the same undo again
    assert card(distributed, ids[0])["version"] == 3

    forced = rpc.call(messages.RestoreBeforeImages, {**undo, "job": unique("undo-"),
                                                     "relation_ids": ids[1:],
                                                     "mode": "overwrite"})
    assert forced[0]["outcome"] == "changed"
    kept = card(distributed, ids[1])
    assert kept["first_name"] == "Eva" and kept["fields"] == {interests: ["music"]}
    follows(distributed, "last_name", members["name"], lambda found: [
        found.get(rid, {}).get("fields") for rid in ids] == [{interests: ["music"]}] * 2,
        "the restored values")


def test_an_archive_chunk_asks_for_confirmation_and_runs_once(distributed: Gateway,
                                                              rpc: RpcClient):
    name = unique("Archief-")
    board, plain = person(distributed, last_name=name), person(distributed, last_name=name)
    club = organisation(distributed)
    body(distributed.post(f"{RELATIONS}/{board['id']}/functions", json={
        "organisation_id": club["id"], "role": "chair", "start_date": "2020-01-01"}), 201)
    chunk = {"job": unique("job-"), "relation_ids": [board["id"], plain["id"], "missing"],
             "reason": "no longer a member", "principal": EDITOR}

    with pytest.raises(Conflict) as refused:
        rpc.call(messages.ArchiveChunk, chunk)
    assert refused.value.extra["missing_confirmations"] == ["end_functions"]
    assert card(distributed, plain["id"])["status"] == "active"  # the chunk is all or nothing
    confirmed = {**chunk, "confirmations": ["end_functions"]}
    outcomes = rpc.call(messages.ArchiveChunk, confirmed)
    assert [o["outcome"] for o in outcomes] == ["changed", "changed", "failed"]
    assert rpc.call(messages.ArchiveChunk, confirmed) == outcomes
    archived = card(distributed, board["id"])
    assert (archived["status"], archived["version"]) == ("archived", 2)
    assert len([h for h in history(distributed, board["id"]) if h["field"] == "status"]) == 1
    (function,) = body(distributed.get(f"{RELATIONS}/{board['id']}/functions"))["items"]
    assert function["end_date"] is not None
    follows(distributed, "last_name", name, lambda found: len(found) == 2 and all(
        item["status"] == "archived" for item in found.values()), "the archived chunk")

    later = rpc.call(messages.ArchiveChunk, {**confirmed, "job": unique("job-")})
    assert [o["outcome"] for o in later] == ["unchanged", "unchanged", "failed"]
    assert later[0]["reason"] == "the relation is archived"


def test_a_delete_chunk_is_for_superusers_only(distributed: Gateway, rpc: RpcClient):
    ids = [person(distributed)["id"] for _ in range(2)]
    chunk = {"job": unique("job-"), "relation_ids": ids}
    for refused in (chunk, {**chunk, "principal": EDITOR}):  # nobody, or not a superuser
        with pytest.raises(Forbidden):
            rpc.call(messages.DeleteChunk, refused)
    assert distributed.get(f"{RELATIONS}/{ids[0]}").status_code == 200
    outcomes = rpc.call(messages.DeleteChunk, {**chunk, "principal": ROOT})
    assert [o["outcome"] for o in outcomes] == ["changed", "changed"]
    assert rpc.call(messages.DeleteChunk, {**chunk, "principal": ROOT}) == outcomes
    assert distributed.get(f"{RELATIONS}/{ids[0]}").status_code == 410


def test_a_tag_is_added_to_and_taken_off_a_chunk_once_per_job(distributed: Gateway,
                                                               rpc: RpcClient):
    tag = unique("member_")
    body(distributed.post("/api/relations/tags", json={"key": tag, "label": tag}), 201)
    name = unique("Tag-")
    tagged, plain = person(distributed, last_name=name), person(distributed, last_name=name)
    tagged = body(distributed.request("PUT", f"{RELATIONS}/{tagged['id']}/tags/{tag}"))
    chunk = {"job": unique("job-"), "relation_ids": [tagged["id"], plain["id"]], "tag": tag,
             "principal": EDITOR}

    added = rpc.call(messages.AddTagChunk, chunk)
    assert [o["outcome"] for o in added] == ["unchanged", "changed"]
    assert rpc.call(messages.AddTagChunk, chunk) == added
    assert card(distributed, plain["id"])["tags"] == [tag]
    assert card(distributed, plain["id"])["version"] == 2
    follows(distributed, "last_name", name, lambda found: len(found) == 2 and all(
        item["tags"] == [tag] for item in found.values()), "the tag on the chunk")

    removed = rpc.call(messages.RemoveTagChunk, {**chunk, "job": unique("job-")})
    assert [o["outcome"] for o in removed] == ["changed", "changed"]
    assert [card(distributed, o["relation_id"])["tags"] for o in removed] == [[], []]
    with pytest.raises(ValidationFailed) as refused:
        rpc.call(messages.AddTagChunk, {**chunk, "job": unique("job-"), "tag": "ghost"})
    assert "tag" in refused.value.errors
