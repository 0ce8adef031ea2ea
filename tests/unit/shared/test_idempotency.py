"""Idempotency-Key on creating POSTs: one thing created, whatever is repeated."""

import threading

from tests.unit.conftest import bearer_client

PERSON = {"type": "person", "last_name": "Eenmalig"}


def count(api):
    return len(api.get("/api/relations/relations", query_string={"limit": 500})
               .get_json()["items"])


def test_a_repeat_with_the_same_key_answers_the_first_response(api):
    first = api.post("/api/relations/relations", json=PERSON,
                     headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/relations/relations", json=PERSON,
                     headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert count(api) == 1


def test_the_same_key_with_another_body_is_refused(api):
    api.post("/api/relations/relations", json=PERSON, headers={"Idempotency-Key": "k-2"})
    other = api.post("/api/relations/relations", json={**PERSON, "last_name": "Anders"},
                     headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 409
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert count(api) == 1


def test_a_refused_first_attempt_can_be_repeated_once_corrected(api):
    bad = api.post("/api/relations/relations", json={"type": "person"},
                   headers={"Idempotency-Key": "k-3"})
    assert bad.status_code == 422
    again = api.post("/api/relations/relations", json={"type": "person"},
                     headers={"Idempotency-Key": "k-3"})
    assert again.status_code == 422  # the refusal is not kept: the request is tried again


def test_concurrent_repeats_create_one_relation(api, product):
    answers = []

    def post():
        client = bearer_client(product.gateway, api.token)
        answers.append(client.post("/api/relations/relations", json=PERSON,
                                   headers={"Idempotency-Key": "k-4"}).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(api) == 1
    assert answers.count(201) >= 1 and set(answers) <= {201, 409}


def test_without_a_key_every_post_creates(api):
    api.post("/api/relations/relations", json=PERSON)
    api.post("/api/relations/relations", json=PERSON)
    assert count(api) == 2
