"""`make bench`: the pathway sweeps' queries on synthetic admissions, timed and explained.

Builds a dedicated benchmark database (never the dev or test database): `rehab_bench` on the
PostgreSQL server of DATABASE_URL, else on postgres://postgres@127.0.0.1:5432 when that
answers, else an SQLite file under var/. On PostgreSQL the rows come from INSERT ... SELECT
generate_series (10 000 and 1 000 000 admissions); on SQLite from chunked bulk inserts, 10 000
by default. About 99 % of the admissions are history (notified, discharged); a small share
is due. For each size it prints the median time of each sweep's main query, the cost of a
first and a repeated sweep run, and whether the plan reads the sweep's index rather than
scanning a big table; then the plans themselves (EXPLAIN ANALYZE on PostgreSQL); last, the
time to render a 30-measure individual plan to PDF; last, the API's throughput for a
100-item list against a trivial endpoint, and its queries per list at page sizes 10, 50
and 100 (rehab_portal/bench_api.py).

The work happens in a child process whose DATABASE_URL names the benchmark database, so
nothing in it can reach another database; its broker is in memory and e-mail goes nowhere.
"""

import argparse
import datetime
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

BENCH_DB = "rehab_bench"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PG_SIZES = (10_000, 1_000_000)
SQLITE_SIZES = (10_000,)
# Loads of this many admissions or more drop the secondary indexes and build them after.
BULK_LOAD = 100_000
HOSPITALS_PER_TRUST = 2
TRUSTS = 4
MUNICIPALITIES = 40
WARDS = 6
# Admissions still open, at every size: the hospitals' and KEs' working set does not grow
# with the history behind it (the first OPEN_ADMISSIONS generated are open, the rest past).
OPEN_ADMISSIONS = 800
# Tables whose sequential scan in a sweep's plan would grow with the history.
BIG_TABLES = ("pathways_admission", "pathways_patient", "pathways_earlynotification",
              "pathways_readyfordischarge", "pathways_municipalanswer",
              "pathways_dischargemeeting", "registry_notification")


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
        parser.add_argument("--only", choices=["pdf"], help="Time one part only, without "
                            "generating admissions (pdf: the plan PDF).")
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
        sizes = parse_sizes(options["sizes"]) or (PG_SIZES if vendor == "postgresql"
                                                  else SQLITE_SIZES)
        if vendor == "postgresql":
            bench_url = with_database(server, BENCH_DB)
            self.stdout.write(f"PostgreSQL at {redact(bench_url)}; sizes "
                              f"{', '.join(f'{s:,}' for s in sizes)} (INSERT ... SELECT "
                              "generate_series)")
            recreate_postgres_database(server, BENCH_DB)
        else:
            path = Path(settings.VAR_DIR) / f"{BENCH_DB}.sqlite3"
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
                       ["--only", options["only"]] if options["only"] else [])
        try:
            result = subprocess.run(command, env=env, check=False)  # noqa: S603 - our command
        finally:
            if not options["keep"]:
                if vendor == "postgresql":
                    drop_postgres_database(server, BENCH_DB)
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


# -- The child: data, timings, plans ----------------------------------------------------------

