"""The referrals part of `make bench` (issue 15): waiting lists and waiting times with 10 000
and 100 000 referrals.

The history is what a region accumulates over five years: most referrals closed (started,
declined, forwarded, withdrawn), while what is open now stays the same at both sizes (a
region's waiting lists do not grow with its history): WAITING patients accepted and waiting,
AWAITING referrals awaiting assessment. Timed at each size, the median of the runs:

- the waiting time of every service computed again (referrals.waiting.refresh_waiting_times,
  what each change to a list and the nightly task run);
- the busiest service's waiting list page as its keeper sees it (the web view);
- the receiving unit's inbox;
- the two deadline sweeps' due queries, with their plans (each must read its partial index);
- the three referral indicators over a year.

Targets: each at 100 000 at most 1.5 x its time at 10 000, with the same number of queries.
"""

import datetime
import itertools
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

SIZES = (10_000, 100_000)
TARGET_RATIO = 1.5
WAITING = 1_500  # accepted, on a waiting list, at any size
AWAITING = 300  # received, awaiting assessment, at any size
INSTITUTIONS = 7
MUNICIPAL_SERVICES = 40
PATIENTS = 20_000  # each referred to several services over the years
PER_DAY = 50  # referrals a day: a bigger size is a longer history, not a busier present


class Region:
    """The bench region's referral world: its RVE, a GP office, the seven institutions with a
    5.1 service each and municipal services on levels 1-4, their assessors, and patients."""

    def __init__(self, world):
        from pathways.identity import make_synthetic_identity_number
        from pathways.models import CareRelationship, CareRelationshipReason, Patient
        from registry.models import (
            Membership,
            Organization,
            OrganizationKind,
            Role,
            ServiceLevel,
            ServiceOffering,
            User,
        )
        from registry.models import (
            Region as RegionName,
        )
        from registry.validators import synthetic_orgnr

        seq = itertools.count(60_000)

        def org(kind, name):
            return Organization.objects.create(kind=kind, name=name, region=RegionName.NORTH,
                                               orgnr=synthetic_orgnr(next(seq)))

        def person(username, organization, role):
            user = User.objects.create(username=username, email=f"{username}@bench.example",
                                       first_name="Bench", last_name=username)
            Membership.objects.create(user=user, organization=organization, role=role)
            return user

        self.rve = org(OrganizationKind.ASSESSMENT_UNIT, "Bench RVE")
        self.rve_assessor = person("bench_rve", self.rve, Role.REFERRAL_ASSESSOR)
        self.gp_office = org(OrganizationKind.GP_OFFICE, "Bench legesenter")
        self.gp = person("bench_gp", self.gp_office, Role.GP)
        levels = {level.code: level for level in ServiceLevel.objects.all()}
        self.services = []
        for i in range(INSTITUTIONS):
            institution = org(OrganizationKind.PRIVATE_INSTITUTION, f"Bench institusjon {i}")
            self.services.append(ServiceOffering.objects.create(
                provider=institution, level=levels["5.1"], name=f"Bench opphold {i}"))
            if i == 0:
                self.keeper = person("bench_intake", institution, Role.REFERRAL_ASSESSOR)
        municipalities = Organization.objects.filter(pk__in=world.municipalities)
        for i, municipality in zip(range(MUNICIPAL_SERVICES), itertools.cycle(municipalities),
                                   strict=False):
            self.services.append(ServiceOffering.objects.create(
                provider=municipality, level=levels["1234"[i % 4]], name=f"Bench tjeneste {i}"))
        birth = datetime.date(1950, 1, 1)
        numbers, serial = [], 1
        while len(numbers) < PATIENTS:
            number = make_synthetic_identity_number(
                birth + datetime.timedelta(days=len(numbers) % 9000), 900 + serial)
            serial += 1
            if number is not None and number not in numbers[-50:]:
                numbers.append(number)
        numbers = list(dict.fromkeys(numbers))
        taken = set(Patient.objects.filter(identity_number__in=numbers)
                    .values_list("identity_number", flat=True))
        municipality_ids = list(world.municipalities)
        Patient.objects.bulk_create([
            Patient(identity_number=number, given_name="Henvist", family_name=f"Bench{i}",
                    birth_date=birth, municipality_id=municipality_ids[i % len(municipality_ids)])
            for i, number in enumerate(numbers) if number not in taken], batch_size=2000)
        self.patients = list(Patient.objects.filter(family_name__startswith="Bench",
                                                    given_name="Henvist")
                             .values_list("pk", "municipality_id"))
        now = timezone.now()
        # The RVE and the institutions see the patients (the referral gave them that).
        CareRelationship.objects.bulk_create([
            CareRelationship(patient_id=pk, organization=organization,
                             reason=CareRelationshipReason.REFERRAL, valid_from=now)
            for pk, _m in self.patients
            for organization in (self.rve, self.services[0].provider, self.gp_office)],
            batch_size=5000)
        self.made = 0

    def fill_to(self, size: int) -> None:
        """Referrals up to `size`: the open ones once, the rest closed history."""
        from referrals.models import Referral, ReferralStatus
        from referrals.workdays import add_working_days

        statuses = [ReferralStatus.STARTED] * 6 + [ReferralStatus.DECLINED,
                                                   ReferralStatus.FORWARDED,
                                                   ReferralStatus.WITHDRAWN]
        today = timezone.localdate()
        due = {}
        rows = []
        for n in range(self.made, size):
            open_now = n < WAITING + AWAITING
            status = (ReferralStatus.ACCEPTED if n < WAITING else ReferralStatus.RECEIVED
                      if open_now else statuses[n % len(statuses)])
            # Open ones are recent; the history goes back PER_DAY a day (at 100 000, five
            # and a half years), so the recent months look the same at every size.
            days_ago = (n % 60) if open_now else 30 + (n - WAITING - AWAITING) // PER_DAY
            received = timezone.now() - datetime.timedelta(days=days_ago)
            day = received.date()
            if day not in due:
                due[day] = add_working_days(day, 10)
            service = self.services[n % len(self.services)]
            patient, _municipality = self.patients[(n // len(self.services)) % len(
                self.patients)]
            fields = {}
            if status in (ReferralStatus.ACCEPTED, ReferralStatus.STARTED):
                fields.update(allocated_service=service, decided_at=received,
                              has_right=n % 2 == 0)
                if n % 2 == 0:
                    fields["care_start_deadline"] = today + datetime.timedelta(
                        days=(n % 90) - (0 if open_now else 400))
            if status == ReferralStatus.ACCEPTED:
                fields["expected_start"] = today + datetime.timedelta(days=5 + n % 80)
            if status == ReferralStatus.STARTED:
                fields["started_on"] = day + datetime.timedelta(days=20 + n % 40)
            rows.append(Referral(
                patient_id=patient, service=service,
                receiver=self.rve if service.level.code == "5.1" else service.provider,
                referrer=self.gp_office, referred_by=self.gp, reason="Bench",
                received_at=received, assessment_due=due[day], status=status, **fields))
        Referral.objects.bulk_create(rows, batch_size=5000)
        self.made = size


