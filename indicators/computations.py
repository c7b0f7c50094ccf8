"""Each catalogue computation: a function from a list of months to Figure rows.

A computation reads the other apps' tables with a few grouped queries per run (never a query
per admission) and returns rows keyed by month (the first day of a Europe/Oslo month),
current municipality number, hospital (where the hospital answers for it: notices, meetings,
ready-for-discharge days) and dimension. indicators.services writes them; nothing here
writes.

Every figure is attributed to the municipality the source row names (an admission's
responsible municipality, fixed at admission: a patient who moves keeps past stays where
they were), under that municipality's current number (a merger or a renumbering counts the
old numbers' figures under the new one).

Shares have a numerator and a denominator; medians keep a histogram of whole hours or days,
{"value": count}, with the number of observations as the denominator and the sum of the
values as the numerator (so a mean can be read too); counts to be set against the population
(per 1 000 or 10 000 inhabitants) have the count as numerator and 0 as denominator, the read
model applies the population.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils.translation import gettext as _

from common.sweeps import OSLO, local_date, local_midnight
from coordination.models import (
    Coordinator,
    CoordinatorAssignment,
    CoordinatorKind,
    ExperienceQuestion,
    ExperienceResponse,
    IndividualPlan,
    Measure,
    PlanRequest,
    PlanStatus,
    SelfReport,
)
from pathways.billing import daily_rates
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingStatus,
    MunicipalAnswer,
    MunicipalAnswerKind,
    NoticeState,
    ReadyForDischarge,
)
from referrals.models import Referral, ReferralStatus
from registry.models import Organization, OrganizationKind
from registry.reference import levels as pyramid_levels

from .models import Computation
from .periods import month_start
from .population import number_map

# The parameters each computation accepts, with their defaults (documented on the
# indicator's admin page and in README, "Indicators").
PARAMETERS: dict[str, dict] = {
    Computation.NOTICE_ON_TIME: {},
    Computation.NOTICE_HOURS: {},
    Computation.NOTICE_ACKNOWLEDGED: {"hours": None},  # None: the reminder's setting
    Computation.READY_DAYS: {},
    Computation.READY_COST: {},
    Computation.MEETING_BEFORE_DISCHARGE: {},
    Computation.PLAN_SHARE: {},
    Computation.PLAN_COORDINATOR: {},
    Computation.REQUEST_DAYS_TO_DECISION: {},
    Computation.REQUEST_DAYS_TO_COORDINATOR: {},
    Computation.WAITING_DAYS: {},
    Computation.LEVEL_SHARE: {"levels": []},  # level codes in the numerator
    Computation.SPECIALISED_REHABILITATION: {},
    Computation.COORDINATORS: {"kind": "", "trained": False},
    Computation.SELF_REPORT_CHANGE: {"score": "performance"},  # or "satisfaction"
    Computation.EXPERIENCE_SHARE: {"question": "overall", "at_least": 4},
    Computation.EXPERIENCE_MEAN: {"question": ""},  # "": each respondent's mean of all
    Computation.REFERRAL_ASSESSED_ON_TIME: {},
    Computation.REFERRAL_CARE_ON_TIME: {},
    Computation.REFERRAL_WAITING_DAYS: {},
}

SELF_REPORT_SCORES = ("performance", "satisfaction")
# A mean of points is kept in hundredths of a point (models.Unit.POINTS).
HUNDREDTHS = 100

# Computations of a stock at compute time (not of events in a month): only the current
# month is computed, and the rows of past months are kept as they were last computed.
STOCKS = frozenset({Computation.COORDINATORS})

# An individual plan in the sense of plan_share and plan_coordinator: one that was made (a
# "requested" plan is a coordinator without a plan; a declined one was never made).
PLAN_STATUSES = (PlanStatus.IN_PREPARATION, PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION,
                 PlanStatus.CLOSED)


def parameter_errors(computation: str, parameters: dict) -> list[str]:
    """What is wrong with an indicator's parameters, in words an administrator reads."""
    allowed = PARAMETERS.get(computation)
    if allowed is None:
        return [_("Choose a computation.")]
    unknown = sorted(set(parameters) - set(allowed))
    if unknown:
        return [_("Unknown parameters: %(names)s. This computation takes: %(allowed)s.") % {
            "names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or "—"}]
    errors = []
    hours = parameters.get("hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int)
                              or not 1 <= hours <= 24 * 30):
        errors.append(_("\"hours\" is a whole number of hours from 1 to 720, or null for the "
                        "reminder's setting."))
    if "levels" in parameters:
        chosen = parameters["levels"]
        known = {level.code for level in pyramid_levels()}
        if not isinstance(chosen, list) or not all(isinstance(code, str) for code in chosen):
            errors.append(_("\"levels\" is a list of pyramid level codes, e.g. [\"4\"]."))
        elif set(chosen) - known:
            errors.append(_("Unknown pyramid levels: %(codes)s. The levels are: %(known)s.") % {
                "codes": ", ".join(sorted(set(chosen) - known)),
                "known": ", ".join(sorted(known))})
    if "kind" in parameters and parameters["kind"] not in ("", *CoordinatorKind.values):
        errors.append(_("\"kind\" is one of: %(kinds)s, or \"\" for every kind.") % {
            "kinds": ", ".join(CoordinatorKind.values)})
    if "trained" in parameters and not isinstance(parameters["trained"], bool):
        errors.append(_("\"trained\" is true or false."))
    if "score" in parameters and parameters["score"] not in SELF_REPORT_SCORES:
        errors.append(_("\"score\" is \"performance\" or \"satisfaction\"."))
    if "question" in parameters:
        allowed_questions = ExperienceQuestion.values + (
            [""] if computation == Computation.EXPERIENCE_MEAN else [])
        if parameters["question"] not in allowed_questions:
            errors.append(_("\"question\" is one of: %(questions)s.") % {
                "questions": ", ".join(q or "\"\"" for q in allowed_questions)})
    at_least = parameters.get("at_least")
    if "at_least" in parameters and (isinstance(at_least, bool) or at_least not in range(1, 6)):
        errors.append(_("\"at_least\" is a whole number from 1 to 5."))
    return errors


def with_defaults(computation: str, parameters: dict) -> dict:
    return {**PARAMETERS.get(computation, {}), **(parameters or {})}


# -- Rows ----------------------------------------------------------------------------------

@dataclass
class Row:
    """One Figure row before it is saved."""

    month: datetime.date
    municipality_number: str
    hospital_id: int | None = None
    dimension: str = ""
    numerator: int = 0
    denominator: int = 0
    histogram: dict[str, int] | None = None

    @property
    def key(self) -> tuple:
        return (self.month, self.municipality_number, self.hospital_id, self.dimension)


@dataclass
class Rows:
    """Rows summed by key: two old municipality numbers that are one municipality now add
    up, as do the months of a group the database returned in several pieces."""

    months: frozenset
    rows: dict[tuple, Row] = field(default_factory=dict)

    def add(self, month, number: str, hospital_id: int | None = None, dimension: str = "", *,
            numerator: int = 0, denominator: int = 0, value: int | None = None,
            count: int = 1) -> None:
        """Add to a share (numerator, denominator) or, with `value`, `count` observations
        of one value to a histogram."""
        month = as_month(month)
        if month not in self.months or not number:
            return
        key = (month, number, hospital_id, dimension or "")
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = Row(month, number, hospital_id, dimension or "")
        if value is None:
            row.numerator += int(numerator)
            row.denominator += int(denominator)
            return
        value = max(0, int(value))
        row.numerator += value * count
        row.denominator += count
        row.histogram = row.histogram or {}
        row.histogram[str(value)] = row.histogram.get(str(value), 0) + count

    def result(self) -> list[Row]:
        for row in self.rows.values():
            if row.histogram is not None:
                row.histogram = dict(sorted(row.histogram.items(), key=lambda i: int(i[0])))
        return sorted(self.rows.values(), key=lambda r: (r.month, r.municipality_number,
                                                         r.hospital_id or 0, r.dimension))


# -- Months --------------------------------------------------------------------------------

# The first day of the Europe/Oslo month of a date or datetime: the read model's own.
as_month = month_start


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def months_from(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from the month of `first` to that of `last`, both included."""
    months, month, last = [], as_month(first), as_month(last)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def month_ranges(months: Iterable[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Runs of consecutive months as [first day, first day after) pairs."""
    ranges: list[list[datetime.date]] = []
    for month in sorted(set(months)):
        if ranges and ranges[-1][1] == month:
            ranges[-1][1] = next_month(month)
        else:
            ranges.append([month, next_month(month)])
    return [(start, end) for start, end in ranges]


def in_months(field_name: str, months, *, dates: bool = False) -> Q:
    """The rows whose `field_name` lies in one of the months: a range per run of months, so
    an index on the column serves it."""
    parts = []
    for start, end in month_ranges(months):
        low, high = (start, end) if dates else (local_midnight(start), local_midnight(end))
        parts.append(Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high}))
    return reduce(or_, parts)


def month_of(field_name: str, *, dates: bool = False):
    """The month (Europe/Oslo) of a datetime column, or of a date column, in SQL."""
    if dates:
        return TruncMonth(field_name, output_field=DateField())
    return TruncMonth(field_name, tzinfo=OSLO)


# -- Elapsed time in SQL (SQLite and PostgreSQL) --------------------------------------------

class WholeHours(Func):
    """Whole hours elapsed from `start` to `end` (aware datetimes)."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - vendors below
        raise NotImplementedError("WholeHours runs on SQLite and PostgreSQL.")

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="django_timestamp_diff",
                              template="(%(function)s(%(expressions)s) / 3600000000)",
                              **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, arg_joiner=" - ",
            template="FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600)::integer", **extra)


class DaysBetween(Func):
    """Calendar days from the date `start` to the date `end` (date expressions)."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - vendors below
        raise NotImplementedError("DaysBetween runs on SQLite and PostgreSQL.")

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, arg_joiner=") - julianday(",
            template="CAST(julianday(%(expressions)s) AS INTEGER)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, arg_joiner=" - ",
                              template="((%(expressions)s))::integer", **extra)


