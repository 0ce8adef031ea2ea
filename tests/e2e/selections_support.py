"""What the selections end-to-end tests share: groups made and read through the gateway, and
waiting for the selections service to follow what the relations service did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.testing import wait_until
from tests.e2e.relations_support import READ_MODEL_TIMEOUT, RELATIONS, body, etag, every_id
from tests.e2e.running import Gateway, unique

GROUPS = "/api/selections/groups"


def group(gateway: Gateway, kind: str, **fields: Any) -> dict[str, Any]:
    """A new group of `kind` with a unique name."""
    return body(gateway.post(GROUPS, json={"name": unique(f"E2E {kind} "), "kind": kind,
                                           **fields}), 201)


def members(gateway: Gateway, group_id: str) -> set[str]:
    """Every member of a group, page by page."""
    return set(every_id(gateway, f"{GROUPS}/{group_id}/members"))


def settles(probe: Callable[[], Any], expected: Any, what: str) -> None:
    """Poll until `probe()` answers `expected`; the failure shows the last answer."""

    def check() -> bool:
        got = probe()
        assert got == expected, f"{what}: {got!r}, expected {expected!r}"
        return True

    wait_until(check, timeout=READ_MODEL_TIMEOUT, interval=0.05, message=what)


def members_become(gateway: Gateway, group_id: str, expected: set[str], what: str) -> None:
    settles(lambda: members(gateway, group_id), expected, f"the members of {what}")


def absorbed(gateway: Gateway, town: str, count: int) -> None:
    """Wait until the read model holds the `count` active relations of `town`."""
    settles(lambda: len(gateway.query("city", town)), count, f"the read model to hold {town}")


def add_known(gateway: Gateway, group_id: str, relation_ids: list[str]) -> dict[str, Any]:
    """Add relations to a static group once the read model knows them all (adding again is
    harmless: already_member); answers the last tally."""
    answers: list[dict[str, Any]] = []

    def added() -> bool:
        answers.append(body(gateway.post(f"{GROUPS}/{group_id}/members",
                                         json={"relation_ids": relation_ids})))
        return answers[-1]["unknown_relation"] == 0

    wait_until(added, timeout=READ_MODEL_TIMEOUT, interval=0.05,
               message="the read model to know the relations")
    return answers[-1]


def remove(gateway: Gateway, group_id: str, relation_ids: list[str]) -> dict[str, Any]:
    return body(gateway.post(f"{GROUPS}/{group_id}/members/remove",
                             json={"relation_ids": relation_ids}))


def changed(gateway: Gateway, relation: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """PATCH a relation (with its ETag); answers the new card."""
    return body(gateway.patch(f"{RELATIONS}/{relation['id']}", json=changes,
                              headers={"If-Match": etag(relation)}))


def history(gateway: Gateway, group_id: str, **query: Any) -> list[dict[str, Any]]:
    """A static group's membership history, newest first."""
    return body(gateway.get(f"{GROUPS}/{group_id}/history",
                            params={"limit": 500, **query}))["items"]


def groups_of(gateway: Gateway, relation_id: str) -> dict[str, dict[str, Any]]:
    """The groups a relation is in, by id."""
    answer = body(gateway.get(f"/api/selections/relations/{relation_id}/groups"))
    return {item["id"]: item for item in answer["items"]}
