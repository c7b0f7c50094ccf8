"""Database functions Django does not ship for every backend the portal runs on."""

import datetime

from django.db.models import Aggregate, JSONField
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class JSONArrayAgg(Aggregate):
    """The rows' values as one JSON array (PostgreSQL JSONB_AGG, SQLite JSON_GROUP_ARRAY), so
    that the rows of a small side table can ride along in another query as a subquery. The
    order inside the array is not defined: sort after reading. Use it with JSONObject for
    several columns; dates arrive as text (see json_datetime)."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY",
                              **extra_context)


def json_datetime(text: str) -> datetime.datetime:
    """A timestamp as JSON holds it: ISO 8601 with an offset on PostgreSQL, UTC without one
    on SQLite."""
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text!r}")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)