def local_day(field_name: str):
    return TruncDate(field_name, tzinfo=OSLO)


# -- Municipality numbers -------------------------------------------------------------------

def current_number_function() -> Callable[[str], str]:
    """Old number → the number the municipality has now (indicators.population's history
    of municipality numbers, kept in memory as reference data)."""
    mapping = number_map()
    return lambda number: mapping.get(number, number)


def municipality_numbers() -> dict[int, str]:
    """Every municipality's id → its current municipality number (one query)."""
    current = current_number_function()
    return {pk: current(number) for pk, number in Organization.objects.filter(
        kind=OrganizationKind.MUNICIPALITY).exclude(municipality_number="").values_list(
        "pk", "municipality_number")}


# -- The computations -----------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    months: frozenset
    now: datetime.datetime
    parameters: dict
    numbers: dict[int, str]
    # Kept for the other computations of the same run (ready days and their cost).
    shared: dict = field(default_factory=dict)

    def rows(self) -> Rows:
        return Rows(self.months)


def _grouped(queryset, month, *fields, **aggregates) -> list[dict]:
    """GROUP BY month and fields, without the model's default ordering (which would join
    the GROUP BY). A list, not a server-side cursor: PostgreSQL plans a cursor for its
    first rows, and a grouped query over a million rows then runs several times slower."""
    return list(queryset.annotate(month=month).values("month", *fields).annotate(
        **aggregates).order_by())


