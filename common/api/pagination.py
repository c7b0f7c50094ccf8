"""Pagination for every list: pages for people, a sync cursor for systems that mirror data.

Without `cursor` a list is paged by number (`page`, `page_size`) in the view's own order,
with a `count`. With `cursor` (empty to start) it is ordered by the time of the last change
and the public UUID, and each page carries `next_cursor`, the position after its last row: a
client that stores it and asks again later gets every row created or changed since, once per
change, however many rows changed meanwhile. A row changed while the client pages comes
again after the cursor (it is a new change); nothing before the cursor moves.

Page numbers reach PAGE_COUNT_LIMIT rows deep, and `count` is exact up to that many rows
(`count_exact` says whether it is): counting or skipping a million rows costs what the rows
cost, so a deeper page is a 400 that points to the cursor, the way to walk a whole list.

A change becomes visible to the cursor only `API_SYNC_SETTLE_SECONDS` after its timestamp.
`updated_at` is taken when a row is saved, before its transaction commits: without the wait,
a transaction that commits after a later one could slip behind a cursor that already went
past it. Transactions here last milliseconds; the default wait is 5 seconds.
"""

import base64
import binascii
import datetime
import json
import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import parsers

CURSOR_PARAM = "cursor"
PAGE_COUNT_LIMIT = 1000


def page_count_limit() -> int:
    return int(getattr(settings, "API_PAGE_COUNT_LIMIT", PAGE_COUNT_LIMIT))


class BoundedPaginator(Paginator):
    """Counts at most `limit` rows (SELECT COUNT(*) over a LIMIT limit + 1 subquery), so a
    first page costs the same over a thousand rows as over a million; pages end there."""

    def __init__(self, object_list, per_page, *, limit: int, counted=None, **kwargs):
        self.limit = limit
        self.exact = True
        self.counted = counted
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self) -> int:
        rows = self.object_list if self.counted is None else self.counted
        if hasattr(rows, "values_list"):  # a queryset: count keys only, in no order
            rows = rows.order_by().values_list("pk", flat=True)[:self.limit + 1]
            counted = rows.count()
        else:
            counted = len(rows[:self.limit + 1])
        self.exact = counted <= self.limit
        return min(counted, self.limit)


