"""Scheduled selections: the schedule checked, its next time computed in UTC, and the service's
periodic task refreshing what is due (driven here with a fixed clock, no sleeping)."""

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.relations.messages import FieldDefined, FieldDeleted
from services.selections.snapshots.schedule import REFRESH_DUE, refresh_due
from tests.unit.selections.test_selections import SELECTIONS, city, create, member_ids

DAILY = {"cron": "0 6 * * *", "timezone": "Europe/Amsterdam"}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def when(text):
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("schedule", "path"), [
    ({"cron": "0 25 * * *"}, "schedule.cron"),
    ({"cron": "every day"}, "schedule.cron"),
    ({"cron": "0 0 6 * * *"}, "schedule.cron"),  # six fields: seconds are not ours
    ({"cron": "0 6 31 2 *"}, "schedule.cron"),  # 31 February never comes
    ({"cron": 6}, "schedule.cron"),
    ({"cron": "0 6 * * *", "timezone": "Mars/Olympus"}, "schedule.timezone"),
    ({"cron": "0 6 * * *", "timezone": ""}, "schedule.timezone"),
    ({"timezone": "UTC"}, "schedule"),
    ({"cron": "0 6 * * *", "every": "day"}, "schedule"),
    ("daily", "schedule"),
])
def test_a_bad_schedule_is_named(selections, schedule, path):
    response = selections.api.post(SELECTIONS, json={
        "name": "S", "source": {"filter": city("Delft")}, "schedule": schedule})
    assert response.status_code == 422, response.get_json()
    assert path in response.get_json()["errors"]
    assert selections.api.get(SELECTIONS).get_json()["items"] == []


def test_a_wrong_cron_and_zone_are_both_named(selections):
    response = selections.api.post(SELECTIONS, json={
        "name": "S", "source": {"filter": city("Delft")},
        "schedule": {"cron": "0 25 * * *", "timezone": "Mars/Olympus"}})
    assert {"schedule.cron", "schedule.timezone"} <= set(response.get_json()["errors"])


def test_the_next_refresh_is_the_next_time_the_schedule_names_in_utc(selections):
    before = datetime.now(UTC)
    created = create(selections, source={"filter": city("Delft")}, schedule=DAILY)
    assert created["schedule"] == DAILY
    upcoming = when(created["next_refresh_at"])
    assert upcoming.utcoffset() == timedelta(0)
    local = upcoming.astimezone(AMSTERDAM)
    assert (local.hour, local.minute) == (6, 0)
    assert before < upcoming <= before + timedelta(days=1)
    utc_only = selections.api.patch(f"{SELECTIONS}/{created['id']}", json={
        "schedule": {"cron": "30 7 * * *"}}).get_json()
    assert utc_only["schedule"] == {"cron": "30 7 * * *", "timezone": "UTC"}
    assert when(utc_only["next_refresh_at"]).strftime("%H:%M") == "07:30"
    cleared = selections.api.patch(f"{SELECTIONS}/{created['id']}", json={"schedule": None})
    assert cleared.get_json()["next_refresh_at"] is None


def test_a_due_selection_is_refreshed_by_the_periodic_task(selections):
    selections.add(address={"city": "Delft"})
    created = create(selections, source={"filter": city("Delft")}, schedule=DAILY)
    unscheduled = create(selections, name="Op verzoek", source={"filter": city("Delft")})
    newcomer = selections.add(address={"city": "Delft"})
    due = when(created["next_refresh_at"])
    assert refresh_due(selections.runtime, now=due - timedelta(seconds=1)) == 0
    assert refresh_due(selections.runtime, now=due + timedelta(seconds=30)) == 1
    assert newcomer["id"] in member_ids(selections, created["id"])
    assert newcomer["id"] not in member_ids(selections, unscheduled["id"])
    latest = selections.api.get(f"{SELECTIONS}/{created['id']}/refreshes").get_json()["items"][0]
    assert (latest["trigger"], latest["actor"], latest["joined"], latest["total"]) == (
        "schedule", "system:scheduler", 1, 2)
    after = selections.api.get(f"{SELECTIONS}/{created['id']}").get_json()
    tomorrow = due.astimezone(AMSTERDAM).date() + timedelta(days=1)
    assert when(after["next_refresh_at"]) == datetime.combine(tomorrow, time(6),
                                                              tzinfo=AMSTERDAM)
    assert when(after["refreshed_at"]) == due + timedelta(seconds=30)
    assert refresh_due(selections.runtime, now=due + timedelta(minutes=5)) == 0


def test_the_next_time_follows_the_zone_across_daylight_saving(selections):
    created = create(selections, source={"filter": city("Delft")}, schedule=DAILY)
    # 30 March 2030, 06:00:30 in Amsterdam (UTC+1); the clocks go forward that night.
    refresh_due(selections.runtime, now=datetime(2030, 3, 30, 5, 0, 30, tzinfo=UTC))
    after = selections.api.get(f"{SELECTIONS}/{created['id']}").get_json()
    assert when(after["next_refresh_at"]) == datetime(2030, 3, 31, 4, 0, tzinfo=UTC)


def test_one_selection_that_cannot_refresh_does_not_hold_up_the_others(selections, caplog):
    field = selections.field("newsletter", "checkbox")
    selections.absorb(FieldDefined, {"field": field})
    broken = create(selections, name="Kapot", source={"filter": {
        "field": "newsletter", "op": "eq", "value": True}}, schedule=DAILY)
    fine = create(selections, name="Goed", source={"filter": city("Delft")}, schedule=DAILY)
    selections.absorb(FieldDeleted, {"key": "newsletter"})
    newcomer = selections.add(address={"city": "Delft"})
    due = when(fine["next_refresh_at"]) + timedelta(seconds=1)
    with caplog.at_level(logging.ERROR):
        assert refresh_due(selections.runtime, now=due) == 1
    assert "scheduled refresh of selection " + broken["id"] in caplog.text
    assert member_ids(selections, fine["id"]) == {newcomer["id"]}
    kept = selections.api.get(f"{SELECTIONS}/{broken['id']}").get_json()
    assert when(kept["next_refresh_at"]) > due  # tried again at its next time, not at once


def test_the_service_declares_the_task():
    assert REFRESH_DUE.run is refresh_due and REFRESH_DUE.every <= 60