def notice_on_time(ctx: Context) -> list[Row]:
    """Admissions admitted in the month whose notification deadline has passed → those
    whose first early notification was sent at or before the deadline. A stay that ended
    before its deadline without a notice is left out (there was nothing left to notify)."""
    rows = ctx.rows()
    admissions = Admission.objects.filter(
        in_months("admitted_at", ctx.months), notification_deadline__lte=ctx.now).exclude(
        status=AdmissionStatus.ENTERED_IN_ERROR).filter(
        ~Q(first_notification_sent_at__isnull=True,
           discharged_at__lte=F("notification_deadline")))
    for group in _grouped(
            admissions, month_of("admitted_at"), "municipality_id", "hospital_id",
            total=Count("pk"),
            on_time=Count("pk", filter=Q(
                first_notification_sent_at__lte=F("notification_deadline")))):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 group["hospital_id"], numerator=group["on_time"],
                 denominator=group["total"])
    return rows.result()


def notice_hours(ctx: Context) -> list[Row]:
    """Admissions admitted in the month with an early notification sent → histogram of the
    whole hours from admission to the first notice."""
    rows = ctx.rows()
    admissions = Admission.objects.filter(in_months("admitted_at", ctx.months),
                                          first_notification_sent_at__isnull=False).exclude(
        status=AdmissionStatus.ENTERED_IN_ERROR)
    admissions = admissions.annotate(
        hours=WholeHours("admitted_at", "first_notification_sent_at"))
    for group in _grouped_values(admissions, month_of("admitted_at"),
                                 ("municipality_id", "hospital_id", "hours")):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 group["hospital_id"], value=group["hours"], count=group["count"])
    return rows.result()


def _grouped_values(queryset, month, fields: tuple[str, ...]) -> list[dict]:
    """Counts per month and fields (fields may be annotations, e.g. a histogram's value)."""
    return list(queryset.annotate(month=month).values("month", *fields).annotate(
        count=Count("pk")).order_by())


def acknowledgement_hours(parameters: dict) -> int:
    hours = parameters.get("hours")
    return int(hours) if hours else int(
        settings.REMINDERS["notice_unacknowledged"]["AFTER_HOURS"])


def notice_acknowledged(ctx: Context) -> list[Row]:
    """First early notifications sent in the month whose time to acknowledge is over (or
    that were acknowledged in time) → those the municipality acknowledged within `hours`
    (default: the reminder's setting, REMINDERS["notice_unacknowledged"])."""
    rows = ctx.rows()
    within = datetime.timedelta(hours=acknowledgement_hours(ctx.parameters))
    in_time = Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("sent_at") + within) \
        & Q(acknowledged_at__lte=ctx.now)
    notices = EarlyNotification.objects.filter(
        in_months("sent_at", ctx.months), state=NoticeState.SENT, sequence=1,
        sent_at__lte=ctx.now).filter(in_time | Q(sent_at__lte=ctx.now - within)).exclude(
        admission__status=AdmissionStatus.ENTERED_IN_ERROR)
    for group in _grouped(
            notices, month_of("sent_at"), "admission__municipality_id",
            "admission__hospital_id", total=Count("pk"), acknowledged=Count("pk", filter=in_time)):
        rows.add(group["month"], ctx.numbers.get(group["admission__municipality_id"]),
                 group["admission__hospital_id"], numerator=group["acknowledged"],
                 denominator=group["total"])
    return rows.result()


# Ready-for-discharge days ---------------------------------------------------------------------

