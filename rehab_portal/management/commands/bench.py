"""`make bench`: see rehab_portal/bench/ (the child process runs rehab_portal.bench.runner)."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rehab_portal.bench.database import (
    BENCH_DB,
    LOCAL_POSTGRES,
    PG_SIZES,
    SQLITE_SIZES,
    drop_postgres_database,
    parse_sizes,
    postgres_unreachable,
    recreate_postgres_database,
    redact,
    with_database,
)
from rehab_portal.bench.runner import Bench


class Command(BaseCommand):
    # No system checks: the benchmark needs models and migrations, not URLs or templates.
    requires_system_checks = []
    help = ("Time the pathway sweeps' queries on synthetic admissions in a benchmark "
            "database (rehab_bench) and show their query plans.")

    def add_arguments(self, parser):
        parser.add_argument("--sizes", help="Admission counts, comma-separated (default: "
                            "10000,1000000 on PostgreSQL, 10000 on SQLite).")
        parser.add_argument("--runs", type=int, default=5,
                            help="Timed runs of each query; the median is shown (default 5).")
        parser.add_argument("--database-url", default="",
                            help="PostgreSQL server to use (its database name is replaced by "
                                 f"{BENCH_DB}); default: DATABASE_URL, then {LOCAL_POSTGRES}.")
        parser.add_argument("--sqlite", action="store_true", help="Use SQLite even if "
                            "PostgreSQL is reachable.")
        parser.add_argument("--keep", action="store_true",
                            help="Keep the benchmark database afterwards.")
        parser.add_argument("--only", choices=["pdf", "api", "referrals", "plo"], help="Time "
                            "one part only, without generating admissions (pdf: the plan PDF; "
                            "api: the 100-item list against a trivial endpoint, its profile "
                            "and query counts; referrals: waiting lists and waiting times "
                            "with 10 000 and 100 000 referrals; plo: PLO messages received "
                            "per second with 1 000 and 100 000 in the log, in its own "
                            f"database {BENCH_DB}_plo).")
        parser.add_argument("--plo-sizes", default="", help="Messages in the PLO log, "
                            "comma-separated (default: 1000,100000).")
        parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        if options["inside"]:
            Bench(self, options).run()
        else:
            self.orchestrate(options)

    # -- The parent: choose and create the database, run the child, clean up ---------------

    def orchestrate(self, options):
        vendor, server = self.choose_server(options)
        # The PLO part has a database of its own, so it can run beside the other parts.
        bench_db = f"{BENCH_DB}_plo" if options["only"] == "plo" else BENCH_DB
        sizes = parse_sizes(options["sizes"]) or (PG_SIZES if vendor == "postgresql"
                                                  else SQLITE_SIZES)
        if vendor == "postgresql":
            bench_url = with_database(server, bench_db)
            self.stdout.write(f"PostgreSQL at {redact(bench_url)}; sizes "
                              f"{', '.join(f'{s:,}' for s in sizes)} (INSERT ... SELECT "
                              "generate_series)")
            recreate_postgres_database(server, bench_db)
        else:
            path = Path(settings.VAR_DIR) / f"{bench_db}.sqlite3"
            bench_url = f"sqlite:///{path}"
            reason = "--sqlite" if options["sqlite"] else "PostgreSQL is not reachable"
            self.stdout.write(self.style.WARNING(
                f"{reason}: SQLite fallback at {path} with "
                f"{', '.join(f'{s:,}' for s in sizes)} admissions from chunked bulk inserts "
                "(no generate_series; set DATABASE_URL to a PostgreSQL server for 1 000 000)."))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
        env.update(DATABASE_URL=bench_url, CELERY_BROKER_URL="memory://",
                   # The bench measures the work of a request, not the rate limits.
                   RATE_LIMIT_API_CLIENT="1000000/min", RATE_LIMIT_API_ANONYMOUS="1000000/min",
                   EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
                   PYTHONUNBUFFERED="1")
        env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                "rehab_portal.settings.dev"))
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench",
                   "--inside", "--sizes", ",".join(map(str, sizes)),
                   "--runs", str(options["runs"])] + (
                       ["--only", options["only"]] if options["only"] else []) + (
                       ["--plo-sizes", options["plo_sizes"]] if options["plo_sizes"] else [])
        try:
            result = subprocess.run(command, env=env, check=False)  # noqa: S603 - our command
        finally:
            if not options["keep"]:
                if vendor == "postgresql":
                    drop_postgres_database(server, bench_db)
                else:
                    Path(bench_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        if result.returncode:
            raise CommandError(f"the benchmark failed (exit status {result.returncode})")

    def choose_server(self, options) -> tuple[str, str]:
        if options["sqlite"]:
            return "sqlite", ""
        url = options["database_url"] or os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            error = postgres_unreachable(url)
            if error:
                raise CommandError(f"PostgreSQL at {redact(url)} does not answer: {error}")
            return "postgresql", url
        if options["database_url"]:
            raise CommandError("--database-url must name a PostgreSQL server.")
        if postgres_unreachable(LOCAL_POSTGRES) is None:
            return "postgresql", LOCAL_POSTGRES
        return "sqlite", ""
