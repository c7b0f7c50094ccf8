"""Moments and dates in messages (flash messages, notifications, refusals), in the active
language's formats (common.formats): the same SHORT_DATETIME_FORMAT and SHORT_DATE_FORMAT
the templates use, so a message never says a time differently from the page around it."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import formats

OSLO = ZoneInfo("Europe/Oslo")


def when(moment: datetime.datetime) -> str:
    """A moment on the clocks in Norway: "06.12.2026 14:05" (nb), "6 Dec 2026, 14:05" (en)."""
    return formats.date_format(moment.astimezone(OSLO), "SHORT_DATETIME_FORMAT")


def day(date: datetime.date) -> str:
    """A date: "06.12.2026" (nb), "6 Dec 2026" (en)."""
    return formats.date_format(date, "SHORT_DATE_FORMAT")