def declarations_in(months, now: datetime.datetime):
    """Declarations whose payment period overlaps one of the months."""
    declarations = ReadyForDischarge.objects.annotate(
        period_end=Coalesce("withdrawn_at", "admission__discharged_at"))
    parts = []
    for start, end in month_ranges(months):
        parts.append(Q(declared_at__lt=local_midnight(end))
                     & (Q(period_end__isnull=True) | Q(period_end__gte=local_midnight(start))))
    # A declaration, or a stay, entered in error never was: no day of it counts.
    return declarations.filter(reduce(or_, parts), declared_at__lte=now).exclude(
        entered_in_error=True).exclude(admission__status=AdmissionStatus.ENTERED_IN_ERROR)


def billable_days(declared_at: datetime.datetime, period_end: datetime.datetime | None,
                  answers: list[tuple], today: datetime.date,
                  ) -> list[tuple[datetime.date, datetime.date]]:
    """The billable days of one declaration as [first, after) runs of dates, by the rule of
    pathways.billing.statement: from and including the declaration day, up to (not
    including) the day the period ended (or through today); a day is the hospital's once
    the latest answer given by the end of that day says the municipality can receive the
    patient from that day or earlier. `answers`: (answered_at, pk, kind, receive_on)."""
    first = local_date(declared_at)
    stop = local_date(period_end) if period_end is not None else today + datetime.timedelta(
        days=1)
    if stop <= first:
        return []
    # The days each answer is in force: from its own day to the next answer's day.
    answers = sorted(answers, key=lambda a: (a[0], a[1]))
    days = [local_date(a[0]) for a in answers]
    hospitals = []
    for i, (_answered, _pk, kind, receive_on) in enumerate(answers):
        if kind != MunicipalAnswerKind.CAN_RECEIVE:
            continue
        low = max(days[i], receive_on or days[i], first)
        high = min(days[i + 1] if i + 1 < len(answers) else stop, stop)
        if low < high:
            hospitals.append((low, high))
    runs, day = [], first
    for low, high in hospitals:  # in order, and apart: answers' days do not overlap
        if day < low:
            runs.append((day, low))
        day = max(day, high)
    if day < stop:
        runs.append((day, stop))
    return runs


def _days_per_month(runs) -> Iterator[tuple[datetime.date, int]]:
    for low, high in runs:
        day = low
        while day < high:
            month_end = next_month(day.replace(day=1))
            end = min(high, month_end)
            yield day.replace(day=1), (end - day).days
            day = end


def ready_day_counts(ctx: Context) -> dict[tuple, int]:
    """Billable days per (month, municipality id, hospital id), for the months: two streamed
    queries (the declarations and their answers, both in declaration order), merged here;
    read once a run for the days and their cost."""
    key = ("ready_day_counts", ctx.months, ctx.now)
    if key not in ctx.shared:
        ctx.shared[key] = _ready_day_counts(ctx)
    return ctx.shared[key]


def _ready_day_counts(ctx: Context) -> dict[tuple, int]:
    today = local_date(ctx.now)
    declarations = declarations_in(ctx.months, ctx.now)
    rows = declarations.values_list(
        "pk", "declared_at", "period_end", "admission__municipality_id",
        "admission__hospital_id").order_by("pk").iterator(chunk_size=5000)
    answers = MunicipalAnswer.objects.filter(
        declaration__in=declarations.values("pk")).values_list(
        "declaration_id", "answered_at", "pk", "kind", "receive_on").order_by(
        "declaration_id").iterator(chunk_size=5000)
    pending = next(answers, None)
    counts: dict[tuple, int] = defaultdict(int)
    for pk, declared_at, period_end, municipality_id, hospital_id in rows:
        own = []
        while pending is not None and pending[0] <= pk:
            if pending[0] == pk:
                own.append(pending[1:])
            pending = next(answers, None)
        for month, days in _days_per_month(billable_days(declared_at, period_end, own,
                                                         today)):
            if month in ctx.months:
                counts[month, municipality_id, hospital_id] += days
    return counts


def ready_days(ctx: Context) -> list[Row]:
    """Ready-for-discharge days the municipality pays for (pathways.billing), per month the
    day falls in; a count (per 1 000 inhabitants by the read model)."""
    rows = ctx.rows()
    for (month, municipality_id, hospital_id), days in ready_day_counts(ctx).items():
        rows.add(month, ctx.numbers.get(municipality_id), hospital_id, numerator=days)
    return rows.result()


def ready_cost(ctx: Context) -> list[Row]:
    """What the ready-for-discharge days cost: the days of each month × the daily rate of
    its year (NOK), with the days as the denominator. A year without a registered rate has
    no figure (not a cost of 0); a rate saved later recomputes the entry (indicators.apps)."""
    rows = ctx.rows()
    rates = daily_rates()
    for (month, municipality_id, hospital_id), days in ready_day_counts(ctx).items():
        rate = rates.get(month.year)
        if rate is not None:
            # The days beside the amount: the count that decides its suppression (a cost
            # divided by the year's rate would give the days away).
            rows.add(month, ctx.numbers.get(municipality_id), hospital_id,
                     numerator=int(Decimal(rate) * days), denominator=days)
    return rows.result()


