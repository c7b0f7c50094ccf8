"""The child process of `make bench`: generate the admissions, time the sweeps' queries and
runs, judge their plans, then the pages, the plan PDF and the API."""

import datetime
import re
import statistics
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .database import BENCH_DB, SQLITE_SIZES, parse_sizes
from .postgres_data import PostgresGenerator
from .sqlite_data import SqliteGenerator
from .world import World, pdf_plan

# Tables whose sequential scan in a sweep's plan would grow with the history.
BIG_TABLES = ("pathways_admission", "pathways_patient", "pathways_earlynotification",
              "pathways_readyfordischarge", "pathways_municipalanswer",
              "pathways_dischargemeeting", "registry_notification")


class Bench:
    def __init__(self, command: BaseCommand, options):
        self.out = command.stdout
        self.style = command.style
        self.sizes = parse_sizes(options["sizes"]) or SQLITE_SIZES
        self.runs = options["runs"]
        self.only = options.get("only")
        self.plo_sizes = parse_sizes(options.get("plo_sizes"))
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
        if self.only == "referrals":
            self.bench_referrals(world)
            return
        if self.only == "plo":
            self.bench_plo(world)
            return
        generator = PostgresGenerator(world) if self.postgres else SqliteGenerator(world)
        # The EPJ client and its admitted patients: the same working set at every size.
        from . import api as bench_api
        from . import indicators as bench_indicators
        from . import pages as bench_pages
        from . import queue as bench_queue

        hospital = world.hospitals[0]
        api_key, _patients = bench_api.api_world(hospital, world.planners[hospital][0],
                                                 world.municipalities[0])
        if self.only == "api":
            self.analyze()
            self.print_api(world, api_key)
            return
        bench_pages.archive_backlog(world)
        bench_queue.make(world)
        results, page_results, indicator_results = [], [], []
        regional = bench_indicators.setup(world)
        for size in self.sizes:
            started = time.perf_counter()
            generator.fill_to(size)
            self.analyze()
            self.say(f"\n{size:,} admissions ready in {time.perf_counter() - started:.1f} s "
                     f"({generator.describe()})")
            results.append((size, self.measure()))
            started = time.perf_counter()
            pages = bench_pages.Pages(world, api_key, self.runs)
            page_results.append((size, pages.measure(pages.targets()
                                                     + bench_queue.targets(pages))))
            self.say(f"pages at {size:,} timed in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            indicator_results.append(bench_indicators.measure(regional, size))
            self.say(f"indicators at {size:,} timed in {time.perf_counter() - started:.1f} s")
        for size, rows in results:
            self.print_table(size, rows)
        self.print_plans(results[-1])
        slow_pages = bench_pages.report(self.say, self.style, page_results)
        bench_pages.planner_report(self.say, pages)
        bench_indicators.report(self.say, self.style, indicator_results)
        self.print_pdf(self.time_pdf(world))
        self.print_api(world, api_key)
        self.bench_referrals(world)
        self.bench_plo(world)
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

    def bench_referrals(self, world: "World") -> None:
        """Waiting lists and waiting times at 10 000 and 100 000 referrals (bench/referrals.py):
        a target missed is reported, as the pages' are."""
        from . import referrals as bench_referrals

        started = time.perf_counter()
        region = bench_referrals.Region(world)
        measured = []
        for size in bench_referrals.SIZES:
            region.fill_to(size)
            measured.append(bench_referrals.measure(region, size, self.runs))
        self.say(f"\nreferrals timed in {time.perf_counter() - started:.1f} s")
        slow = bench_referrals.report(self.say, self.style, measured)
        if slow:
            self.say(self.style.ERROR(f"referrals above target: {slow}"))

    def bench_plo(self, world: "World") -> None:
        """PLO messages received per second, with 1 000 and 100 000 in the log, and the
        administrator's log query explained (bench/plo.py): a target missed is reported."""
        from . import plo as bench_plo

        started = time.perf_counter()
        slow = bench_plo.run(world, self.say, self.style, self.runs,
                             sizes=self.plo_sizes or bench_plo.SIZES)
        self.say(f"\nPLO messages timed in {time.perf_counter() - started:.1f} s")
        if slow:
            self.say(self.style.ERROR(f"PLO above target: {slow}"))

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
        view: first and repeated download (rehab_portal/bench/pdf.py)."""
        from pathways.identity import make_synthetic_identity_number
        from pathways.models import CareRelationshipReason, Patient
        from pathways.services import grant_care_relationship
        from registry.models import User

        from . import pdf as bench_pdf

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
        from . import pdf as bench_pdf

        bench_pdf.report(self.say, self.style, result)

    def print_api(self, world: "World", key: str) -> None:
        from . import api as bench_api

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
