"""Working days in Norway: Monday to Friday, except the public holidays (helligdager and
1 and 17 May) that the `holidays` library computes for each year, Easter's moving feasts
included. The patient rights act's deadlines count in them (a referral is assessed within
10 working days of its receipt)."""

import datetime
import functools

import holidays


@functools.lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("NO", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The `days`-th working day after `start` (the day of receipt does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` comes
    first): how far a deadline lies ahead, in the law's days."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for offset in range(1, (end - start).days + 1)
               if is_working_day(start + datetime.timedelta(days=offset)))