# Discharge ---------------------------------------------------------------------------------

def _discharged(months):
    """Stays that ended with a discharge in the months (not a death, not a transfer: the
    stay at the receiving hospital is the one that ends in a discharge)."""
    return Admission.objects.filter(in_months("discharged_at", months),
                                    status=AdmissionStatus.DISCHARGED)


def meeting_before_discharge(ctx: Context) -> list[Row]:
    """Admissions discharged in the month that needed interdisciplinary follow-up → those
    with a discharge meeting held, or scheduled to start, before the discharge (a cancelled
    meeting does not count)."""
    rows = ctx.rows()
    meeting = DischargeMeeting.objects.filter(
        admission=OuterRef("pk"), status__in=[MeetingStatus.HELD, MeetingStatus.SCHEDULED],
        scheduled_at__lt=OuterRef("discharged_at"))
    admissions = _discharged(ctx.months).filter(
        needs_interdisciplinary_follow_up=True).annotate(met=Exists(meeting))
    for group in _grouped(admissions, month_of("discharged_at"), "municipality_id",
                          "hospital_id", total=Count("pk"),
                          met_first=Count("pk", filter=Q(met=True))):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 group["hospital_id"], numerator=group["met_first"],
                 denominator=group["total"])
    return rows.result()


def plan_share(ctx: Context) -> list[Row]:
    """Patients discharged in the month after a stay that needed interdisciplinary
    follow-up → those who have an individual plan at compute time (made: in preparation,
    active, under evaluation, or closed after the stay began; not a coordinator alone, not
    a declined one), in any municipality. A patient counts once a month."""
    rows = ctx.rows()
    plan = IndividualPlan.objects.filter(patient=OuterRef("patient_id")).filter(
        Q(status__in=[PlanStatus.IN_PREPARATION, PlanStatus.ACTIVE,
                      PlanStatus.UNDER_EVALUATION])
        | Q(status=PlanStatus.CLOSED, updated_at__gte=OuterRef("admitted_at")))
    admissions = _discharged(ctx.months).filter(
        needs_interdisciplinary_follow_up=True).annotate(has_plan=Exists(plan))
    for group in _grouped(admissions, month_of("discharged_at"), "municipality_id",
                          total=Count("patient_id", distinct=True),
                          with_plan=Count("patient_id", distinct=True,
                                          filter=Q(has_plan=True))):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 numerator=group["with_plan"], denominator=group["total"])
    return rows.result()


def plan_coordinator(ctx: Context) -> list[Row]:
    """Individual plans made in the month (created; not a coordinator alone, not declined)
    → those that have had a coordinator assigned by compute time."""
    rows = ctx.rows()
    assigned = CoordinatorAssignment.objects.filter(plan=OuterRef("pk"))
    plans = IndividualPlan.objects.filter(
        in_months("created_at", ctx.months), status__in=PLAN_STATUSES).annotate(
        assigned=Exists(assigned))
    for group in _grouped(plans, month_of("created_at"), "municipality_id",
                          total=Count("pk"),
                          with_coordinator=Count("pk", filter=Q(assigned=True)
                                                 | Q(coordinator__isnull=False))):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 numerator=group["with_coordinator"], denominator=group["total"])
    return rows.result()


# The KE's requests ----------------------------------------------------------------------------

def request_days_to_decision(ctx: Context) -> list[Row]:
    """Requests to the KE decided in the month → histogram of calendar days (Europe/Oslo)
    from receipt to decision, as the KE overview counts them."""
    rows = ctx.rows()
    requests = PlanRequest.objects.filter(in_months("decided_at", ctx.months)).annotate(
        days=DaysBetween(local_day("received_at"), local_day("decided_at")))
    for group in _grouped_values(requests, month_of("decided_at"),
                                 ("municipality_id", "days")):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 value=group["days"], count=group["count"])
    return rows.result()


def request_days_to_coordinator(ctx: Context) -> list[Row]:
    """Requests whose plan got its first coordinator in the month → histogram of calendar
    days from the request's receipt to that assignment."""
    rows = ctx.rows()
    earlier = CoordinatorAssignment.objects.filter(
        plan=OuterRef("plan"), assigned_at__lt=OuterRef("assigned_at"))
    firsts = CoordinatorAssignment.objects.filter(
        in_months("assigned_at", ctx.months), plan__request__isnull=False).filter(
        ~Exists(earlier)).annotate(
        days=DaysBetween(local_day("plan__request__received_at"), local_day("assigned_at")))
    for group in _grouped_values(firsts, month_of("assigned_at"),
                                 ("plan__request__municipality_id", "days")):
        rows.add(group["month"], ctx.numbers.get(group["plan__request__municipality_id"]),
                 value=group["days"], count=group["count"])
    return rows.result()


# The pyramid --------------------------------------------------------------------------------

