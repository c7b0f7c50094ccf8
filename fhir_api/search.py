"""Search parameters: parsing FHIR's syntax into Django filters, strictly (an unknown or
malformed parameter is a 400 naming it)."""

import datetime
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.api.filters import UtcIsoDateTimeField
from pathways.deadlines import OSLO

from .outcome import invalid

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_OFFSET = 10_000  # deeper than anyone pages; a bigger number overflows PostgreSQL's bigint
IGNORED = {"_format", "_pretty"}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb)?(.+)$")


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str
    documentation: str


def one(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise invalid(_("Give %(name)s once.") % {"name": name}, name)
    return values[0] if values else None


def integer(params, name: str, default: int, maximum: int | None = None,
            *, limit: int | None = None) -> int:
    """A whole number: above `maximum` it is lowered to it, above `limit` it is a 400."""
    raw = one(params, name)
    if raw is None or raw == "":
        return default
    # isdigit() alone admits "²" and other digits that int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        raise invalid(_("%(name)s is a whole number of 0 or more.") % {"name": name}, name)
    digits = raw.lstrip("0") or "0"
    value = int(digits) if len(digits) <= 18 else 10**18  # int() refuses 4300+ digits
    if limit is not None and value > limit:
        raise invalid(_("%(name)s is at most %(limit)d.") % {"name": name, "limit": limit},
                      name)
    if maximum is not None:
        value = min(value, maximum)
    return value


def alternatives(value: str) -> list[str]:
    """Comma-separated values are ORed; `\\,` is a literal comma."""
    parts = re.split(r"(?<!\\),", value)
    return [part.replace("\\,", ",") for part in parts]


def _range(value: str, name: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The interval a FHIR date or dateTime covers, in UTC: a day is that whole day in Oslo."""
    match = _DATE.match(value)
    try:
        if match:
            start, end = _day_range(*match.groups())
        else:
            start = parse_datetime(value)
            if start is None or start.tzinfo is None:
                raise ValueError(value)
            end = start + datetime.timedelta(seconds=1)
        # As the REST API's filters: in UTC, or a 400 where PostgreSQL would refuse the
        # offset (beyond ±15:59) or the time overflows once moved to UTC.
        return _to_utc(start), _to_utc(end)
    except (ValueError, OverflowError, ValidationError) as exc:
        raise invalid(_("%(name)s: %(value)s is not a date or a date and time with a time "
                        "zone (e.g. 2026-01-31 or 2026-01-31T12:00:00Z).")
                      % {"name": name, "value": value}, name) from exc


def _day_range(year: str, month: str | None, day: str | None):
    """A year, month or day in Oslo; ValueError or OverflowError next to year 1 or 9999."""
    start = datetime.date(int(year), int(month or 1), int(day or 1))
    if day:
        end = start + datetime.timedelta(days=1)
    elif month:
        end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    else:
        end = start.replace(year=start.year + 1)
    as_moment = lambda d: datetime.datetime.combine(d, datetime.time(), tzinfo=OSLO)  # noqa: E731
    return as_moment(start), as_moment(end)


_to_utc = UtcIsoDateTimeField().to_python


def date_filter(field: str, value: str, name: str) -> Q:
    match = _PREFIX.match(value)
    prefix, rest = match.group(1) or "eq", match.group(2)
    start, end = _range(rest, name)
    if prefix == "eq":
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})
    if prefix == "ne":
        return ~Q(**{f"{field}__gte": start, f"{field}__lt": end})
    if prefix in ("gt", "sa"):
        return Q(**{f"{field}__gte": end})
    if prefix == "ge":
        return Q(**{f"{field}__gte": start})
    if prefix in ("lt", "eb"):
        return Q(**{f"{field}__lt": start})
    return Q(**{f"{field}__lt": end})  # le


_REFERS_TO_ANOTHER_TYPE = gettext_lazy("%(name)s refers to a %(type)s.")
_NOT_AN_ID = gettext_lazy("%(name)s: %(value)r is not a %(type)s id.")


def reference_uuid(value: str, resource_type: str, name: str, *, bare: bool = True,
                   wrong_type=_REFERS_TO_ANOTHER_TYPE, not_an_id=_NOT_AN_ID) -> uuid.UUID:
    """`<Type>/<id>` or an absolute URL ending in it, and (`bare`) `<id>` alone: a search
    parameter's reference, or (not bare) a body's. A 400 naming `name` says `wrong_type` or
    `not_an_id` (with name, path, type and value)."""
    text = value.rstrip("/")
    words = {"name": name, "path": name, "type": resource_type, "value": value}
    if "/" in text or not bare:
        kind, _slash, text = text.rpartition("/")
        if kind.rsplit("/", 1)[-1] != resource_type:
            raise invalid(wrong_type % words, name)
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise invalid(not_an_id % words, name) from exc


def reference_uuids(value: str, resource_type: str, name: str) -> list[uuid.UUID]:
    """A search parameter's comma-separated references (any of them)."""
    return [reference_uuid(part, resource_type, name) for part in alternatives(value)]


def token(value: str) -> tuple[str | None, str]:
    """`system|code` → (system, code); `code` → (None, code); `|code` → ("", code)."""
    if "|" in value:
        system, _bar, code = value.partition("|")
        return system, code
    return None, value
