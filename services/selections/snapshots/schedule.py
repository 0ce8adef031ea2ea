"""Schedules of selections ({"cron": "0 6 * * *", "timezone": "Europe/Amsterdam"}) and the
periodic task that refreshes the selections that are due."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter
from sqlalchemy import select

from services.selections.models import Selection
from services.selections.snapshots.refresh import refresh
from shared.errors import ValidationFailed
from shared.periodic import Periodic

log = logging.getLogger(__name__)

SCHEDULE_KEYS = ("cron", "timezone")
SCHEDULER = "system:scheduler"
# Cron has minutes for its finest step; a look twice a minute keeps a refresh near its time.
EVERY_SECONDS = 30.0


def check_schedule(schedule: Any) -> dict[str, str] | None:
    """The schedule as stored (timezone UTC unless given), or a 422 naming `schedule`,
    `schedule.cron` and `schedule.timezone` as they are wrong."""
    if schedule is None:
        return None
    if not isinstance(schedule, dict) or "cron" not in schedule or set(schedule) - set(
            SCHEDULE_KEYS):
        _raise_if_any({"schedule": 'expected {"cron": "0 6 * * *", "timezone": '
                                    '"Europe/Amsterdam"} or null'})
    checked = {"cron": schedule["cron"], "timezone": schedule.get("timezone", "UTC")}
    zone = _zone(checked["timezone"])
    problems = {"schedule.cron": _cron_problem(checked["cron"], zone or ZoneInfo("UTC")),
                "schedule.timezone": None if zone else (
                    f"{checked['timezone']!r} is not a known time zone; use an IANA name "
                    "such as 'Europe/Amsterdam' or 'UTC'")}
    _raise_if_any({path: problem for path, problem in problems.items() if problem})
    return checked


def next_refresh(schedule: dict[str, str] | None, after: datetime) -> datetime | None:
    """The first moment the schedule names after `after`, in UTC (None without a schedule)."""
    if schedule is None:
        return None
    return _next(schedule["cron"], ZoneInfo(schedule["timezone"]), after)


def refresh_due(runtime: Any, now: datetime | None = None) -> int:
    """Refresh every selection whose time has come, one transaction each, and set its next
    time; answers how many were refreshed. A selection another process holds is skipped."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    refreshed = 0
    while (outcome := _refresh_one(runtime.unit_of_work(), now)) is not None:
        refreshed += outcome
    return refreshed


def _refresh_one(uow: Any, now: datetime) -> bool | None:
    """Claim one due selection, refresh it and set its next time: whether the refresh went
    well, or None when none is due."""
    with uow:
        claim = (select(Selection).where(Selection.next_refresh_at <= now)
                 .order_by(Selection.next_refresh_at, Selection.id).limit(1))
        if uow.session.get_bind().dialect.name == "postgresql":
            # Two consumer processes never refresh one selection twice; SQLite has one writer.
            claim = claim.with_for_update(skip_locked=True)
        selection = uow.session.scalars(claim).first()
        if selection is None:
            return None
        refreshed = True
        try:
            with uow.session.begin_nested():
                refresh(uow, selection, trigger="schedule", actor=SCHEDULER, at=now)
        except Exception:
            # One selection that cannot be refreshed (its source names a field deleted since)
            # must not hold up the others: it is tried again at its next time.
            log.exception("scheduled refresh of selection %s failed", selection.id)
            refreshed = False
        selection.next_refresh_at = next_refresh(selection.schedule, now)
        uow.commit()
    return refreshed


def _next(cron: str, zone: ZoneInfo, after: datetime) -> datetime:
    return croniter(cron, after.astimezone(zone)).get_next(datetime).astimezone(UTC)


def _zone(name: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def _cron_problem(cron: Any, zone: ZoneInfo) -> str | None:
    if not isinstance(cron, str) or not _five_fields(cron) or not croniter.is_valid(cron):
        return (f"{cron!r} is not a cron expression of five fields (minute hour day-of-month "
                "month day-of-week), e.g. '0 6 * * *' for daily at 06:00")
    try:
        _next(cron, zone, datetime.now(UTC))
    except CroniterBadDateError:
        return f"{cron!r} never comes (no such date)"
    return None


def _five_fields(cron: str) -> bool:
    return cron.startswith("@") or len(cron.split()) == 5


def _raise_if_any(problems: dict[str, str]) -> None:
    """Raise one 422 naming every problem, if there are any."""
    if problems:
        raise ValidationFailed("the schedule is not valid: " + "; ".join(
            f"{path}: {problem}" for path, problem in problems.items()),
            errors={path: [problem] for path, problem in problems.items()})


# Declared by the plugin: the service refreshes scheduled selections by itself.
REFRESH_DUE = Periodic("selection-schedules", EVERY_SECONDS, refresh_due)