def _timed(runs: int, call) -> tuple[float, int]:
    """Median milliseconds over `runs`, and the queries of one run (a page must answer 200)."""
    answer = call()  # warm
    if getattr(answer, "status_code", 200) != 200:
        raise RuntimeError(f"the page answered {answer.status_code}")
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        call()
    taken = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        taken.append((time.perf_counter() - started) * 1000)
    return statistics.median(taken), len(queries)


def _plan(queryset) -> tuple[str, bool]:
    """The due query's plan, and whether it reads the referrals through an index (no scan
    of the whole table)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}", params)
            scan = "Seq Scan on referrals_referral"
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            scan = "SCAN referrals_referral"
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    return plan, "referrals_referral" in plan and scan not in plan


def measure(region: Region, size: int, runs: int) -> dict:
    from indicators import computations
    from indicators.models import Computation
    from referrals.tasks import remind_assessments, remind_care_starts
    from referrals.waiting import refresh_waiting_times

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    keeper = Client(HTTP_HOST="127.0.0.1")
    keeper.force_login(region.keeper)
    assessor = Client(HTTP_HOST="127.0.0.1")
    assessor.force_login(region.rve_assessor)
    busiest = region.services[0]
    now = timezone.now()
    # Last month: the history reaches it at every size (a bigger size reaches further back).
    this_month = timezone.localdate().replace(day=1)
    months = [(this_month - datetime.timedelta(days=1)).replace(day=1)]
    results = {
        "waiting times, every service": _timed(runs, lambda: refresh_waiting_times(now=now)),
        "waiting list page (web)": _timed(
            runs, lambda: keeper.get(reverse("referrals:waiting_list", args=[busiest.uuid]))),
        "referral inbox (web)": _timed(runs, lambda: assessor.get(reverse("referrals:inbox"))),
        "assessment sweep, due rows": _timed(
            runs, lambda: list(remind_assessments.due(now).values_list("pk", flat=True))),
        "care-start sweep, due rows": _timed(
            runs, lambda: list(remind_care_starts.due(now).values_list("pk", flat=True))),
    }
    for computation in (Computation.REFERRAL_ASSESSED_ON_TIME,
                        Computation.REFERRAL_CARE_ON_TIME, Computation.REFERRAL_WAITING_DAYS):
        results[f"indicator {computation}"] = _timed(
            runs, lambda c=computation: computations.run(c, months, now=now))
    busiest.refresh_from_db()
    plans = {name: _plan(query) for name, query in (
        ("assessment sweep", remind_assessments.due(now)),
        ("care-start sweep", remind_care_starts.due(now)))}
    return {"size": size, "timings": results, "plans": plans,
            "waiting_days": busiest.waiting_days}


def report(say, style, measured: list[dict]) -> list[str]:
    """Print the table; the names above target."""
    first, last = measured[0], measured[-1]
    say(f"\nReferrals (issue 15): {WAITING:,} waiting and {AWAITING:,} awaiting assessment "
        "at every size, the rest closed history over five years")
    say(f"{'':<44}" + "".join(f"{m['size']:>12,} ms   q" for m in measured)
        + f"  ratio  target <= {TARGET_RATIO}")
    slow = []
    for name in first["timings"]:
        cells = "".join(f"{m['timings'][name][0]:>15.1f} {m['timings'][name][1]:>3}"
                        for m in measured)
        ratio = last["timings"][name][0] / max(first["timings"][name][0], 0.01)
        same = last["timings"][name][1] == first["timings"][name][1]
        ok = ratio <= TARGET_RATIO and same
        if not ok:
            slow.append(name)
        say(f"{name:<44}{cells}  {ratio:5.2f}  "
            + (style.SUCCESS("ok") if ok else style.ERROR("ABOVE TARGET")))
    say(f"busiest institution's published waiting time at {last['size']:,}: "
        f"{last['waiting_days']} days")
    for name, (plan, indexed) in last["plans"].items():
        say(f"--- {name}'s due query at {last['size']:,} "
            + ("(through an index)" if indexed else "(SCANS THE TABLE)"))
        say(plan)
        if not indexed:
            slow.append(f"{name} plan")
    return slow
