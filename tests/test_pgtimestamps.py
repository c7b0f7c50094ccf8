"""Timestamps come back from PostgreSQL as the instants that were written, in UTC, read by
psycopg's compiled loader (common.pgtimestamps) exactly as Django's own reads them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from tests.conftest import skip_or_fail

OSLO = ZoneInfo("Europe/Oslo")
MOMENTS = [
    datetime.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=datetime.UTC),  # before DST
    datetime.datetime(2026, 3, 29, 2, 30, tzinfo=OSLO),  # a wall time DST skips
    datetime.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=OSLO),  # the repeated hour
    datetime.datetime(1895, 6, 1, 12, 0, 7, tzinfo=OSLO),  # local mean time, odd offset
    datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
]


def read(moments, *, djangos_own=False):
    with connection.cursor() as cursor:
        if djangos_own:
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute("SELECT " + ", ".join(["%s::timestamptz"] * len(moments)), moments)
        return cursor.fetchone()


@pytest.mark.django_db
def test_timestamps_read_back_as_the_instants_written_in_utc():
    if connection.vendor != "postgresql":
        skip_or_fail("the timestamp loader is PostgreSQL's (DATABASE_URL)")
    values = read(MOMENTS)
    assert list(values) == [moment.astimezone(datetime.UTC) for moment in MOMENTS]
    assert {value.tzinfo for value in values} == {datetime.UTC}
    assert values == read(MOMENTS, djangos_own=True)
    loader = connection.connection.adapters.get_loader(
        connection.connection.adapters.types["timestamptz"].oid, 0)
    assert loader.__name__ == "CompiledUtcLoader"
