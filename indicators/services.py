"""The computation of the monthly figures: nightly, incremental and idempotent.

compute() works out which months changed since the last good run (its watermark), runs each
catalogue entry's computation (indicators.computations) for those months and replaces the
entry's Figure rows of each month in one transaction, writing only the months whose rows
differ: running it twice changes nothing, and a run that failed leaves no watermark, so the
next one redoes what it did not finish.

A month is touched when a source row that decides a figure of that month was written after
the watermark (every table's own updated_at, or the answer's and the assignment's own time),
when the clock moved a row into a figure (a notice deadline or an acknowledgement window that
ran out, a ready-for-discharge day that began), and always from the watermark's month to the
current one. An entry whose catalogue row changed is recomputed in full, as is everything
when a figure stands under a municipality number that has since changed.
"""

import datetime
import json
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone

from coordination.models import (
    ExperienceResponse,
    IndividualPlan,
    Measure,
    PlanRequest,
    PlanVersion,
    SelfReport,
)
from pathways.models import (
    Admission,
    DischargeMeeting,
    EarlyNotification,
    ReadyForDischarge,
)

from . import computations
from .computations import (
    STOCKS,
    Row,
    acknowledgement_hours,
    as_month,
    billable_days,
    months_from,
)
from .models import Computation, ComputationRun, Figure, Indicator

logger = logging.getLogger(__name__)

# The error text kept on a failed run.
ERROR_LENGTH = 2000
# How long the records of runs are kept (ComputationRun; the admin lists them).
RUNS_KEPT_DAYS = 90
# The longest early-notification deadline an agreement may set
# (registry.CooperationAgreement.early_notification_hours).
LONGEST_NOTICE_DEADLINE = datetime.timedelta(days=14)


def last_watermark() -> datetime.datetime | None:
    """Changes up to this moment are in the figures (the last good nightly run's)."""
    return ComputationRun.objects.filter(watermark__isnull=False, error="").order_by(
        "-watermark").values_list("watermark", flat=True).first()


def compute(*, full: bool = False, months=None, now: datetime.datetime | None = None,
            ) -> ComputationRun:
    """Bring the figures up to date and record the run.

    full: every month that has data, for every entry. months: only these months (first
    days; "today's figures"), which leaves the watermark where it was. Otherwise the months
    touched since the last good run's watermark, or everything when there is none. A
    failure is recorded on the run (error, no watermark) and raised."""
    now = now or timezone.now()
    run = ComputationRun.objects.create(started_at=timezone.now(), full=full)
    # A change committed a moment late still has an updated_at after this: the next run
    # sees it (API_SYNC_SETTLE_SECONDS, as the API's sync cursors).
    watermark = now - datetime.timedelta(seconds=settings.API_SYNC_SETTLE_SECONDS)
    try:
        indicators = list(Indicator.objects.order_by("pk"))
        numbers = computations.municipality_numbers()
        previous = last_watermark()
        if months is not None:
            plan = {indicator.pk: {as_month(m) for m in months} for indicator in indicators}
        elif full or previous is None or _renumbered():
            run.full = True
            every = set(all_months(now))
            plan = {indicator.pk: every for indicator in indicators}
        else:
            touched = touched_months(previous, now)
            every = None
            plan = {}
            for indicator in indicators:
                if indicator.updated_at > previous:
                    every = every if every is not None else set(all_months(now))
                    plan[indicator.pk] = every
                else:
                    plan[indicator.pk] = touched
        current = as_month(now)
        done: set[datetime.date] = set()
        written = 0
        shared: dict = {}  # what two computations read alike (the ready-for-discharge days)
        for indicator in indicators:
            wanted = {m for m in plan[indicator.pk] if m <= current}
            if indicator.computation in STOCKS:
                wanted &= {current}
            rows = computations.run(indicator.computation, wanted, now=now,
                                    parameters=indicator.parameters, numbers=numbers,
                                    shared=shared)
            written += replace(indicator, wanted, rows, computed_at=now,
                               drop_others=run.full and indicator.computation not in STOCKS)
            done |= wanted
        run.months = len(done)
        run.rows = written
        run.finished_at = timezone.now()
        run.watermark = watermark if months is None else None
        run.save(update_fields=["full", "months", "rows", "finished_at", "watermark"])
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH] or type(exc).__name__
        run.finished_at = timezone.now()
        run.save(update_fields=["full", "error", "finished_at"])
        logger.exception("indicators: the computation failed (run %s)", run.pk)
        raise
    return run


