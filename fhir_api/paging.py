"""Paging a searchset: newest change first, by a key an index answers, walked with a cursor.

Every type is ordered by its last-updated time and a unique tie-breaker, descending. The
`next` link carries `_cursor`, an opaque token holding the last entry's key; the next page
is the rows whose key comes after it in that order (one row comparison that starts in the
index), so the last page costs what the first does and a row changed meanwhile moves to the
front without shifting any other row. `_offset` still works for existing clients, as deep as
MAX_OFFSET: skipping rows costs what the rows cost.

`Bundle.total` counts at most API_PAGE_COUNT_LIMIT + 1 matches; above the limit it is left
out (FHIR R4 allows a searchset without it), and `_total=none` skips the count.
"""

import base64
import binascii
import datetime
import json
import uuid
from dataclasses import dataclass
from operator import attrgetter

from django.db import connection, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from common.api import parsers
from common.api.pagination import page_count_limit

from .outcome import invalid
from .search import DEFAULT_COUNT, MAX_COUNT, MAX_OFFSET, integer, one

CURSOR = "_cursor"
TOTAL = "_total"
TOTAL_MODES = ("none", "estimate", "accurate")
PAGING_PARAMS = ("_count", "_offset", CURSOR, TOTAL)
_MAX_TOKEN = 1000  # far longer than any cursor this server makes
_BIGINT = 2**63


@dataclass(frozen=True)
class Paging:
    """What the client asked for: the page size, and where the page starts."""

    count: int = DEFAULT_COUNT
    offset: int = 0
    cursor: list | None = None  # the key of the row the page starts after, as sent
    token: str | None = None  # the _cursor itself
    backward: bool = False  # a `previous` link: the rows before the cursor
    total: str | None = None  # the _total the client gave

    @property
    def counted(self) -> bool:
        return self.total != "none"

    @property
    def at_start(self) -> bool:
        return self.cursor is None and not self.offset


@dataclass
class Page:
    rows: list
    total: int | None  # None: more than the limit, or not counted
    more: bool  # rows follow this page in its direction


def parse(params, resource_type: str) -> Paging:
    count = integer(params, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = integer(params, "_offset", 0, limit=MAX_OFFSET)
    total = one(params, TOTAL)
    if total is not None and total not in TOTAL_MODES:
        raise invalid(_("%(name)s is one of %(values)s.") % {
            "name": TOTAL, "values": ", ".join(TOTAL_MODES)}, TOTAL)
    token = one(params, CURSOR)
    if token is None:
        return Paging(count=count, offset=offset, total=total)
    if offset:
        raise invalid(_("Give %(cursor)s or %(offset)s, not both: the cursor is the "
                        "position.") % {"cursor": CURSOR, "offset": "_offset"}, "_offset")
    key, backward = decode(token, resource_type)
    return Paging(count=count, cursor=key, token=token, backward=backward, total=total)


def encode(resource_type: str, key: tuple, *, backward: bool = False) -> str:
    values = [value.isoformat() if isinstance(value, datetime.datetime)
              else str(value) if isinstance(value, uuid.UUID) else value for value in key]
    raw = {"r": resource_type, "k": values}
    if backward:
        raw["b"] = 1
    text = json.dumps(raw, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(token: str, resource_type: str) -> tuple[list, bool]:
    """The key and direction in a cursor this server gave for this type; a 400 naming
    _cursor for anything else (the values are checked against the type's key later)."""
    try:
        if not token or len(token) > _MAX_TOKEN:
            raise ValueError(token)
        raw = parsers.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not (isinstance(raw, dict) and set(raw) <= {"r", "k", "b"}
                and raw.get("r") == resource_type and isinstance(raw.get("k"), list)
                and raw.get("b", 0) in (0, 1)):
            raise ValueError(token)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error) as exc:
        raise bad_cursor() from exc
    return raw["k"], bool(raw.get("b"))


def bad_cursor():
    return invalid(_("%(name)s is not a cursor this server gave for this search: follow the "
                     "links of a searchset, or search again without it.") % {"name": CURSOR},
                   CURSOR)


# -- keys -------------------------------------------------------------------------------------

def key_of(obj, order: tuple[str, ...]) -> tuple:
    return tuple(attrgetter(path.replace("__", "."))(obj) for path in order)


def field_at(model, path: str) -> models.Field:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def position(model, order: tuple[str, ...], values: list) -> tuple:
    """The cursor's values as the key's fields hold them, or a 400 naming _cursor."""
    if len(values) != len(order):
        raise bad_cursor()
    return tuple(convert(field_at(model, path), value)
                 for path, value in zip(order, values, strict=True))


def convert(field, value):
    try:
        if isinstance(field, models.DateTimeField):
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is None or timezone.is_naive(moment):
                raise ValueError(value)
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that a forged cursor may carry.
            return moment.astimezone(datetime.UTC)
        if isinstance(field, models.UUIDField):
            if not isinstance(value, str):
                raise TypeError(value)
            return uuid.UUID(value)
        if isinstance(field, models.IntegerField):  # the auto fields too
            if isinstance(value, bool) or not isinstance(value, int) \
                    or not -_BIGINT <= value < _BIGINT:
                raise TypeError(value)
            return value
        if isinstance(field, models.CharField) and isinstance(value, str):
            return value
        raise TypeError(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise bad_cursor() from exc


def beyond(model, order: tuple[str, ...], key: tuple, *, backward: bool):
    """The rows after `key` in the descending order (before it when `backward`). On the
    model's own columns one row comparison, `(updated_at, uuid) < (%s, %s)`, which a B-tree
    index on those columns answers by starting there; through a relation the same test
    spelt out (its index is the related table's, walked in a join)."""
    op = ">" if backward else "<"
    if all("__" not in path for path in order):
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        fields = [field_at(model, path) for path in order]
        columns = ", ".join(f"{table}.{quote(field.column)}" for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        return RawSQL(  # noqa: S611 - quoted names from the model, values as parameters
            f"({columns}) {op} ({marks})",
            [field.get_db_prep_value(value, connection)
             for field, value in zip(fields, key, strict=True)],
            output_field=BooleanField())
    lookup = "gt" if backward else "lt"
    condition = Q(pk__in=[])
    for n, path in enumerate(order):
        equal = {p: v for p, v in zip(order[:n], key[:n], strict=True)}
        condition |= Q(**equal, **{f"{path}__{lookup}": key[n]})
    return condition


# -- pages ------------------------------------------------------------------------------------

def bounded_total(*querysets) -> int | None:
    """How many rows match, counting at most the limit + 1 keys of each; None above it."""
    limit = page_count_limit()
    counted = sum(q.order_by().values_list("pk", flat=True)[:limit + 1].count()
                  for q in querysets)
    return counted if counted <= limit else None


def fetch(queryset, order: tuple[str, ...], paging: Paging) -> Page:
    """One page of a queryset in the descending order of `order`, from the cursor or offset."""
    total = bounded_total(queryset) if paging.counted else None
    if not paging.count:
        return Page([], total, False)
    rows = queryset
    if paging.cursor is not None:
        key = position(queryset.model, order, paging.cursor)
        rows = rows.filter(beyond(queryset.model, order, key, backward=paging.backward))
    if paging.backward:
        found = list(rows.order_by(*order)[:paging.count + 1])
        return Page(found[:paging.count][::-1], total, len(found) > paging.count)
    start = paging.offset
    found = list(rows.order_by(*[f"-{path}" for path in order])
                 [start:start + paging.count + 1])
    return Page(found[:paging.count], total, len(found) > paging.count)