class Bench:
    def __init__(self, command: BaseCommand, options):
        self.out = command.stdout
        self.style = command.style
        self.sizes = parse_sizes(options["sizes"]) or SQLITE_SIZES
        self.runs = options["runs"]
        self.only = options.get("only")
        self.postgres = connection.vendor == "postgresql"

    def say(self, text: str = "") -> None:
        self.out.write(text)

    def run(self) -> None:
        name = str(connection.settings_dict["NAME"])
        if BENCH_DB not in Path(name).name:
            raise CommandError(f"--inside runs only against the benchmark database, not {name}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        self.say(f"migrated {Path(name).name} in {time.perf_counter() - started:.1f} s")
        # The benchmark measures the sweeps, not the broker: e-mail is not queued.
        from registry import notifications

        notifications._enqueue_delivery = lambda ids: None
        world = World.create()
        if self.only == "pdf":
            self.print_pdf(self.time_pdf(world))
            return
        generator = PostgresGenerator(world) if self.postgres else SqliteGenerator(world)
        # The EPJ client and its admitted patients: the same working set at every size.
        from rehab_portal import bench_api, bench_pages

        hospital = world.hospitals[0]
        api_key, _patients = bench_api.api_world(hospital, world.planners[hospital][0],
                                                 world.municipalities[0])
        bench_pages.archive_backlog(world)
        results, page_results = [], []
        for size in self.sizes:
            started = time.perf_counter()
            generator.fill_to(size)
            self.analyze()
            self.say(f"\n{size:,} admissions ready in {time.perf_counter() - started:.1f} s "
                     f"({generator.describe()})")
            results.append((size, self.measure()))
            started = time.perf_counter()
            pages = bench_pages.Pages(world, api_key, self.runs)
            page_results.append((size, pages.measure()))
            self.say(f"pages at {size:,} timed in {time.perf_counter() - started:.1f} s")
        for size, rows in results:
            self.print_table(size, rows)
        self.print_plans(results[-1])
        slow_pages = bench_pages.report(self.say, self.style, page_results)
        bench_pages.planner_report(self.say, pages)
        self.print_pdf(self.time_pdf(world))
        self.print_api(world, api_key)
        if slow_pages:
            self.say(self.style.ERROR(f"\npages above {bench_pages.TARGET_RATIO} x their time "
                                      f"at {self.sizes[0]:,}: {slow_pages}"))
        # Small tables are read whole whatever the indexes; the plans that count are the
        # largest size's.
        failures = [(size, row["sweep"]) for size, rows in results[-1:] for row in rows
                    if not row["ok"]]
        if failures:
            self.say(self.style.ERROR(f"\nplans without the sweep's index: {failures}"))
            raise CommandError("a sweep's main query does not use its index")
        self.say(self.style.SUCCESS(
            "\nevery sweep's main query reads its index; no big table is scanned"))

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if self.postgres else "ANALYZE")

    def measure(self) -> list[dict]:
        from common.sweeps import registered
        from registry.models import Notification

        # The sweeps' notifications go; the generated notices' own ones stay (see load()).
        Notification.objects.exclude(kind="early_notification.new",
                                     subject_type="earlynotification").delete()
        now = timezone.now()
        rows = []
        for sweep in registered("pathways"):
            queryset = sweep.due(now)
            timings, due = [], 0
            for _ in range(self.runs):
                started = time.perf_counter()
                due = len(list(queryset.all()))
                timings.append(time.perf_counter() - started)
            plan = queryset.explain(analyze=True) if self.postgres else queryset.explain()
            with CaptureQueriesContext(connection) as first_queries:
                started = time.perf_counter()
                created = sweep.run(now)
                first = time.perf_counter() - started
            with CaptureQueriesContext(connection) as again_queries:
                started = time.perf_counter()
                created_again = sweep.run(now)
                again = time.perf_counter() - started
            ok, index = judge(sweep.name, queryset.model._meta.db_table, plan, self.postgres)
            rows.append({
                "sweep": sweep.name, "due": due, "median_ms": statistics.median(timings) * 1000,
                "created": created, "first_ms": first * 1000, "first_q": len(first_queries),
                "created_again": created_again, "again_ms": again * 1000,
                "again_q": len(again_queries), "ok": ok, "index": index, "plan": plan,
            })
        return rows

    def print_table(self, size: int, rows: list[dict]) -> None:
        header = (f"{'sweep':<27} {'due':>6} {'query ms':>9} {'1st run ms':>10} {'sent':>6} "
                  f"{'q':>3} {'rerun ms':>9} {'sent':>5} {'q':>3}  plan")
        self.say(f"\n{size:,} admissions ({'PostgreSQL' if self.postgres else 'SQLite'}, "
                 f"median of {self.runs} runs; 'q' = queries of a whole sweep run)")
        self.say(header)
        self.say("-" * len(header + " index scan on admission_notice_due_idx"))
        for r in rows:
            verdict = (f"index scan on {r['index']}" if r["ok"]
                       else self.style.ERROR(f"NO INDEX ({r['index']} expected)"))
            self.say(f"{r['sweep']:<27} {r['due']:>6} {r['median_ms']:>9.2f} "
                     f"{r['first_ms']:>10.1f} {r['created']:>6} {r['first_q']:>3} "
                     f"{r['again_ms']:>9.1f} {r['created_again']:>5} {r['again_q']:>3}  "
                     f"{verdict}")

    def time_pdf(self, world: "World") -> dict:
        """A 30-measure plan of a synthetic patient, downloaded as PDF by its KE through the
        view: first and repeated download (rehab_portal/bench_pdf.py)."""
        from pathways.identity import make_synthetic_identity_number
        from pathways.models import CareRelationshipReason, Patient
        from pathways.services import grant_care_relationship
        from registry.models import User
        from rehab_portal import bench_pdf

        ke = User.objects.get(pk=world.ke_staff)
        patient = Patient.objects.filter(municipality_id=world.municipalities[0]).first()
        if patient is None:  # --only pdf: no admissions were generated
            birth = datetime.date(1950, 3, 14)
            patient = Patient.objects.create(
                identity_number=make_synthetic_identity_number(birth, 400), given_name="Pdf",
                family_name="Bench", birth_date=birth, municipality_id=world.municipalities[0])
        grant_care_relationship(patient, patient.municipality, CareRelationshipReason.RESIDENCE,
                                by=ke)
        plan = pdf_plan(patient, ke, measures=30)
        return bench_pdf.measure(plan, ke, self.runs)

    def print_pdf(self, result: dict) -> None:
        from rehab_portal import bench_pdf

        bench_pdf.report(self.say, self.style, result)

    def print_api(self, world: "World", key: str) -> None:
        from rehab_portal import bench_api

        patients = bench_api.PATIENTS
        result = bench_api.measure_throughput(key)
        self.say(f"\nAPI: {bench_api.REQUESTS} requests each, one client over TCP to gunicorn "
                 f"(production settings, one sync worker, database connections kept open as "
                 f"docker-compose.yml keeps them; {patients} admitted patients visible to the "
                 f"client)")
        for label, name in (("GET /api/v1/ (trivial)", "trivial"),
                            ("GET /api/v1/admissions/?page_size=100", "list")):
            row = result[name]
            self.say(f"{label:<40} {row['per_second']:>7.1f} req/s  "
                     f"median {row['median_ms']:.1f} ms")
        ratio = result["ratio"]
        verdict = "ok" if ratio >= bench_api.TARGET_RATIO else "BELOW TARGET"
        self.say(f"100-item list / trivial endpoint: {ratio:.2f} of the throughput "
                 f"(target >= {bench_api.TARGET_RATIO}): {verdict}")
        for name, label in (("per_request", "gunicorn with a new database connection per "
                                              "request (DATABASE_CONN_MAX_AGE=0, the default)"),
                            ("threaded", "the threaded development server (a new connection "
                                         "per request)")):
            other = result[name]
            self.say(f"the same on {label}: {other['trivial']['per_second']:.1f} and "
                     f"{other['list']['per_second']:.1f} req/s, {other['ratio']:.2f}")
        profile = bench_api.profile_list(key)
        self.say(f"\nprofile of GET /api/v1/admissions/?page_size=100 ({profile['requests']} "
                 f"requests, cProfile, in process): {profile['per_request_ms']:.1f} ms each")
        for label, ms, share in profile["parts"]:
            self.say(f"  {label:<50} {ms:>7.1f} ms  {share:>5.0%}")
        self.say("  heaviest functions (own time per request):")
        for name, ms in profile["heaviest"]:
            self.say(f"    {ms:>6.2f} ms  {name}")
        counts = bench_api.query_counts(key)
        sizes = " ".join(f"{f'page {size}':>14}" for size in bench_api.PAGE_SIZES)
        self.say(f"\nqueries (reads) per list request, rows  {sizes}")
        growing = []
        for name, row in counts.items():
            self.say(f"{name:<39} " + " ".join(
                f"{f'{total} ({reads}), {rows}':>14}" for total, reads, rows in row))
            writes = {total - reads for total, reads, _rows in row}
            if len({reads for _total, reads, _rows in row}) > 1 or (
                    self.postgres and len(writes) > 1):
                growing.append(name)
        if growing:
            raise CommandError(f"query counts grow with the page size: {growing}")
        self.say(self.style.SUCCESS("no list's reads grow with the page size" + (
            "" if self.postgres else " (SQLite splits a bulk INSERT above 999 parameters)")))

    def print_plans(self, result) -> None:
        size, rows = result
        kind = "EXPLAIN ANALYZE" if self.postgres else "EXPLAIN QUERY PLAN"
        for r in rows:
            self.say(f"\n--- {r['sweep']}: {kind} at {size:,} admissions")
            self.say(r["plan"])