def waiting_days(ctx: Context) -> list[Row]:
    """Measures of individual plans that use a service and start in the month → histogram
    of the days from the measure's registration to its start, per pyramid level (dimension
    = level code). Observed waiting; the waiting times the services state
    (ServiceOffering.waiting_days) are read live from the catalogue by the screens."""
    rows = ctx.rows()
    measures = Measure.objects.filter(
        in_months("starts_on", ctx.months, dates=True), service__isnull=False,
        created_at__isnull=False).annotate(
        days=DaysBetween(local_day("created_at"), F("starts_on")))
    for group in _grouped_values(measures, month_of("starts_on", dates=True),
                                 ("plan__municipality_id", "service__level__code", "days")):
        rows.add(group["month"], ctx.numbers.get(group["plan__municipality_id"]),
                 dimension=group["service__level__code"], value=group["days"],
                 count=group["count"])
    return rows.result()


def level_counts(ctx: Context) -> dict[tuple[datetime.date, str], dict[str, int]]:
    """(month, current number) → {level code: placements + measures at that level}:
    discharges in the month with the pyramid level after discharge, and measures that start
    in the month with a service (its level). Read once a run for every pyramid share."""
    key = ("level_counts", ctx.months)
    if key not in ctx.shared:
        ctx.shared[key] = _level_counts(ctx)
    return ctx.shared[key]


def _level_counts(ctx: Context) -> dict[tuple[datetime.date, str], dict[str, int]]:
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    placements = _discharged(ctx.months).filter(discharge_level__isnull=False)
    for group in _grouped_values(placements, month_of("discharged_at"),
                                 ("municipality_id", "discharge_level__code")):
        number = ctx.numbers.get(group["municipality_id"])
        month = as_month(group["month"])
        if number and month in ctx.months:
            counts[month, number][group["discharge_level__code"]] += group["count"]
    measures = Measure.objects.filter(in_months("starts_on", ctx.months, dates=True),
                                      service__isnull=False)
    for group in _grouped_values(measures, month_of("starts_on", dates=True),
                                 ("plan__municipality_id", "service__level__code")):
        number = ctx.numbers.get(group["plan__municipality_id"])
        month = as_month(group["month"])
        if number and month in ctx.months:
            counts[month, number][group["service__level__code"]] += group["count"]
    return counts


def level_share(ctx: Context) -> list[Row]:
    """Placements and measures with a pyramid level → those at the levels of the parameter
    `levels` (the row without a dimension); a row per level code (dimension) holds that
    level's count over the same total, so the screens can draw the whole pyramid."""
    rows = ctx.rows()
    chosen = set(ctx.parameters.get("levels") or [])
    for (month, number), by_level in level_counts(ctx).items():
        total = sum(by_level.values())
        rows.add(month, number, numerator=sum(n for code, n in by_level.items()
                                              if code in chosen), denominator=total)
        for code, count in by_level.items():
            rows.add(month, number, dimension=code, numerator=count, denominator=total)
    return rows.result()


def specialised_rehabilitation(ctx: Context) -> list[Row]:
    """Rehabilitation stays discharged in the month, and discharges to specialised
    rehabilitation (a level 5.x), each stay counted once; per 1 000 inhabitants by the read
    model (denominator 0)."""
    rows = ctx.rows()
    stays = _discharged(ctx.months).filter(
        Q(is_rehabilitation_stay=True) | Q(discharge_level__code__startswith="5"))
    for group in _grouped_values(stays, month_of("discharged_at"), ("municipality_id",)):
        rows.add(group["month"], ctx.numbers.get(group["municipality_id"]),
                 numerator=group["count"])
    return rows.result()


def coordinators(ctx: Context) -> list[Row]:
    """A stock at compute time, in the current month: active coordinator profiles of each
    municipality (of the parameter `kind`, e.g. "child", or every kind); per 10 000
    inhabitants by the read model (denominator 0). With `trained`: those who have completed
    the training, over all (a share)."""
    rows = ctx.rows()
    month = as_month(ctx.now)
    if month not in ctx.months:
        return []
    profiles = Coordinator.objects.filter(active=True, organization__kind=
                                          OrganizationKind.MUNICIPALITY)
    if ctx.parameters.get("kind"):
        profiles = profiles.filter(kind=ctx.parameters["kind"])
    trained = Q(training_completed_on__isnull=False,
                training_completed_on__lte=local_date(ctx.now))
    for group in profiles.values("organization_id").annotate(
            total=Count("pk"), trained=Count("pk", filter=trained)).order_by():
        number = ctx.numbers.get(group["organization_id"])
        if ctx.parameters.get("trained"):
            rows.add(month, number, numerator=group["trained"], denominator=group["total"])
        else:
            rows.add(month, number, numerator=group["total"])
    return rows.result()


# What patients report -------------------------------------------------------------------------

