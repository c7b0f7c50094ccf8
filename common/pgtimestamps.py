"""Timestamps read from PostgreSQL by psycopg's compiled loader, not Django's Python one.

Django registers, on every psycopg 3 connection, a timestamptz loader that subclasses
psycopg's pure-Python one (to pin the time zone it answers in), so the compiled loader of
psycopg[binary] never runs: each timestamp costs microseconds of Python parsing, about 3 ms
for a 100-row page of the admissions list with its six timestamps (make bench, profile).
Django ticket #36960; psycopg's compiled loaders cannot be subclassed.

When Django reads in UTC (USE_TZ, no TIME_ZONE of the database), the session speaks UTC
and the compiled loader gives the very same values: aware datetimes in datetime.UTC.
Anywhere else Django's loader stays.
"""

import datetime

from django.conf import settings


def _compiled_loader():
    """psycopg's compiled timestamptz text loader, or None without psycopg[binary]."""
    try:
        import psycopg
        from psycopg.pq import Format
    except ImportError:  # psycopg2, or no PostgreSQL driver at all
        return None
    if psycopg.pq.__impl__ not in ("c", "binary"):
        return None
    return psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)


def _utc_loader_class(compiled):
    from psycopg.adapt import Loader

    class CompiledUtcLoader(Loader):
        """The compiled loader's load() under the interface Django's create_cursor()
        inspects (`timezone`: the zone the values come in)."""

        timezone = datetime.UTC

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.load = compiled(oid, context).load  # psycopg calls it directly

        def load(self, data):  # replaced per instance; defined for the abstract base
            raise NotImplementedError

    return CompiledUtcLoader


_LOADER = None


def use_compiled_loader(sender, connection, **kwargs) -> None:
    """connection_created: register the compiled loader on a new PostgreSQL connection that
    reads in UTC."""
    global _LOADER
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    if connection.timezone != datetime.UTC or connection.timezone_name != "UTC":
        return
    if _LOADER is None:
        compiled = _compiled_loader()
        if compiled is None:
            return
        _LOADER = _utc_loader_class(compiled)
    connection.connection.adapters.register_loader("timestamptz", _LOADER)