def expected_indexes() -> dict[str, str]:
    from pathways.models import Admission, DischargeMeeting

    def named(model, fields):
        return next(i.name for i in model._meta.indexes if list(i.fields) == fields)

    meetings = named(DischargeMeeting, ["status", "scheduled_at"])
    status = named(Admission, ["status", "estimated_discharge_date"])
    return {
        "early_notification_missing": "admission_notice_due_idx",
        "notice_unacknowledged": "notice_unacknowledged_idx",
        # Or the open admissions' status index: they are a small working set at any size.
        "ready_unanswered": f"(?:ready_unanswered_idx|{status})",
        "meeting_prompt": status,
        "meeting_reminder": meetings,
        "minutes_missing": meetings,
        "follow_up": "admission_discharged_idx",
    }


def judge(sweep: str, table: str, plan: str, postgres: bool) -> tuple[bool, str]:
    """The plan reads the sweep's index and scans no big table from end to end.

    SQLite cannot prove that `status IN (?, ?)` with bound parameters implies a partial
    index's `status IN ('admitted', ...)`, so there any index search on the sweep's table
    passes, and the table says which index it was.
    """
    # A kind not named in expected_indexes passes on any index, never on a big table's scan.
    index = expected_indexes().get(sweep, r"\w+")
    tables = "|".join(BIG_TABLES)
    if postgres:
        uses_index = re.search(rf"Index (Only )?Scan( Backward)? using {index}\b", plan) \
            or re.search(rf"Bitmap Index Scan on {index}\b", plan)
        full_scan = re.search(rf"Seq Scan on ({tables})\b", plan)
        return bool(uses_index) and not full_scan, index
    full_scan = re.search(rf"\bSCAN ({tables})\b(?! USING)", plan)
    used = re.search(rf"SEARCH {table} USING (?:COVERING )?INDEX (\w+)", plan)
    if used and not re.fullmatch(index, used.group(1)):
        return not full_scan, f"{used.group(1)} (SQLite: not {index})"
    return bool(used) and not full_scan, index