def self_report_change(ctx: Context) -> list[Row]:
    """Goals whose latest self-report (by evaluation date) was submitted in the month and
    has an earlier one → the mean change of the `score` (performance, or satisfaction;
    1-10) from the goal's first self-report to that latest, in hundredths of a point; a row
    per highest pyramid level among the services of the goal's measures (dimension = level
    code) beside the whole. Attributed to the plan's municipality. Aggregates only: a goal
    is one observation, and the count of goals decides suppression."""
    rows = ctx.rows()
    score = ctx.parameters.get("score") or "performance"
    goal_reports = SelfReport.objects.filter(goal=OuterRef("goal"))
    later = goal_reports.filter(
        Q(for_evaluation_on__gt=OuterRef("for_evaluation_on"))
        | Q(for_evaluation_on=OuterRef("for_evaluation_on"), pk__gt=OuterRef("pk")))
    first = goal_reports.order_by("for_evaluation_on", "pk")
    level = Measure.objects.filter(goal=OuterRef("goal"), service__isnull=False).order_by(
        "-service__level__sort_order").values("service__level__code")[:1]
    latest = SelfReport.objects.filter(
        in_months("submitted_at", ctx.months), submitted_at__lte=ctx.now).filter(
        ~Exists(later)).annotate(
        first_pk=Subquery(first.values("pk")[:1]),
        first_score=Subquery(first.values(score)[:1]),
        level=Subquery(level)).exclude(first_pk=F("pk")).annotate(
        change=F(score) - F("first_score"))
    for group in _grouped_values(latest, month_of("submitted_at"),
                                 ("plan__municipality_id", "level", "change")):
        number = ctx.numbers.get(group["plan__municipality_id"])
        amount = int(group["change"]) * HUNDREDTHS * group["count"]
        rows.add(group["month"], number, numerator=amount, denominator=group["count"])
        if group["level"]:
            rows.add(group["month"], number, dimension=group["level"], numerator=amount,
                     denominator=group["count"])
    return rows.result()


def _score(value) -> int | None:
    """An answer as JSON gives it back (a number, or its text through ->>)."""
    try:
        score = int(str(value))
    except (TypeError, ValueError):
        return None
    return score if 1 <= score <= 5 else None


def experience_share(ctx: Context) -> list[Row]:
    """Experience-survey answers of the month (ExperienceResponse, anonymous) with an answer
    to `question` (default "overall") → those answering `at_least` (default 4) or more on
    the 1-5 scale; a row per highest service level of the plan (dimension) beside the
    whole."""
    rows = ctx.rows()
    question = ctx.parameters.get("question") or "overall"
    at_least = int(ctx.parameters.get("at_least") or 4)
    answers = ExperienceResponse.objects.filter(month__in=sorted(ctx.months)).annotate(
        answer=KeyTextTransform(question, "answers"))
    for group in answers.values("month", "municipality_id", "service_level", "answer").annotate(
            count=Count("pk")).order_by():
        score = _score(group["answer"])
        if score is None:
            continue
        number = ctx.numbers.get(group["municipality_id"])
        high = group["count"] if score >= at_least else 0
        rows.add(group["month"], number, numerator=high, denominator=group["count"])
        if group["service_level"]:
            rows.add(group["month"], number, dimension=group["service_level"],
                     numerator=high, denominator=group["count"])
    return rows.result()


def experience_mean(ctx: Context) -> list[Row]:
    """Experience-survey answers of the month → the mean score (1-5) in hundredths of a
    point: of `question`, or (question "") each respondent's own mean of the questions they
    answered, so that a respondent counts once whatever the number of answers. A row per
    highest service level (dimension) beside the whole."""
    rows = ctx.rows()
    question = ctx.parameters.get("question") or ""
    answers = ExperienceResponse.objects.filter(month__in=sorted(ctx.months))
    # Alike answers come back once with their count (at most 5^6 per month and place).
    for group in answers.values("month", "municipality_id", "service_level", "answers").annotate(
            count=Count("pk")).order_by():
        given = group["answers"]
        if isinstance(given, str):  # a JSON column some backends hand back as text
            given = json.loads(given)
        given = given if isinstance(given, dict) else {}
        if question:
            scores = [s for s in [_score(given.get(question))] if s is not None]
        else:
            scores = [s for s in (_score(v) for v in given.values()) if s is not None]
        if not scores:
            continue
        amount = round(HUNDREDTHS * sum(scores) / len(scores)) * group["count"]
        number = ctx.numbers.get(group["municipality_id"])
        rows.add(group["month"], number, numerator=amount, denominator=group["count"])
        if group["service_level"]:
            rows.add(group["month"], number, dimension=group["service_level"],
                     numerator=amount, denominator=group["count"])
    return rows.result()


# Referrals (issue 15) --------------------------------------------------------------------------

def _by_level(rows: Rows, group: dict, number: str | None, **figures) -> None:
    """A row for the whole and one per pyramid level of the service asked for."""
    for dimension in ("", group["service__level__code"]):
        rows.add(group["month"], number, dimension=dimension, **figures)