def forget_old_runs(now: datetime.datetime, *, days: int = RUNS_KEPT_DAYS) -> int:
    """Delete the records of runs older than `days` (today's figures add 96 a day), never
    the last good run's, whose watermark the next run starts from."""
    keep = ComputationRun.objects.filter(watermark__isnull=False, error="").order_by(
        "-watermark").values_list("pk", flat=True).first()
    deleted, _ = ComputationRun.objects.filter(
        started_at__lt=now - datetime.timedelta(days=days)).exclude(pk=keep).delete()
    return deleted


def daily_rate_changed(sender, **kwargs) -> None:
    """A daily rate saved or deleted (pathways.DailyRate): the next run recomputes the cost
    entries in full (receiver connected in indicators.apps)."""
    Indicator.objects.filter(computation=Computation.READY_COST).update(
        updated_at=timezone.now())


def replace(indicator: Indicator, months, rows: list[Row], *, computed_at: datetime.datetime,
            drop_others: bool = False) -> int:
    """Make the indicator's Figure rows of each month the given rows, in one transaction:
    a month whose rows are the same is left alone; `drop_others` removes the rows of every
    other month (a full run). Returns the number of rows written."""
    months = set(months)
    new: dict[datetime.date, dict[tuple, tuple]] = defaultdict(dict)
    for row in rows:
        new[row.month][row.key] = (row.numerator, row.denominator, row.histogram)
    with transaction.atomic():
        # Of two runs at once (the nightly and today's), the second waits here for the first
        # and then replaces what the first wrote.
        list(Indicator.objects.select_for_update().filter(pk=indicator.pk).values_list("pk"))
        figures = Figure.objects.filter(indicator=indicator)
        old: dict[datetime.date, dict[tuple, tuple]] = defaultdict(dict)
        stale = set()
        for month, number, hospital_id, dimension, numerator, denominator, histogram in (
                figures.values_list("month", "municipality_number", "hospital_id",
                                    "dimension", "numerator", "denominator", "histogram")
                if drop_others else figures.filter(month__in=months).values_list(
                    "month", "municipality_number", "hospital_id", "dimension", "numerator",
                    "denominator", "histogram")):
            if month not in months:
                stale.add(month)
                continue
            old[month][month, number, hospital_id, dimension] = (
                numerator, denominator, _histogram(histogram))
        changed = {month for month in months if old.get(month, {}) != new.get(month, {})}
        gone = {month for month in changed if old.get(month)} | stale
        if gone:
            figures.filter(month__in=gone).delete()
        created = [Figure(indicator=indicator, month=row.month,
                          municipality_number=row.municipality_number,
                          hospital_id=row.hospital_id, dimension=row.dimension,
                          numerator=row.numerator, denominator=row.denominator,
                          histogram=row.histogram, computed_at=computed_at)
                   for row in rows if row.month in changed]
        Figure.objects.bulk_create(created, batch_size=1000)
    return len(created)


def _histogram(value):
    if isinstance(value, str):  # a JSON column some backends hand back as text
        value = json.loads(value)
    return value


def _renumbered() -> bool:
    """A figure stands under a number that is not a municipality's current number, while
    that number has a successor: a merger or a renumbering came in, recompute everything."""
    mapping = computations.current_number_function()
    shown = Figure.objects.values_list("municipality_number", flat=True).distinct()
    return any(mapping(number) != number for number in shown)


def all_months(now: datetime.datetime) -> list[datetime.date]:
    """Every month from the first with data to the current one."""
    firsts = [
        Admission.objects.aggregate(first=Min("admitted_at"))["first"],
        PlanRequest.objects.aggregate(first=Min("received_at"))["first"],
        IndividualPlan.objects.aggregate(first=Min("created_at"))["first"],
        Measure.objects.filter(service__isnull=False).aggregate(
            first=Min("starts_on"))["first"],
        SelfReport.objects.aggregate(first=Min("submitted_at"))["first"],
        ExperienceResponse.objects.aggregate(first=Min("month"))["first"],
    ]
    months = [as_month(first) for first in firsts if first is not None]
    current = as_month(now)
    return months_from(min([*months, current]), current)