# -- Synthetic data ---------------------------------------------------------------------------

def pdf_plan(patient, by, measures: int):
    """An individual plan with goals, `measures` measures, a group, consent and an evaluation."""
    from coordination.models import (
        Consent,
        Evaluation,
        Goal,
        IndividualPlan,
        Measure,
        PlanParticipant,
    )
    from registry.models import ServiceLevel, ServiceOffering

    today = timezone.localdate()
    plan = IndividualPlan.objects.create(
        patient=patient, municipality=patient.municipality, status="active",
        what_matters="Å klare meg selv hjemme", period_start=today,
        period_end=today + datetime.timedelta(days=365),
        next_evaluation_on=today + datetime.timedelta(days=90))
    goals = [Goal.objects.create(plan=plan, text=f"Mål {g + 1} med pasientens egne ord",
                                 position=g) for g in range(3)]
    for g, goal in enumerate(goals):
        Goal.objects.create(plan=plan, parent=goal, text=f"Delmål {g + 1}.1", position=0,
                            target_date=today + datetime.timedelta(days=30 * (g + 1)))
    service = ServiceOffering.objects.create(provider=patient.municipality,
                                             level=ServiceLevel.objects.get(code="3"),
                                             name="Hverdagsrehabilitering")
    Measure.objects.bulk_create([Measure(
        plan=plan, goal=goals[i % len(goals)], service=service if i % 2 else None,
        description=f"Tiltak {i + 1}: gangtrening, styrke og balanse",
        responsible_person="Fysioterapeut", responsible_organization=patient.municipality,
        extent="2 ganger i uka", starts_on=today, ends_on=today + datetime.timedelta(days=90),
        position=i) for i in range(measures)])
    PlanParticipant.objects.create(plan=plan, kind="coordinator", name="Koordinator",
                                   organization=patient.municipality, contribution="Leder")
    Consent.objects.create(plan=plan, organization=patient.municipality, scope="plan",
                           method="written", given_at=timezone.now(), recorded_by=by)
    Evaluation.objects.create(plan=plan, evaluated_on=today, summary="God framgang",
                              evaluated_by=by)
    return plan


class World:
    """Organisations and staff: health trusts with hospitals and wards, municipalities,
    planners per ward and per hospital, KE staff per municipality and trust."""

    def __init__(self, hospitals, municipalities, planners, ke_staff, ke_by_org):
        self.hospitals = hospitals
        self.municipalities = municipalities
        self.planners = planners  # hospital id -> planner user ids
        self.ke_staff = ke_staff  # any KE user id, for answers and acknowledgements
        self.ke_by_org = ke_by_org

    @classmethod
    def create(cls) -> "World":
        from registry.models import Membership, Organization, OrganizationKind, Region, Role, User
        from registry.validators import synthetic_orgnr

        seq = iter(range(50_000, 60_000))

        def org(kind, name, **fields):
            n = next(seq)
            return Organization.objects.create(kind=kind, name=name, orgnr=synthetic_orgnr(n),
                                               region=Region.NORTH, **fields)

        def staff(username, organization, role, ward=""):
            user = User.objects.create(username=username, email=f"{username}@bench.example",
                                       first_name="Bench", last_name=username)
            Membership.objects.create(user=user, organization=organization, role=role,
                                      ward=ward)
            return user.pk

        rhf = org(OrganizationKind.REGIONAL_HEALTH_AUTHORITY, "Bench RHF")
        hospitals, planners, ke_by_org = [], {}, {}
        for t in range(TRUSTS):
            trust = org(OrganizationKind.HEALTH_TRUST, f"Bench HF {t}", parent=rhf)
            ke_by_org[trust.pk] = [staff(f"ke_hf{t}", trust, Role.KE_STAFF)]
            for h in range(HOSPITALS_PER_TRUST):
                hospital = org(OrganizationKind.HOSPITAL, f"Bench sykehus {t}.{h}", parent=trust)
                hospitals.append(hospital.pk)
                planners[hospital.pk] = [staff(f"planner_{t}_{h}", hospital,
                                               Role.DISCHARGE_PLANNER)] + [
                    staff(f"planner_{t}_{h}_{w}", hospital, Role.DISCHARGE_PLANNER,
                          ward=f"Sengepost {w}") for w in range(WARDS)]
        municipalities = []
        for m in range(MUNICIPALITIES):
            municipality = org(OrganizationKind.MUNICIPALITY, f"Bench kommune {m}",
                               municipality_number=f"{9000 + m}", population=10_000 + m)
            municipalities.append(municipality.pk)
            ke_by_org[municipality.pk] = [staff(f"ke_{m}_{k}", municipality, Role.KE_STAFF)
                                          for k in range(2)]
        ke_staff = ke_by_org[municipalities[0]][0]
        return cls(hospitals, municipalities, planners, ke_staff, ke_by_org)


