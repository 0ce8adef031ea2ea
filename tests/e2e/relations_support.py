"""What the relations end-to-end tests share: writing through the gateway, following the
selections read model, and calling the relations service's own port as a signed staff user."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import requests

from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.permissions import permissions_for_roles
from shared.testing import wait_until
from tests.e2e.running import HTTP_TIMEOUT, Gateway, unique

RELATIONS = "/api/relations/relations"
PROBLEM_JSON = "application/problem+json"
# Through RabbitMQ and a consumer process this is milliseconds; the margin is for slow CI.
READ_MODEL_TIMEOUT = 20.0


def body(response: requests.Response, status: int = 200) -> Any:
    """The JSON of a response that must have `status` (the problem text when it has not)."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} answered {response.status_code}, "
        f"not {status}: {response.text[:2000]}")
    return response.json() if response.content else None


def problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The problem+json of a refusal that must have `status`."""
    answer = body(response, status)
    assert response.headers["Content-Type"].startswith(PROBLEM_JSON), response.headers
    assert answer["status"] == status
    return answer


def person(gateway: Gateway, **fields: Any) -> dict[str, Any]:
    """Register a person (last name unique unless given) and answer the card."""
    fields.setdefault("last_name", unique("Jansen-"))
    return body(gateway.post(RELATIONS, json={"type": "person", **fields}), 201)


def organisation(gateway: Gateway, **fields: Any) -> dict[str, Any]:
    fields.setdefault("organisation_name", unique("Acme "))
    return body(gateway.post(RELATIONS, json={"type": "organisation", **fields}), 201)


def card(gateway: Gateway, relation_id: str) -> dict[str, Any]:
    return body(gateway.get(f"{RELATIONS}/{relation_id}"))


def etag(relation: dict[str, Any]) -> str:
    return f'"{relation["id"]}.{relation["version"]}"'


def put(gateway: Gateway, path: str, **kwargs: Any) -> requests.Response:
    return gateway.request("PUT", path, **kwargs)


def delete(gateway: Gateway, path: str, **kwargs: Any) -> requests.Response:
    return gateway.request("DELETE", path, **kwargs)


def history(gateway: Gateway, relation_id: str, **query: Any) -> list[dict[str, Any]]:
    """A relation's history, newest first."""
    return body(gateway.get(f"{RELATIONS}/{relation_id}/history",
                            params={"limit": 500, **query}))["items"]


def latest_change(entries: list[dict[str, Any]], field: str) -> dict[str, Any]:
    """The newest history entry of `field`."""
    return next(entry for entry in entries if entry["field"] == field)


def every_id(gateway: Gateway, path: str, **query: Any) -> list[str]:
    """The ids of a whole paginated list, in its order, following next_cursor."""
    ids, cursor = [], None
    while True:
        page = body(gateway.get(path, params={"limit": 500, **query,
                                              **({"cursor": cursor} if cursor else {})}))
        ids += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            return ids


def read_model(gateway: Gateway, field: str, value: str) -> list[dict[str, Any]]:
    """The selections read model's relations (active or archived) whose `field` equals
    `value`."""
    answer = body(gateway.post("/api/selections/filters/query", json={"filter": {"and": [
        {"field": field, "op": "eq", "value": value},
        {"field": "status", "op": "in", "value": ["active", "archived"]}]}, "limit": 500}))
    return answer["items"]


def follows(gateway: Gateway, field: str, value: str,
            check: Callable[[dict[str, dict[str, Any]]], bool], what: str) -> dict[str, dict]:
    """Poll the read model until `check` holds for its matches (by id); answer them."""

    def probe() -> list[dict[str, dict[str, Any]]]:
        found = {item["id"]: item for item in read_model(gateway, field, value)}
        return [found] if check(found) else []  # wrapped: no match at all may be the answer

    message = f"the read model to show {what} ({field}={value})"
    (found,) = wait_until(probe, timeout=READ_MODEL_TIMEOUT, interval=0.05, message=message)
    return found


# --- the private distributed stack ---------------------------------------------------------


def stack_record(gateway: Gateway, base_temp: Path) -> dict[str, Any]:
    """What deploy/local/stack.py recorded of the running stack behind `gateway` (its secret,
    broker URL, vhost): the fixture hands out only the Gateway, the record is in its var dir."""
    return _record(gateway.url, str(base_temp))


@cache
def _record(url: str, base_temp: str) -> dict[str, Any]:
    for run_file in Path(base_temp).glob("*/run/stack.json"):
        record = json.loads(run_file.read_text())
        if record.get("url") == url:
            return record
    raise AssertionError(f"no stack.json under {base_temp} for the stack at {url}")


class Staff:
    """Calls the relations service's own port as a staff user, with the principal header
    signed by the stack's secret, as the gateway does for a logged-in user."""

    def __init__(self, gateway: Gateway, base_temp: Path, *, user: str = "root",
                 roles: tuple[str, ...] = ("superuser",)):
        self.url = gateway.service_urls["relations"]
        self.signer = PrincipalSigner(stack_record(gateway, base_temp)["secret"])
        self.principal = Principal(kind="staff", id=user, roles=roles,
                                   permissions=permissions_for_roles(roles))
        self.label = self.principal.label

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**kwargs.pop("headers", {}),
                   PRINCIPAL_HEADER: self.signer.sign(self.principal)}
        return requests.request(method, self.url + path, headers=headers,
                                timeout=HTTP_TIMEOUT, **kwargs)
