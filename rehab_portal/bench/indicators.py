"""The indicators part of `make bench` (issue 13): the nightly computation over every size's
admissions, a nightly run after a day's few changes, and the regional dashboard's response.

Targets: the full computation's time per admission at the largest size at most 1.5 x its
time per admission at the smallest (linear or better), the full run at 1 000 000 admissions
under two minutes, and the regional dashboard at the largest size at most 1.5 x its time at
the smallest (it reads the monthly figures, never the admissions).
"""

import datetime
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

PER_ADMISSION_RATIO = 1.5
FULL_RUN_SECONDS_AT_1M = 120
DASHBOARD_RATIO = 1.5
DASHBOARD_RUNS = 7
CHANGED_ADMISSIONS = 50  # what a quiet day changes, for the incremental run


def setup(world) -> Client:
    """The bench region's population (synthetic, as its municipalities are: the bench's
    numbers 9000-9039 belong to no real municipality), each municipality's cooperation
    agreement with a health trust, and a regional planner signed in."""
    from indicators.models import PopulationFigure
    from registry.models import (
        CooperationAgreement,
        Membership,
        Organization,
        OrganizationKind,
        Role,
        User,
    )

    trusts = list(Organization.objects.filter(kind=OrganizationKind.HEALTH_TRUST,
                                              name__startswith="Bench HF").order_by("pk"))
    municipalities = list(Organization.objects.filter(pk__in=world.municipalities))
    year = timezone.localdate().year
    PopulationFigure.objects.bulk_create([
        PopulationFigure(municipality_number=m.municipality_number, year=y, kind="registered",
                         population=m.population, table="07459",
                         source="make bench: synthetic population of a bench municipality")
        for m in municipalities for y in range(year - 3, year + 1)], ignore_conflicts=True)
    CooperationAgreement.objects.bulk_create([
        CooperationAgreement(health_trust=trusts[i % len(trusts)], municipality=m,
                             early_notification_hours=24)
        for i, m in enumerate(municipalities)], ignore_conflicts=True)
    rhf = Organization.objects.get(kind=OrganizationKind.REGIONAL_HEALTH_AUTHORITY,
                                   name="Bench RHF")
    planner, _ = User.objects.get_or_create(username="bench_regional",
                                            defaults={"first_name": "Bench"})
    Membership.objects.get_or_create(user=planner, organization=rhf,
                                     role=Role.REGIONAL_PLANNER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(planner)
    return client


def measure(client: Client, admissions: int) -> dict:
    """The full computation, an incremental run after CHANGED_ADMISSIONS changes, and the
    regional dashboard (this year's figures, median of DASHBOARD_RUNS)."""
    from indicators import services
    from pathways.models import Admission

    started = time.perf_counter()
    run = services.compute(full=True)
    full = time.perf_counter() - started
    # A quiet day's changes: the latest admissions (this month's and last month's).
    changed = list(Admission.objects.order_by("-admitted_at").values_list("pk", flat=True)
                   [:CHANGED_ADMISSIONS])
    Admission.objects.filter(pk__in=changed).update(
        updated_at=timezone.now() + datetime.timedelta(seconds=1))
    later = timezone.now() + datetime.timedelta(minutes=5)  # past the settle margin
    started = time.perf_counter()
    incremental = services.compute(now=later)
    nightly = time.perf_counter() - started
    url = f"/indicators/?period={timezone.localdate().year}"
    response = client.get(url)  # warm: templates, reference data
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    timings = []
    for _ in range(DASHBOARD_RUNS):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {"admissions": admissions, "full_s": full, "full_rows": run.rows,
            "full_months": run.months, "nightly_s": nightly, "nightly_months": incremental.months,
            "dashboard_ms": statistics.median(timings) * 1000, "dashboard_q": len(queries)}


def report(say, style, results: list[dict]) -> None:
    if not results:
        return
    say("\nIndicators: the nightly computation and the regional dashboard (issue 13)")
    say(f"{'admissions':>12} {'full run':>10} {'µs/adm.':>8} {'figures':>8} {'months':>6} "
        f"{'nightly':>9} {'months':>6} {'dashboard':>10} {'queries':>7}")
    for r in results:
        say(f"{r['admissions']:>12,} {r['full_s']:>9.1f}s "
            f"{r['full_s'] / r['admissions'] * 1e6:>8.1f} {r['full_rows']:>8,} "
            f"{r['full_months']:>6} {r['nightly_s']:>8.2f}s {r['nightly_months']:>6} "
            f"{r['dashboard_ms']:>8.1f}ms {r['dashboard_q']:>7}")
    first, last = results[0], results[-1]
    per_first = first["full_s"] / first["admissions"]
    per_last = last["full_s"] / last["admissions"]
    ratio = per_last / per_first if per_first else 0.0
    verdict = "ok" if ratio <= PER_ADMISSION_RATIO else "ABOVE TARGET"
    say(f"time per admission at {last['admissions']:,} / at {first['admissions']:,}: "
        f"{ratio:.2f} (target ≤ {PER_ADMISSION_RATIO}) {verdict}")
    if last["admissions"] >= 1_000_000:
        verdict = "ok" if last["full_s"] < FULL_RUN_SECONDS_AT_1M else "ABOVE TARGET"
        say(f"full run at {last['admissions']:,}: {last['full_s']:.1f} s "
            f"(target < {FULL_RUN_SECONDS_AT_1M} s) {verdict}")
    ratio = last["dashboard_ms"] / first["dashboard_ms"] if first["dashboard_ms"] else 0.0
    verdict = "ok" if ratio <= DASHBOARD_RATIO else "ABOVE TARGET"
    say(f"regional dashboard at {last['admissions']:,} / at {first['admissions']:,}: "
        f"{ratio:.2f} (target ≤ {DASHBOARD_RATIO}) {verdict}"
        + ("" if last["dashboard_q"] == first["dashboard_q"] else
           style.ERROR(f"; queries {first['dashboard_q']} → {last['dashboard_q']}")))