def _fill(model, given: dict[str, str]) -> tuple[str, str, dict]:
    """Column list and SELECT expressions for INSERT ... SELECT: the given expressions, and
    for any other NOT NULL column (a field added later) its default, so a new field does
    not break the benchmark."""
    columns, expressions, params = [], [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in given:
            columns.append(field.column)
            expressions.append(given[field.column])
        elif not field.null:
            if field.has_default() and not callable(field.default):
                value = field.default
            elif isinstance(field, models.CharField | models.TextField):
                value = ""
            else:
                raise CommandError(f"bench: no value for {model.__name__}.{field.name}")
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(value, connection)
            columns.append(field.column)
            expressions.append(f"%({key})s")
    return ", ".join(columns), ", ".join(expressions), params


TRACKED = {"uuid": "gen_random_uuid()", "created_at": "now()", "updated_at": "now()"}


class PostgresGenerator:
    """INSERT ... SELECT over generate_series: a million admissions in well under a minute.

    The first OPEN_ADMISSIONS admission numbers g are open (a fifth of them never notified,
    admitted in the last 40 hours: due reminders, alerts and escalations; the others notified,
    a fifth of them ready for discharge); every later one is history (admitted over five
    years, discharged, notified but for 1 %, and 1 % of those notices never acknowledged), a
    tenth of them rehabilitation stays. Notices, declarations, answers, meetings, the
    hospital's and the municipality's care relationships, and the KE's in-app notification
    of each notice follow the admissions.
    """

    def __init__(self, world: World):
        self.world = world
        self.count = 0
        self.timings = []

    def describe(self) -> str:
        totals: dict[str, float] = {}
        for name, seconds in self.timings:
            totals[name] = totals.get(name, 0) + seconds
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in totals.items())

    def insert(self, name: str, model, given: dict[str, str], tail: str, params: dict) -> None:
        """INSERT INTO <model's table> (...) SELECT <given expressions> <tail>."""
        columns, select, defaults = _fill(model, given)
        sql = f"INSERT INTO {model._meta.db_table} ({columns}) SELECT {select} {tail}"  # noqa: S608 - this module's constants
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, {**params, **defaults})
        self.timings.append((name, time.perf_counter() - started))

    def fill_to(self, size: int) -> None:
        if size <= self.count:
            return
        self.timings = []
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute("SET maintenance_work_mem = '256MB'")
        if size - self.count < BULK_LOAD:
            self.load(size)
            return
        # A big load is faster into tables without their secondary indexes, built after.
        started = time.perf_counter()
        indexes = self.secondary_indexes()
        with connection.cursor() as cursor:
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        dropping = time.perf_counter() - started
        self.load(size)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
        self.timings.append(("indexes", dropping + time.perf_counter() - started))

    def secondary_indexes(self) -> list[tuple[str, str]]:
        """Indexes of the generated tables that back no constraint (unique and primary keys
        stay: the load's joins use them)."""
        from pathways.models import (
            Admission,
            CareRelationship,
            DischargeMeeting,
            EarlyNotification,
            MunicipalAnswer,
            Patient,
            ReadyForDischarge,
        )
        from registry.models import Notification

        tables = [m._meta.db_table for m in (Patient, Admission, EarlyNotification,
                                             ReadyForDischarge, MunicipalAnswer,
                                             DischargeMeeting, CareRelationship, Notification)]
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid::regclass::text = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY c.relname
            """, [tables])
            return cursor.fetchall()

    def load(self, size: int) -> None:
        from pathways.models import (
            Admission,
            CareRelationship,
            DischargeMeeting,
            EarlyNotification,
            MeetingParticipant,
            MunicipalAnswer,
            Patient,
            ReadyForDischarge,
        )
        from registry.models import Notification

        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM pathways_admission")
            first_admission = cursor.fetchone()[0]
        world = self.world
        params = {
            "start": self.count, "end": size - 1, "hospitals": world.hospitals,
            "n_hospitals": len(world.hospitals), "municipalities": world.municipalities,
            "n_municipalities": len(world.municipalities), "wards": WARDS,
            "first": first_admission, "ke": world.ke_staff,
            "planner": world.planners[world.hospitals[0]][0], "open": OPEN_ADMISSIONS,
            "ke_of": [world.ke_by_org[m][0] for m in world.municipalities],
        }
        self.insert("patients", Patient, {
            **TRACKED, "identity_number": "'9' || lpad(g::text, 10, '0')",
            "given_name": "'Syntetisk'", "family_name": "'Pasient ' || g",
            "birth_date": "date '1930-01-01' + mod(g, 25000)",
            "municipality_id": "(%(municipalities)s::bigint[])[1 + mod(g, %(n_municipalities)s)]",
        }, "FROM generate_series(%(start)s, %(end)s) AS g", params)

        # One row per g with its random draws; `bucket` decides the share it belongs to.
        history = "bucket >= 10"
        self.insert("admissions", Admission, {
            **TRACKED, "patient_id": "p.id",
            "hospital_id": "(%(hospitals)s::bigint[])[1 + mod(g, %(n_hospitals)s)]",
            "municipality_id": "p.municipality_id",
            "ward": "'Sengepost ' || mod(g / %(n_hospitals)s, %(wards)s)",
            "admitted_at": "admitted", "notification_deadline": "admitted + interval '24 hours'",
            "status": """CASE WHEN bucket < 8 THEN 'admitted'
                              WHEN bucket < 10 THEN 'ready_for_discharge'
                              WHEN r3 < 0.95 THEN 'discharged'
                              WHEN r3 < 0.98 THEN 'deceased' ELSE 'transferred' END""",
            "first_notification_sent_at": f"""CASE WHEN bucket < 2 THEN NULL
                              WHEN {history} AND r4 > 0.99 THEN NULL
                              ELSE least(now(), admitted + r4 * interval '30 hours') END""",
            "discharged_at": f"CASE WHEN {history} THEN admitted + (1 + r2 * 20) "
                             "* interval '1 day' END",
            "estimated_discharge_date": f"""CASE WHEN {history}
                              THEN (admitted + (1 + r2 * 20) * interval '1 day')::date
                              ELSE current_date + mod(g, 10) - 2 END""",
            "needs_interdisciplinary_follow_up": "mod(g, 5) = 0",
            "is_rehabilitation_stay": "mod(g, 10) = 3",
        }, """
            FROM (SELECT g, bucket, random() AS r2, random() AS r3, random() AS r4,
                         CASE WHEN bucket < 2 THEN now() - random() * interval '40 hours'
                              WHEN bucket < 10 THEN now() - random() * interval '10 days'
                              ELSE now() - interval '14 days' - random() * interval '5 years'
                         END AS admitted
                  FROM (SELECT g, CASE WHEN g < %(open)s THEN mod(g, 10)
                                       ELSE 10 + mod(g, 990) END AS bucket
                        FROM generate_series(%(start)s, %(end)s) AS g) AS b) AS s
            JOIN pathways_patient p ON p.identity_number = '9' || lpad(s.g::text, 10, '0')
        """, params)

        self.insert("notices", EarlyNotification, {
            **TRACKED, "admission_id": "a.id", "municipality_id": "a.municipality_id",
            "sequence": "1", "message_status": "'new'",
            "state": "'sent'", "sent_at": "a.first_notification_sent_at",
            "sent_by_id": "%(planner)s",
            "late": "a.first_notification_sent_at > a.notification_deadline",
            "acknowledged_at": "a.acknowledged",
            "acknowledged_by_id": "CASE WHEN a.acknowledged IS NOT NULL THEN %(ke)s END",
        }, """
            FROM (SELECT a.*,
                         -- acknowledged, except a third of those sent in the last day
                         -- and one in a hundred of the past stays' (forgotten for good)
                         CASE WHEN a.first_notification_sent_at > now() - interval '24 hours'
                                   AND random() < 0.33 THEN NULL
                              WHEN a.discharged_at IS NOT NULL AND random() < 0.01 THEN NULL
                              ELSE least(now(), a.first_notification_sent_at
                                                + random() * interval '6 hours')
                         END AS acknowledged
                  FROM pathways_admission a
                  WHERE a.id > %(first)s AND a.first_notification_sent_at IS NOT NULL) AS a
        """, params)

        # The hospital and the municipality see the patient from the admission on (as
        # admit_patient grants), and the KE got each notice in the portal (read once acknowledged).
        for name, organization in (("relationships", "a.hospital_id"),
                                   ("relationships", "a.municipality_id")):
            self.insert(name, CareRelationship, {
                "uuid": "gen_random_uuid()", "patient_id": "a.patient_id",
                "organization_id": organization, "reason": "'admission'",
                "valid_from": "a.admitted_at", "created_at": "now()",
            }, "FROM pathways_admission a WHERE a.id > %(first)s", params)
        self.insert("notifications", Notification, {
            "uuid": "gen_random_uuid()", "recipient_id": "k.ke", "kind": "'early_notification.new'",
            "channel": "'in_app'", "subject_type": "'earlynotification'", "subject_uuid": "n.uuid",
            "patient_uuid": "p.uuid", "title": "'Tidligmelding'", "url": "'/'",
            "created_at": "n.sent_at", "read_at": "n.acknowledged_at",
            "delivery_status": "'delivered'", "delivered_at": "n.sent_at",
        }, """
            FROM pathways_earlynotification n
            JOIN pathways_admission a ON a.id = n.admission_id
            JOIN pathways_patient p ON p.id = a.patient_id
            JOIN unnest(%(municipalities)s::bigint[], %(ke_of)s::bigint[]) AS k(org, ke)
              ON k.org = a.municipality_id
            WHERE a.id > %(first)s
        """, params)

        # Declarations: every open one ready for discharge (declared in the last 12 hours),
        # a quarter of the history (declared the day before discharge).
        self.insert("declarations", ReadyForDischarge, {
            **TRACKED, "admission_id": "a.id", "physician": "'Lege'",
            "declared_at": """CASE WHEN a.status = 'ready_for_discharge'
                                   THEN now() - random() * interval '12 hours'
                                   ELSE a.discharged_at - random() * interval '1 day' END""",
        }, """
            FROM pathways_admission a WHERE a.id > %(first)s AND
                 (a.status = 'ready_for_discharge'
                  OR (a.discharged_at IS NOT NULL AND mod(a.id, 4) = 0))
        """, params)
        # Answered: the history, and half of the open declarations.
        self.insert("answers", MunicipalAnswer, {
            "uuid": "gen_random_uuid()", "declaration_id": "d.id", "kind": "'can_receive'",
            "receive_on": "d.declared_at::date",
            "answered_at": "least(now(), d.declared_at + random() * interval '3 hours')",
            "answered_by_id": "%(ke)s",
        }, """
            FROM pathways_readyfordischarge d JOIN pathways_admission a ON a.id = d.admission_id
            WHERE a.id > %(first)s AND (a.status <> 'ready_for_discharge' OR mod(a.id, 2) = 0)
        """, params)

        # Meetings: held with minutes for the history that needed them; for open admissions
        # that need one, a third scheduled ahead, a third past without minutes, a third none.
        self.insert("meetings", DischargeMeeting, {
            **TRACKED, "admission_id": "a.id", "organizer_id": "%(planner)s",
            "duration_minutes": "60", "location": "'Møterom 1'",
            "scheduled_at": """CASE WHEN a.discharged_at IS NOT NULL
                                    THEN a.discharged_at - interval '1 day'
                                    WHEN mod(a.id, 3) = 0
                                    THEN now() + random() * interval '3 days'
                                    ELSE now() - interval '1 hour'
                                         - random() * interval '3 days' END""",
            "status": "CASE WHEN a.discharged_at IS NOT NULL THEN 'held' ELSE 'scheduled' END",
            "minutes": "CASE WHEN a.discharged_at IS NOT NULL THEN 'Referat' ELSE '' END",
            "minutes_recorded_at": "CASE WHEN a.discharged_at IS NOT NULL "
                                   "THEN a.discharged_at - interval '20 hours' END",
        }, """
            FROM pathways_admission a
            WHERE a.id > %(first)s AND a.needs_interdisciplinary_follow_up
              AND (a.discharged_at IS NOT NULL
                   OR (a.status IN ('admitted', 'ready_for_discharge') AND mod(a.id, 3) <> 2))
        """, params)
        scheduled = """
            FROM pathways_dischargemeeting m
            WHERE m.status = 'scheduled' AND m.admission_id > %(first)s
        """
        self.insert("participants", MeetingParticipant, {
            "uuid": "gen_random_uuid()", "meeting_id": "m.id", "kind": "'coordinating_unit'",
            "user_id": "%(ke)s", "name": "'KE'", "status": "'accepted'",
        }, scheduled, params)
        self.insert("participants", MeetingParticipant, {
            "uuid": "gen_random_uuid()", "meeting_id": "m.id", "kind": "'gp'",
            "name": "'Fastlege'", "email": "'fastlege' || m.id || '@bench.example'",
            "status": "'invited'",
        }, scheduled, params)
        self.count = size


class SqliteGenerator:
    """The same shares as PostgresGenerator, from Python, in chunked bulk inserts."""

    CHUNK = 2_000

    def __init__(self, world: World):
        self.world = world
        self.count = 0
        self.random = random.Random(42)  # noqa: S311 - synthetic data, not security
        self.seconds = 0.0

    def describe(self) -> str:
        return f"bulk inserts {self.seconds:.1f} s"

    def fill_to(self, size: int) -> None:
        started = time.perf_counter()
        for start in range(self.count, size, self.CHUNK):
            self.chunk(range(start, min(start + self.CHUNK, size)))
        self.count = max(self.count, size)
        self.seconds = time.perf_counter() - started

    def chunk(self, numbers: range) -> None:
        from pathways.models import (
            Admission,
            CareRelationship,
            DischargeMeeting,
            EarlyNotification,
            MeetingParticipant,
            MunicipalAnswer,
            Patient,
            ReadyForDischarge,
        )

        rnd, world, now = self.random.random, self.world, timezone.now()
        hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
        planner = world.planners[world.hospitals[0]][0]
        patients = Patient.objects.bulk_create([Patient(
            identity_number=f"9{g:010d}", given_name="Syntetisk", family_name=f"Pasient {g}",
            birth_date=datetime.date(1930, 1, 1) + datetime.timedelta(days=g % 25_000),
            municipality_id=world.municipalities[g % len(world.municipalities)],
        ) for g in numbers])
        admissions = []
        for g, patient in zip(numbers, patients, strict=True):
            bucket = g % 10 if g < OPEN_ADMISSIONS else 10 + g % 990
            history = bucket >= 10
            if bucket < 2:
                admitted = now - rnd() * 40 * hour
            elif bucket < 10:
                admitted = now - rnd() * 10 * day
            else:
                admitted = now - 14 * day - rnd() * 5 * 365 * day
            r3 = rnd()
            status = ("admitted" if bucket < 8 else "ready_for_discharge" if bucket < 10
                      else "discharged" if r3 < 0.95 else "deceased" if r3 < 0.98
                      else "transferred")
            sent = None if bucket < 2 or (history and rnd() > 0.99) else \
                min(now, admitted + rnd() * 30 * hour)
            discharged = admitted + (1 + rnd() * 20) * day if history else None
            admissions.append(Admission(
                patient=patient, hospital_id=world.hospitals[g % len(world.hospitals)],
                municipality_id=patient.municipality_id,
                ward=f"Sengepost {g // len(world.hospitals) % WARDS}", admitted_at=admitted,
                notification_deadline=admitted + 24 * hour, status=status,
                first_notification_sent_at=sent, discharged_at=discharged,
                estimated_discharge_date=(discharged.date() if discharged else
                                          (now + (g % 10 - 2) * day).date()),
                needs_interdisciplinary_follow_up=g % 5 == 0, is_rehabilitation_stay=g % 10 == 3,
            ))
        admissions = Admission.objects.bulk_create(admissions)
        CareRelationship.objects.bulk_create([CareRelationship(
            patient_id=a.patient_id, organization_id=organization, reason="admission",
            valid_from=a.admitted_at) for a in admissions
            for organization in (a.hospital_id, a.municipality_id)])
        notices, declarations, meetings = [], [], []
        for a in admissions:
            if a.first_notification_sent_at:
                unacknowledged = (a.first_notification_sent_at > now - 24 * hour
                                  and rnd() < 0.33) or (a.discharged_at and rnd() < 0.01)
                notices.append(EarlyNotification(
                    admission=a, municipality_id=a.municipality_id, state="sent",
                    sent_at=a.first_notification_sent_at,
                    sent_by_id=planner, late=a.first_notification_sent_at
                    > a.notification_deadline,
                    acknowledged_at=None if unacknowledged else
                    min(now, a.first_notification_sent_at + rnd() * 6 * hour),
                    acknowledged_by_id=None if unacknowledged else world.ke_staff))
            if a.status == "ready_for_discharge" or (a.discharged_at and a.pk % 4 == 0):
                declarations.append(ReadyForDischarge(
                    admission=a, physician="Lege",
                    declared_at=now - rnd() * 12 * hour if a.status == "ready_for_discharge"
                    else a.discharged_at - rnd() * day))
            if a.needs_interdisciplinary_follow_up and (a.discharged_at or a.pk % 3 != 2):
                held = a.discharged_at is not None
                meetings.append(DischargeMeeting(
                    admission=a, organizer_id=planner, location="Møterom 1",
                    scheduled_at=(a.discharged_at - day if held else
                                  now + rnd() * 3 * day if a.pk % 3 == 0 else
                                  now - hour - rnd() * 3 * day),
                    status="held" if held else "scheduled", minutes="Referat" if held else "",
                    minutes_recorded_at=a.discharged_at - 20 * hour if held else None))
        EarlyNotification.objects.bulk_create(notices)
        declarations = ReadyForDischarge.objects.bulk_create(declarations)
        MunicipalAnswer.objects.bulk_create([MunicipalAnswer(
            declaration=d, kind="can_receive", receive_on=d.declared_at.date(),
            answered_at=min(now, d.declared_at + rnd() * 3 * hour),
            answered_by_id=world.ke_staff,
        ) for d in declarations
            if d.admission.status != "ready_for_discharge" or d.admission.pk % 2 == 0])
        meetings = DischargeMeeting.objects.bulk_create(meetings)
        MeetingParticipant.objects.bulk_create([participant for m in meetings
                                                if m.status == "scheduled" for participant in (
            MeetingParticipant(meeting=m, kind="coordinating_unit", user_id=world.ke_staff,
                               name="KE", status="accepted"),
            MeetingParticipant(meeting=m, kind="gp", name="Fastlege",
                               email=f"fastlege{m.pk}@bench.example"))])
