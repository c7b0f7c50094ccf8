"""Pagination for every list: pages for people, a sync cursor for systems that mirror data.

Without `cursor` a list is paged by number (`page`, `page_size`) in the view's own order,
with a `count`. With `cursor` (empty to start) it is ordered by the time of the last change
and the public UUID, and each page carries `next_cursor`, the position after its last row: a
client that stores it and asks again later gets every row created or changed since, once per
change, however many rows changed meanwhile. A row changed while the client pages comes
again after the cursor (it is a new change); nothing before the cursor moves.

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
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import parsers

CURSOR_PARAM = "cursor"


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


class PortalPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_mode = CURSOR_PARAM in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        field = getattr(view, "sync_field", "updated_at")
        position = decode_cursor(request.query_params[CURSOR_PARAM])
        settled = timezone.now() - datetime.timedelta(seconds=settings.API_SYNC_SETTLE_SECONDS)
        rows = queryset.filter(**{f"{field}__lte": settled})
        if position is not None:
            changed_at, row_uuid = position
            rows = rows.filter(Q(**{f"{field}__gt": changed_at})
                               | Q(**{field: changed_at, "uuid__gt": row_uuid}))
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
            return super().get_paginated_response(data)
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
                "count": {"type": "integer", "description": "Rows in all (page mode)."},
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

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": CURSOR_PARAM, "required": False, "in": "query",
            "description": "Sync mode: empty to start, then the `next_cursor` of the last "
                           "page. Rows come in order of their last change; see docs/api.md.",
            "schema": {"type": "string"},
        }]
