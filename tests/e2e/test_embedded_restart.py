"""`make run` promises that a second run keeps the data of the first (SQLite under var/)."""

from __future__ import annotations

from shared.testing import wait_until
from tests.e2e.running import embedded_product, unique


def test_a_second_start_on_the_same_var_dir_keeps_the_relations(tmp_path):
    email = f"{unique('keep.')}@example.org"
    with embedded_product(tmp_path) as gateway:
        created = gateway.post("/api/relations/relations", json={
            "type": "person", "last_name": "Blijft", "emails": [{"address": email}]})
        assert created.status_code == 201, created.text
        wait_until(lambda: gateway.query("email", email), message="the read model")

    with embedded_product(tmp_path) as gateway:
        again = gateway.get(f"/api/relations/relations/{created.json()['id']}")
        assert again.status_code == 200, again.text
        assert again.json()["last_name"] == "Blijft"
        assert [item["id"] for item in gateway.query("email", email)] == [created.json()["id"]]
