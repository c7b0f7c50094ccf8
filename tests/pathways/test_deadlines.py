"""Deadlines in Europe/Oslo: hours are elapsed time, days are calendar days."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from pathways import deadlines

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(("admitted", "due"), [
    # Spring forward (29 March 2026, 02:00 → 03:00): 24 real hours end at 13:00 local.
    ((2026, 3, 28, 12, 0), (2026, 3, 29, 13, 0)),
    # Fall back (25 October 2026, 03:00 → 02:00): 24 real hours end at 11:00 local.
    ((2026, 10, 24, 12, 0), (2026, 10, 25, 11, 0)),
    # Month and year ends.
    ((2026, 1, 31, 23, 30), (2026, 2, 1, 23, 30)),
    ((2026, 12, 31, 18, 0), (2027, 1, 1, 18, 0)),
    ((2028, 2, 28, 10, 0), (2028, 2, 29, 10, 0)),
])
def test_the_early_notification_falls_due_24_real_hours_after_admission(cast, admitted, due):
    admitted_at = datetime.datetime(*admitted, tzinfo=OSLO)
    deadline = deadlines.early_notification_deadline(admitted_at, cast.unn, cast.tromso)
    assert deadline.astimezone(OSLO) == datetime.datetime(*due, tzinfo=OSLO)
    elapsed = deadline.astimezone(datetime.UTC) - admitted_at.astimezone(datetime.UTC)
    assert elapsed == datetime.timedelta(hours=24)


def test_calendar_days_keep_the_wall_clock_across_dst():
    start = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=OSLO)
    later = deadlines.add_local_days(start, 1)
    assert later.astimezone(OSLO).hour == 12
    assert later - start.astimezone(datetime.UTC) == datetime.timedelta(hours=23)


def test_local_date_is_the_date_in_oslo():
    late_evening_utc = datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC)
    assert deadlines.local_date(late_evening_utc) == datetime.date(2026, 7, 1)
