"""The benchmark's own database: rehab_bench on a PostgreSQL server, or an SQLite file; never
the configured or a test database."""

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError

BENCH_DB = "rehab_bench"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PG_SIZES = (10_000, 1_000_000)
SQLITE_SIZES = (10_000,)


def parse_sizes(raw: str | None) -> tuple[int, ...]:
    if not raw:
        return ()
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in raw.split(",") if part}))
    except ValueError as exc:
        raise CommandError(f"--sizes takes whole numbers separated by commas: {raw!r}") from exc
    if not sizes or sizes[0] < 100:
        raise CommandError("--sizes: at least 100 admissions.")
    return sizes


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def redact(url: str) -> str:
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


def _admin_connection(server_url: str):
    import psycopg

    parts = urlsplit(with_database(server_url, "postgres"))
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    return psycopg.connect(conninfo, connect_timeout=3, autocommit=True)


def postgres_unreachable(url: str) -> str | None:
    try:
        with _admin_connection(url):
            return None
    except Exception as exc:  # psycopg's and the socket's errors alike
        return str(exc).strip() or type(exc).__name__


def _guard(name: str) -> None:
    configured = str(settings.DATABASES["default"].get("NAME", ""))
    if name == configured or name.startswith("test_"):
        raise CommandError(f"refusing to use {name!r}: it is the configured or a test database")


def recreate_postgres_database(server_url: str, name: str) -> None:
    from psycopg import sql

    _guard(name)
    with _admin_connection(server_url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(server_url: str, name: str) -> None:
    from psycopg import sql

    _guard(name)
    with _admin_connection(server_url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