def referral_assessed_on_time(ctx: Context) -> list[Row]:
    """Referrals whose assessment deadline (10 working days after receipt) fell in the month
    and has passed or was met → those decided on or before it (the decision's date in
    Europe/Oslo). A forwarded referral counts once, where it was decided in the end (the
    onward one keeps the deadline). The municipality is the patient's; a row per pyramid
    level of the service asked for beside the whole."""
    rows = ctx.rows()
    referrals = Referral.objects.filter(
        in_months("assessment_due", ctx.months, dates=True)).exclude(
        status=ReferralStatus.FORWARDED).filter(
        Q(decided_at__isnull=False) | Q(assessment_due__lt=local_date(ctx.now))).annotate(
        decided_on=local_day("decided_at"))
    for group in _grouped(referrals, month_of("assessment_due", dates=True),
                          "patient__municipality_id", "service__level__code",
                          total=Count("pk"),
                          on_time=Count("pk", filter=Q(decided_on__lte=F("assessment_due")))):
        _by_level(rows, group, ctx.numbers.get(group["patient__municipality_id"]),
                  numerator=group["on_time"], denominator=group["total"])
    return rows.result()


def referral_care_on_time(ctx: Context) -> list[Row]:
    """Referrals accepted with a right to necessary specialised care whose date for the
    start of care fell in the month and has passed or was met → those started on or before
    it (withdrawn ones are left out)."""
    rows = ctx.rows()
    referrals = Referral.objects.filter(
        in_months("care_start_deadline", ctx.months, dates=True), has_right=True,
        status__in=(ReferralStatus.ACCEPTED, ReferralStatus.STARTED)).filter(
        Q(started_on__isnull=False) | Q(care_start_deadline__lt=local_date(ctx.now)))
    for group in _grouped(referrals, month_of("care_start_deadline", dates=True),
                          "patient__municipality_id", "service__level__code",
                          total=Count("pk"),
                          on_time=Count("pk", filter=Q(
                              started_on__lte=F("care_start_deadline")))):
        _by_level(rows, group, ctx.numbers.get(group["patient__municipality_id"]),
                  numerator=group["on_time"], denominator=group["total"])
    return rows.result()


def referral_waiting_days(ctx: Context) -> list[Row]:
    """Referrals whose stay started in the month → histogram of calendar days from receipt
    (Europe/Oslo) to the start, per pyramid level of the place (dimension) beside the whole:
    the waiting patients had, where the catalogue shows the waiting a new one can expect."""
    rows = ctx.rows()
    started = Referral.objects.filter(
        in_months("started_on", ctx.months, dates=True), status=ReferralStatus.STARTED,
        allocated_service__isnull=False).annotate(
        days=DaysBetween(local_day("received_at"), F("started_on")))
    for group in _grouped_values(started, month_of("started_on", dates=True),
                                 ("patient__municipality_id", "allocated_service__level__code",
                                  "days")):
        number = ctx.numbers.get(group["patient__municipality_id"])
        for dimension in ("", group["allocated_service__level__code"]):
            rows.add(group["month"], number, dimension=dimension, value=group["days"],
                     count=group["count"])
    return rows.result()


COMPUTATIONS: dict[str, Callable[[Context], list[Row]]] = {
    Computation.NOTICE_ON_TIME: notice_on_time,
    Computation.NOTICE_HOURS: notice_hours,
    Computation.NOTICE_ACKNOWLEDGED: notice_acknowledged,
    Computation.READY_DAYS: ready_days,
    Computation.READY_COST: ready_cost,
    Computation.MEETING_BEFORE_DISCHARGE: meeting_before_discharge,
    Computation.PLAN_SHARE: plan_share,
    Computation.PLAN_COORDINATOR: plan_coordinator,
    Computation.REQUEST_DAYS_TO_DECISION: request_days_to_decision,
    Computation.REQUEST_DAYS_TO_COORDINATOR: request_days_to_coordinator,
    Computation.WAITING_DAYS: waiting_days,
    Computation.LEVEL_SHARE: level_share,
    Computation.SPECIALISED_REHABILITATION: specialised_rehabilitation,
    Computation.COORDINATORS: coordinators,
    Computation.SELF_REPORT_CHANGE: self_report_change,
    Computation.EXPERIENCE_SHARE: experience_share,
    Computation.EXPERIENCE_MEAN: experience_mean,
    Computation.REFERRAL_ASSESSED_ON_TIME: referral_assessed_on_time,
    Computation.REFERRAL_CARE_ON_TIME: referral_care_on_time,
    Computation.REFERRAL_WAITING_DAYS: referral_waiting_days,
}


def run(computation: str, months: Iterable[datetime.date], *, now: datetime.datetime,
        parameters: dict | None = None, numbers: dict[int, str] | None = None,
        shared: dict | None = None) -> list[Row]:
    """The rows of one computation for the months (first days; later ones than now's month
    are left out). `shared`: a dict the computations of one run share what they read."""
    current = as_month(now)
    wanted = frozenset(as_month(m) for m in months if as_month(m) <= current)
    if not wanted:
        return []
    context = Context(months=wanted, now=now,
                      parameters=with_defaults(computation, parameters or {}),
                      numbers=municipality_numbers() if numbers is None else numbers,
                      shared={} if shared is None else shared)
    return COMPUTATIONS[computation](context)
