"""Editors who write at the same moment, through the gateway in both modes (issue 3, points 1
and 6). Only the distributed stack really races: two gunicorn workers with threads on
PostgreSQL, where a request can find its row changed between reading and writing it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.e2e.relations_support import RELATIONS, body, card, etag, history, person
from tests.e2e.running import HTTP_TIMEOUT, Gateway, unique

WRITERS = 8
def at_once(calls: list[tuple[str, str, dict[str, Any]]]) -> list[requests.Response]:
    """Send every (method, url, kwargs) call from its own thread, released together."""
    start = threading.Barrier(len(calls))

    def send(call: tuple[str, str, dict[str, Any]]) -> requests.Response:
        method, url, kwargs = call
        start.wait()
        return requests.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def test_of_editors_sending_one_etag_at_once_one_wins_the_others_get_412(stack: Gateway):
    relation = person(stack, first_name="Anna")
    url = f"{stack.url}{RELATIONS}/{relation['id']}"
    names = [f"Editor{n}" for n in range(WRITERS)]
    answers = at_once([("PATCH", url, {"json": {"first_name": name}, "headers": {
        "If-Match": etag(relation), **stack.credentials}}) for name in names])

    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [200] + [412] * (WRITERS - 1), [
        (answer.status_code, answer.text[:300]) for answer in answers]
    winner = names[statuses.index(200)]
    now = card(stack, relation["id"])
    assert (now["first_name"], now["version"]) == (winner, 2)
    changes = [e for e in history(stack, relation["id"])
               if e["field"] == "first_name" and e["before"] is not None]  # not the creation
    assert [(e["before"], e["after"]) for e in changes] == [("Anna", winner)]


def test_tags_added_at_the_same_moment_are_all_kept(stack: Gateway):
    keys = [unique(f"race{n}_") for n in range(WRITERS)]
    for key in keys:
        body(stack.post("/api/relations/tags", json={"key": key, "label": key}), 201)
    relation = person(stack)
    url = f"{stack.url}{RELATIONS}/{relation['id']}/tags"
    answers = at_once([("PUT", f"{url}/{key}", {"headers": stack.credentials}) for key in keys])

    # Adding one tag cannot overwrite another (If-Match is optional here): none is refused.
    problems = [(a.status_code, a.text[:300]) for a in answers if a.status_code != 200]
    assert not problems, problems
    now = card(stack, relation["id"])
    assert sorted(now["tags"]) == sorted(keys) and now["version"] == 1 + WRITERS