def touched_months(since: datetime.datetime, now: datetime.datetime) -> set[datetime.date]:
    """The months whose figures may differ from what a run at `since` computed."""
    months = set(months_from(since, now))

    def add(values):
        for value in values:
            if value is not None:
                months.add(as_month(value))

    # Admissions: the month of admission (notices) and of discharge (meetings, the pyramid,
    # plans); a notice deadline that ran out since.
    changed = Admission.objects.filter(updated_at__gt=since)
    for admitted_at, discharged_at in changed.values_list("admitted_at", "discharged_at"):
        add((admitted_at, discharged_at))
    add(Admission.objects.filter(
        admitted_at__gt=since - LONGEST_NOTICE_DEADLINE, notification_deadline__gt=since,
        notification_deadline__lte=now).values_list("admitted_at", flat=True))
    # Notices: sent since, or whose time to acknowledge ran out since.
    # (Sent since - window: its time to acknowledge may have run out since.)
    window = max([acknowledgement_hours(i.parameters) for i in Indicator.objects.filter(
        computation=Computation.NOTICE_ACKNOWLEDGED)] or [acknowledgement_hours({})])
    add(EarlyNotification.objects.filter(
        Q(updated_at__gt=since)
        | Q(sent_at__gt=since - datetime.timedelta(hours=window))).values_list(
        "sent_at", flat=True))
    # Ready for discharge: every month of a period whose declaration, answers or admission
    # changed since.
    today = computations.local_date(now)
    periods = ReadyForDischarge.objects.filter(
        Q(updated_at__gt=since) | Q(admission__updated_at__gt=since)
        | Q(answers__answered_at__gt=since)).distinct().values_list(
        "declared_at", "withdrawn_at", "admission__discharged_at")
    for declared_at, withdrawn_at, discharged_at in periods:
        for low, high in billable_days(declared_at, withdrawn_at or discharged_at, [], today):
            add(months_from(low, high - datetime.timedelta(days=1)))
    # Meetings decide the month of their admission's discharge.
    add(DischargeMeeting.objects.filter(updated_at__gt=since).values_list(
        "admission__discharged_at", flat=True))
    # Requests: received and decided.
    for received_at, decided_at in PlanRequest.objects.filter(updated_at__gt=since).values_list(
            "received_at", "decided_at"):
        add((received_at, decided_at))
    # Plans (a coordinator assigned, a measure added or changed bumps the plan): made,
    # coordinators assigned, measures' starts now and as the last run saw them, and the
    # discharges of the patient (whether they have a plan). A service that moved to another
    # level moves its measures.
    plans = IndividualPlan.objects.filter(updated_at__gt=since)
    add(plans.values_list("created_at", flat=True))
    add(plans.values_list("request__decided_at", flat=True))
    add(plans.values_list("assignments__assigned_at", flat=True))
    add(Measure.objects.filter(Q(plan__in=plans) | Q(service__updated_at__gt=since)).values_list(
        "starts_on", flat=True))
    add(Admission.objects.filter(patient__in=plans.values("patient"),
                                 needs_interdisciplinary_follow_up=True).values_list(
        "discharged_at", flat=True))
    # Self-reports: every report of a goal that got one since (the goal's latest, whose
    # month holds its change, may have moved) and of a plan changed since (a measure decides
    # the goal's level). Experience answers carry their month, never before the
    # watermark's: months_from(since, now) has it.
    reported = SelfReport.objects.filter(submitted_at__gt=since).values("goal")
    add(SelfReport.objects.filter(Q(goal__in=reported) | Q(plan__in=plans)).values_list(
        "submitted_at", flat=True))
    seen = PlanVersion.objects.filter(
        plan__in=plans, number=Subquery(PlanVersion.objects.filter(
            plan=OuterRef("plan"), created_at__lte=since).order_by("-number").values(
            "number")[:1]))
    for snapshot in seen.values_list("snapshot", flat=True):
        snapshot = _histogram(snapshot) or {}
        for measure in snapshot.get("measures", []):
            if measure.get("starts_on"):
                try:
                    add([datetime.date.fromisoformat(measure["starts_on"])])
                except ValueError:
                    continue
    return {month for month in months if month <= as_month(now)}