def encode_cursor(changed_at: datetime.datetime, row_uuid) -> str:
    raw = json.dumps({"t": changed_at.isoformat(), "u": str(row_uuid)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime.datetime, uuid.UUID] | None:
    """None for the empty cursor (from the start); ValidationError for a token we never made."""
    if not token:
        return None
    try:
        raw = parsers.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        changed_at = parse_datetime(raw["t"])
        row_uuid = uuid.UUID(raw["u"])
        if changed_at is None or timezone.is_naive(changed_at):
            raise ValueError
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that a forged cursor may carry.
        changed_at = changed_at.astimezone(datetime.UTC)
    except (ValueError, TypeError, KeyError, OverflowError, binascii.Error,
            json.JSONDecodeError) as exc:
        raise exceptions.ValidationError({CURSOR_PARAM: [_(
            "Not a cursor this server gave out: start with an empty cursor.")]}) from exc
    return changed_at, row_uuid


def after_position(model, field: str, changed_at, row_uuid) -> RawSQL:
    """(field, uuid) > (changed_at, row_uuid) as one row comparison, which a B-tree index on
    (field, uuid) answers by starting there; the equivalent `field > t OR (field = t AND
    uuid > u)` reads every row changed at t (a bulk change stamps thousands alike)."""
    quote = connection.ops.quote_name
    changed, key = model._meta.get_field(field), model._meta.get_field("uuid")
    table = quote(model._meta.db_table)
    return RawSQL(  # noqa: S611 - quoted names from the model, values as parameters
        f"({table}.{quote(changed.column)}, {table}.{quote(key.column)}) > (%s, %s)",
        (changed.get_db_prep_value(changed_at, connection),
         key.get_db_prep_value(row_uuid, connection)),
        output_field=BooleanField())


class PortalPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    counted = None

    def django_paginator_class(self, object_list, per_page, **kwargs):
        self.paginator = BoundedPaginator(object_list, per_page, limit=page_count_limit(),
                                          counted=self.counted, **kwargs)
        return self.paginator

    def paginate_queryset(self, queryset, request, view=None, *, counted=None):
        """`counted`: the same rows as `queryset` to count, when counting them is cheaper
        (rows read with values() across joins: count the queryset without them)."""
        self.cursor_mode = CURSOR_PARAM in request.query_params
        self.counted = counted
        if not self.cursor_mode:
            try:
                return super().paginate_queryset(queryset, request, view)
            except exceptions.NotFound:
                paginator = getattr(self, "paginator", None)
                if paginator is not None and not paginator.exact:
                    raise exceptions.ValidationError({self.page_query_param: [_(
                        "Pages reach %(rows)d rows deep: walk further with the cursor "
                        "(cursor=, then next_cursor).") % {"rows": paginator.limit}]}) from None
                raise
        self.request = request
        field = getattr(view, "sync_field", "updated_at")
        position = decode_cursor(request.query_params[CURSOR_PARAM])
        settled = timezone.now() - datetime.timedelta(seconds=settings.API_SYNC_SETTLE_SECONDS)
        rows = queryset.filter(**{f"{field}__lte": settled})
        if position is not None:
            rows = rows.filter(after_position(queryset.model, field, *position))
        size = self.get_page_size(request)
        page = list(rows.order_by(field, "uuid")[:size + 1])
        self.has_more = len(page) > size
        page = page[:size]
        if page:
            last = page[-1]
            self.next_cursor = encode_cursor(getattr(last, field), last.uuid)
        else:
            self.next_cursor = request.query_params[CURSOR_PARAM]
        return page

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return Response({
                "count": self.page.paginator.count,
                "count_exact": self.page.paginator.exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            })
        url = self.request.build_absolute_uri()
        return Response({
            "next_cursor": self.next_cursor,
            "has_more": self.has_more,
            "next": replace_query_param(remove_query_param(url, "page"), CURSOR_PARAM,
                                        self.next_cursor),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {"type": "integer", "description": "Rows in all (page mode), "
                          f"counted up to {PAGE_COUNT_LIMIT}: see count_exact."},
                "count_exact": {"type": "boolean", "description": "Page mode: false when "
                                f"there are more than {PAGE_COUNT_LIMIT} rows; pages end "
                                "there, the cursor walks on."},
                "next": {"type": "string", "format": "uri", "nullable": True,
                         "description": "The next page; in cursor mode, where to ask next "
                                        "(always given: ask it again later for new changes)."},
                "previous": {"type": "string", "format": "uri", "nullable": True,
                             "description": "The previous page (page mode)."},
                "next_cursor": {"type": "string", "description": "Cursor mode: the position "
                                "after this page's last row; store it."},
                "has_more": {"type": "boolean", "description": "Cursor mode: more rows wait "
                             "now; ask again at once."},
                "results": schema,
            },
        }

    def get_page_number(self, request, paginator):
        """`page` a whole number, as the schema says (0 or one past the last page: 404, as
        before); anything else (empty, a word, twice) is a 400 naming it (DRF would quietly
        read an empty one as the first page)."""
        raw = request.query_params.getlist(self.page_query_param)
        if not raw:
            return 1
        value = raw[-1]
        if not (len(raw) == 1 and value.isascii() and value.isdigit()):
            raise exceptions.ValidationError({self.page_query_param: [_(
                "A whole number from 1.")]})
        return value

    def get_page_size(self, request):
        """`page_size` of 1 to max_page_size; anything else is a 400 naming it (DRF would
        quietly fall back to the default size)."""
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        value = raw[-1]
        if not (len(raw) == 1 and value.isascii() and value.isdigit()
                and 1 <= int(value) <= self.max_page_size):
            raise exceptions.ValidationError({self.page_size_query_param: [_(
                "A whole number from 1 to %(maximum)s.") % {"maximum": self.max_page_size}]})
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return [*parameters, {
            "name": CURSOR_PARAM, "required": False, "in": "query",
            "description": "Sync mode: empty to start, then the `next_cursor` of the last "
                           "page. Rows come in order of their last change; see docs/api.md.",
            "schema": {"type": "string"},
        }]
