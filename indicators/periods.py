"""Periods the figures are read for: a month, a quarter or a year, as the sum of its months.

A Period is a value (frozen): its key is what URLs, the API and exports carry ("2024",
"2024-Q1", "2024-03"), its label what a person reads ("1. kvartal 2024", "mars 2024").
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from common.dates import OSLO

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
_LENGTH = {MONTH: 1, QUARTER: 3, YEAR: 12}
_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[Qq](?P<quarter>\d)))?$")
FIRST_YEAR, LAST_YEAR = 1970, 2100


def month_start(moment: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of the month a moment falls in on the clocks in Norway (a naive
    datetime is taken as Norwegian time already)."""
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(OSLO)
        moment = moment.date()
    return moment.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A month, quarter or year, from `start` (its first day) to `end` (exclusive)."""

    kind: str
    start: datetime.date

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"A period is a month, a quarter or a year, not {self.kind!r}.")
        first_month = {MONTH: self.start.month, QUARTER: (self.start.month - 1) // 3 * 3 + 1,
                       YEAR: 1}[self.kind]
        if self.start.day != 1 or self.start.month != first_month:
            raise ValueError(f"{self.start} does not start a {self.kind}.")

    # -- making one -----------------------------------------------------------------------

    @classmethod
    def of(cls, kind: str, day: datetime.date | datetime.datetime) -> "Period":
        """The period of that kind a day (or moment, in Norway) falls in."""
        first = month_start(day)
        if kind == QUARTER:
            first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        elif kind == YEAR:
            first = first.replace(month=1)
        return cls(kind, first)

    @classmethod
    def current(cls, kind: str, today: datetime.date | datetime.datetime) -> "Period":
        """The period of that kind that `today` falls in (it has not ended yet)."""
        return cls.of(kind, today)

    @classmethod
    def parse(cls, key: str) -> "Period":
        """A period from its key: "2024", "2024-Q1" or "2024-03". ValueError, with a
        message a person can act on, for anything else."""
        match = _KEY.match((key or "").strip())
        if not match:
            raise ValueError(_(
                "%(value)s is not a period: write a year (2024), a quarter (2024-Q1) or a "
                "month (2024-03).") % {"value": repr(key)})
        year = int(match["year"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(_("%(year)s is outside the years the portal counts "
                               "(%(first)s–%(last)s).") % {
                "year": year, "first": FIRST_YEAR, "last": LAST_YEAR})
        if match["month"]:
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise ValueError(_("%(value)s: a month is 01 to 12.") % {"value": repr(key)})
            return cls(MONTH, datetime.date(year, month, 1))
        if match["quarter"]:
            quarter = int(match["quarter"])
            if not 1 <= quarter <= 4:
                raise ValueError(_("%(value)s: a quarter is Q1 to Q4.") % {"value": repr(key)})
            return cls(QUARTER, datetime.date(year, quarter * 3 - 2, 1))
        return cls(YEAR, datetime.date(year, 1, 1))

    # -- what it covers -------------------------------------------------------------------

    @property
    def end(self) -> datetime.date:
        """The first day after the period."""
        return _add_months(self.start, _LENGTH[self.kind])

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    def months(self) -> list[datetime.date]:
        """The first days of its months, in order."""
        return [_add_months(self.start, n) for n in range(_LENGTH[self.kind])]

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day < self.end

    # -- neighbours -----------------------------------------------------------------------

    def shifted(self, steps: int) -> "Period":
        """The period `steps` periods of the same kind later (earlier when negative)."""
        return Period(self.kind, _add_months(self.start, steps * _LENGTH[self.kind]))

    def previous(self, n: int) -> list["Period"]:
        """The n periods of this kind that end with this one, oldest first: a trend's
        columns (previous(12) of March 2024 is April 2023 to March 2024)."""
        return [self.shifted(-step) for step in range(n - 1, -1, -1)]

    # -- names ----------------------------------------------------------------------------

    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)

    @property
    def label(self) -> str:
        """In the active language: "2024", "1. kvartal 2024", "mars 2024"."""
        if self.kind == MONTH:
            return _("%(month)s %(year)s") % {"month": MONTHS[self.start.month],
                                              "year": self.year}
        if self.kind == QUARTER:
            return _("Q%(quarter)s %(year)s") % {"quarter": self.quarter, "year": self.year}
        return str(self.year)

    def __str__(self):
        return self.key
