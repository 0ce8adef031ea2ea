"""edit_each reads a phone number without country code as the relation card API does: in
the relation's own country, else in the installation's (CARDBOX_DEFAULT_COUNTRY)."""

import pytest

from tests.unit.bulk.conftest import create, finished, relation

BELGIAN_MOBILE = "0470 12 34 56"


@pytest.fixture
def settings(settings):
    return settings.with_overrides(default_country="BE")


def test_a_number_is_read_in_the_configured_country(api, people):
    by_card = api.patch(f"/api/relations/relations/{people[1]}", json={
        "phones": [{"number": BELGIAN_MOBILE}]}, headers={"If-Match": f'"{people[1]}.1"'})
    assert by_card.status_code == 200, by_card.get_json()
    assert by_card.get_json()["phones"][0]["number"] == "+32470123456"

    job = create(api, people[:1], "edit_each", {"fields": ["phones"], "per_relation": {
        people[0]: {"phones": [{"number": BELGIAN_MOBILE}]}}})
    assert job.status_code == 201, job.get_json()
    assert job.get_json()["items"][0]["diff"]["phones"][1][0]["number"] == "+32470123456"
    assert api.post(f"/api/bulk/jobs/{job.get_json()['id']}/confirm", json={}).status_code \
        == 202
    assert finished(api, job.get_json()["id"])["counts"]["changed"] == 1
    assert relation(api, people[0])["phones"][0]["number"] == "+32470123456"
