"""Each computation's arithmetic on small hand-made data: the rows a month, a municipality (by
its current number) and, where the hospital answers for it, a hospital get."""

import datetime
import random

import pytest
from django.utils import timezone

from common.sweeps import OSLO, local_date
from coordination.models import (
    Coordinator,
    CoordinatorAssignment,
    CoordinatorKind,
    IndividualPlan,
    Measure,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestSource,
    RequestStatus,
)
from indicators import computations
from indicators.computations import Row, as_month, billable_days
from indicators.models import Computation, MunicipalityNumberChange, NumberChangeKind
from pathways import billing
from pathways.models import (
    Admission,
    AdmissionStatus,
    DailyRate,
    DischargeMeeting,
    EarlyNotification,
    MeetingStatus,
    MunicipalAnswer,
    MunicipalAnswerKind,
    NoticeState,
    ReadyForDischarge,
)
from registry.models import OrganizationKind, Role, ServiceLevel
from tests import factories

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2024, 3, 1)
APRIL = datetime.date(2024, 4, 1)
MAY = datetime.date(2024, 5, 1)
# When the figures are computed: well after every deadline and window of the data below.
LATER = datetime.datetime(2024, 7, 1, 12, tzinfo=OSLO)


def at(day: int, hour: int = 10, month: int = 3, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2024, month, day, hour, minute, tzinfo=OSLO)


def run(computation, months=(MARCH,), now=LATER, **parameters) -> list[Row]:
    return computations.run(computation, months, now=now, parameters=parameters)


def rows(computation, months=(MARCH,), now=LATER, **parameters) -> set[tuple]:
    """The rows as (month, number, hospital, dimension, numerator, denominator)."""
    return {(r.month, r.municipality_number, r.hospital_id, r.dimension, r.numerator,
             r.denominator) for r in run(computation, months, now, **parameters)}


_patients = iter(range(10_000))


def new_patient(cast, municipality=None):
    return factories.patient(cast.ke_tromso, "Test", f"Pasient{next(_patients)}",
                             municipality=municipality or cast.tromso)


def stay(cast, admitted_at, *, patient=None, municipality=None, hospital=None, sent_after=None,
         discharged_after=None, status=AdmissionStatus.DISCHARGED, **fields) -> Admission:
    """An admission row at fixed moments: the notice `sent_after` (a timedelta) admission,
    the discharge `discharged_after` it (then discharged unless `status` says otherwise)."""
    hospital = hospital or cast.unn
    return Admission.objects.create(
        patient=patient or new_patient(cast, municipality), hospital=hospital,
        ward=factories.ward(hospital), admitted_at=admitted_at,
        municipality=municipality or cast.tromso,
        notification_deadline=admitted_at + datetime.timedelta(hours=24),
        first_notification_sent_at=admitted_at + sent_after if sent_after else None,
        discharged_at=admitted_at + discharged_after if discharged_after else None,
        status=status if discharged_after else AdmissionStatus.ADMITTED, **fields)


HOURS = datetime.timedelta(hours=1)
DAYS = datetime.timedelta(days=1)


# -- Early notification ---------------------------------------------------------------------

def test_it_counts_the_notices_sent_by_the_deadline(cast):
    stay(cast, at(4), sent_after=10 * HOURS, discharged_after=5 * DAYS)
    stay(cast, at(5), sent_after=30 * HOURS, discharged_after=5 * DAYS)     # late
    stay(cast, at(6), discharged_after=5 * DAYS)                            # never sent
    stay(cast, at(7), discharged_after=2 * HOURS)       # gone before the deadline: left out
    stay(cast, at(31, 23), sent_after=2 * HOURS)        # March in Oslo, April in UTC
    stay(cast, at(2, month=4), sent_after=HOURS)        # April: another month
    assert rows(Computation.NOTICE_ON_TIME) == {(MARCH, "5501", cast.unn.pk, "", 2, 4)}
    # Today's figures leave out the admissions whose deadline is still ahead.
    assert rows(Computation.NOTICE_ON_TIME, now=at(31, 23, minute=30)) == {
        (MARCH, "5501", cast.unn.pk, "", 1, 3)}


def test_it_keeps_the_hours_to_the_first_notice_as_a_histogram(cast):
    stay(cast, at(4), sent_after=10 * HOURS + 59 * datetime.timedelta(minutes=1))
    stay(cast, at(5), sent_after=10 * HOURS)
    stay(cast, at(6), sent_after=30 * HOURS)
    stay(cast, at(7))                                   # not sent: no hours
    [row] = run(Computation.NOTICE_HOURS)
    assert (row.month, row.municipality_number, row.hospital_id) == (MARCH, "5501",
                                                                     cast.unn.pk)
    assert row.histogram == {"10": 2, "30": 1}
    assert (row.numerator, row.denominator) == (50, 3)


def _notice(admission, sent_at, acknowledged_after=None, sequence=1, state=NoticeState.SENT):
    return EarlyNotification.objects.create(
        admission=admission, municipality=admission.municipality, sequence=sequence,
        state=state, sent_at=sent_at,
        acknowledged_at=sent_at + acknowledged_after if acknowledged_after else None)


def test_it_counts_the_notices_acknowledged_in_time(cast):
    def sent(day, acknowledged_after=None):
        admission = stay(cast, at(day), sent_after=HOURS)
        return _notice(admission, admission.first_notification_sent_at, acknowledged_after)

    sent(4, 2 * HOURS)
    sent(5, 20 * HOURS)                                 # late for 8 hours, in time for 24
    sent(6)                                             # never acknowledged
    later = sent(7, 3 * HOURS)
    _notice(later.admission, at(8), 30 * HOURS, sequence=2)   # an update: not counted
    assert rows(Computation.NOTICE_ACKNOWLEDGED) == {(MARCH, "5501", cast.unn.pk, "", 2, 4)}
    assert rows(Computation.NOTICE_ACKNOWLEDGED, hours=24) == {
        (MARCH, "5501", cast.unn.pk, "", 3, 4)}
    # While a notice's time runs it counts only once acknowledged.
    assert rows(Computation.NOTICE_ACKNOWLEDGED, now=at(7, 16)) == {
        (MARCH, "5501", cast.unn.pk, "", 2, 4)}
    assert rows(Computation.NOTICE_ACKNOWLEDGED, now=at(6, 12)) == {
        (MARCH, "5501", cast.unn.pk, "", 1, 2)}


# -- Ready for discharge ----------------------------------------------------------------------

def _declaration(admission, declared_at, answers=(), withdrawn_at=None):
    declaration = ReadyForDischarge.objects.create(
        admission=admission, declared_at=declared_at, physician="Dr. Lege",
        withdrawn_at=withdrawn_at)
    for answered_at, kind, day in answers:
        MunicipalAnswer.objects.create(
            declaration=declaration, kind=kind, answered_at=answered_at,
            answered_by=_answerer(),
            receive_on=day if kind == MunicipalAnswerKind.CAN_RECEIVE else None,
            expected_date=day if kind == MunicipalAnswerKind.CANNOT_YET else None)
    return declaration


def _answerer():
    from registry.models import User

    return User.objects.get(username="ke_tromso")


def test_it_counts_ready_for_discharge_days_in_the_month_they_fall_in(cast):
    # Declared on 30 March; the municipality cannot receive, then (on 1 April) can from
    # 3 April; discharged on 5 April: 30 and 31 March, 1 and 2 April are paid.
    admission = stay(cast, at(25), discharged_after=datetime.timedelta(days=11, hours=2))
    _declaration(admission, at(30, 9), [
        (at(30, 15), MunicipalAnswerKind.CANNOT_YET, datetime.date(2024, 4, 8)),
        (at(1, 8, month=4), MunicipalAnswerKind.CAN_RECEIVE, datetime.date(2024, 4, 3))])
    assert rows(Computation.READY_DAYS, months=(MARCH, APRIL)) == {
        (MARCH, "5501", cast.unn.pk, "", 2, 0), (APRIL, "5501", cast.unn.pk, "", 2, 0)}
    assert rows(Computation.READY_COST, months=(MARCH, APRIL)) == {
        (MARCH, "5501", cast.unn.pk, "", 2 * 5745, 2),  # the amount and its days
        (APRIL, "5501", cast.unn.pk, "", 2 * 5745, 2)}


def test_a_year_without_a_daily_rate_has_no_cost_to_show(cast):
    admission = stay(cast, at(20, month=12) - datetime.timedelta(days=366 * 3),
                     discharged_after=5 * DAYS)
    _declaration(admission, admission.admitted_at + DAYS)
    december = as_month(admission.admitted_at)
    assert december.year == 2021
    assert rows(Computation.READY_DAYS, months=(december,)) == {
        (december, "5501", cast.unn.pk, "", 4, 0)}
    assert rows(Computation.READY_COST, months=(december,)) == set()
    DailyRate.objects.create(year=2021, amount=5167, source="Helsedirektoratet")
    assert rows(Computation.READY_COST, months=(december,)) == {
        (december, "5501", cast.unn.pk, "", 4 * 5167, 4)}


def test_ready_for_discharge_days_agree_with_the_billing_statement(cast):
    """The bulk count and pathways.billing.statement agree, day by day, on many shapes of
    declarations: answered or not, withdrawn, open through today, answers on the same day."""
    rng = random.Random(13)  # noqa: S311 - test data
    today = datetime.date(2024, 4, 20)
    now = datetime.datetime.combine(today, datetime.time(13), tzinfo=OSLO)
    declarations = []
    for i in range(25):
        admitted = at(1 + rng.randrange(25), rng.randrange(24), month=rng.choice([2, 3]))
        declared = admitted + datetime.timedelta(days=rng.randrange(5), hours=rng.randrange(30))
        ends = rng.random()
        discharged_after = (declared - admitted) + datetime.timedelta(
            days=rng.randrange(1, 40), hours=rng.randrange(24)) if ends < 0.6 else None
        if discharged_after and admitted + discharged_after > now:
            discharged_after = None
        admission = stay(cast, admitted, discharged_after=discharged_after,
                         status=AdmissionStatus.DISCHARGED if discharged_after
                         else AdmissionStatus.READY_FOR_DISCHARGE)
        answers, moment = [], declared
        for _ in range(rng.randrange(4)):
            moment = moment + datetime.timedelta(hours=rng.choice([1, 5, 20, 50, 100]))
            if moment > now:
                break
            kind = rng.choice([MunicipalAnswerKind.CAN_RECEIVE, MunicipalAnswerKind.CANNOT_YET])
            day = local_date(declared) + datetime.timedelta(days=rng.randrange(12))
            answers.append((moment, kind, day))
        withdrawn = declared + datetime.timedelta(days=rng.randrange(1, 10)) \
            if i % 7 == 0 and declared + datetime.timedelta(days=10) < now else None
        declarations.append(_declaration(admission, declared, answers, withdrawn))
    months = computations.months_from(datetime.date(2024, 2, 1), today)
    expected: dict[tuple, int] = {}
    for declaration in declarations:
        for line in billing.statement(declaration, today=today).lines:
            if line.billable:
                key = (line.date.replace(day=1), "5501", cast.unn.pk, "")
                expected[key] = expected.get(key, 0) + 1
    assert sum(expected.values()) > 50
    got = {(r.month, r.municipality_number, r.hospital_id, r.dimension): r.numerator
           for r in computations.run(Computation.READY_DAYS, months, now=now)}
    assert got == expected


def test_billable_days_follow_the_latest_answer_of_each_day():
    declared = at(10, 9)
    # Two answers on the 11th: the later one (cannot) is in force from the 11th on.
    answers = [(at(11, 8), 1, MunicipalAnswerKind.CAN_RECEIVE, datetime.date(2024, 3, 11)),
               (at(11, 9), 2, MunicipalAnswerKind.CANNOT_YET, None),
               (at(14, 9), 3, MunicipalAnswerKind.CAN_RECEIVE, datetime.date(2024, 3, 12))]
    runs = billable_days(declared, at(17, 12), answers, datetime.date(2024, 3, 20))
    assert runs == [(datetime.date(2024, 3, 10), datetime.date(2024, 3, 14))]


# -- Discharge ------------------------------------------------------------------------------

def _meeting(cast, admission, scheduled_at, status=MeetingStatus.HELD):
    return DischargeMeeting.objects.create(admission=admission, organizer=cast.planner,
                                           scheduled_at=scheduled_at, location="Møterom",
                                           status=status)


def test_it_counts_discharges_with_a_meeting_first(cast):
    def discharged(day, **fields):
        return stay(cast, at(day), discharged_after=5 * DAYS,
                    needs_interdisciplinary_follow_up=True, **fields)

    held = discharged(1)
    _meeting(cast, held, at(4))
    scheduled = discharged(2)
    _meeting(cast, scheduled, at(6, 9), MeetingStatus.SCHEDULED)        # started before
    cancelled = discharged(3)
    _meeting(cast, cancelled, at(5), MeetingStatus.CANCELLED)
    after = discharged(4)
    _meeting(cast, after, at(9, 12), MeetingStatus.SCHEDULED)           # after discharge
    discharged(6)                                                       # no meeting
    stay(cast, at(7), discharged_after=5 * DAYS)                        # no follow-up
    died = discharged(8, status=AdmissionStatus.DECEASED)
    _meeting(cast, died, at(9))
    assert rows(Computation.MEETING_BEFORE_DISCHARGE) == {
        (MARCH, "5501", cast.unn.pk, "", 2, 5)}


def _plan(cast, patient, status, created_at, *, coordinator=None, request=None):
    plan = IndividualPlan.objects.create(patient=patient, municipality=cast.tromso,
                                         status=status, coordinator=coordinator,
                                         request=request)
    IndividualPlan.objects.filter(pk=plan.pk).update(created_at=created_at)
    plan.refresh_from_db()
    return plan


def test_it_counts_the_discharged_patients_who_have_a_plan(cast):
    def discharged(patient, day):
        return stay(cast, at(day), patient=patient, discharged_after=2 * DAYS,
                    needs_interdisciplinary_follow_up=True)

    with_plan, declined, coordinator_only, without = (new_patient(cast) for _ in range(4))
    discharged(with_plan, 1)
    discharged(with_plan, 10)                       # twice in the month: one patient
    _plan(cast, with_plan, PlanStatus.ACTIVE, at(20, month=5))     # made later: counts
    discharged(declined, 2)
    _plan(cast, declined, PlanStatus.DECLINED, at(3))
    discharged(coordinator_only, 3)
    _plan(cast, coordinator_only, PlanStatus.REQUESTED, at(3))
    discharged(without, 4)
    assert rows(Computation.PLAN_SHARE) == {(MARCH, "5501", None, "", 1, 4)}


def test_it_counts_the_plans_made_with_a_coordinator(cast):
    coordinator = factories.coordinator(cast)
    assigned = _plan(cast, new_patient(cast), PlanStatus.ACTIVE, at(2))
    CoordinatorAssignment.objects.create(plan=assigned, coordinator=coordinator,
                                         assigned_at=at(3), assigned_by=cast.ke_tromso)
    _plan(cast, new_patient(cast), PlanStatus.IN_PREPARATION, at(4))      # none yet
    _plan(cast, new_patient(cast), PlanStatus.CLOSED, at(5), coordinator=coordinator)
    _plan(cast, new_patient(cast), PlanStatus.REQUESTED, at(6), coordinator=coordinator)
    _plan(cast, new_patient(cast), PlanStatus.DECLINED, at(7))
    _plan(cast, new_patient(cast), PlanStatus.ACTIVE, at(2, month=4))     # April
    assert rows(Computation.PLAN_COORDINATOR) == {(MARCH, "5501", None, "", 2, 3)}


# -- The KE's requests ----------------------------------------------------------------------

def _request(cast, received_at, decided_at=None, status=RequestStatus.ACCEPTED):
    return PlanRequest.objects.create(
        patient=new_patient(cast), municipality=cast.tromso,
        kind=RequestKind.INDIVIDUAL_PLAN, source=RequestSource.GP, received_at=received_at,
        decided_at=decided_at, status=status if decided_at else RequestStatus.RECEIVED)


def test_it_keeps_the_days_from_request_to_decision_and_to_coordinator(cast):
    coordinator = factories.coordinator(cast)
    # Received late on the 1st, decided early on the 5th: 4 calendar days (not 3 × 24 h).
    first = _request(cast, at(1, 23), at(5, 7))
    _request(cast, at(6, 9), at(6, 15), RequestStatus.DECLINED)          # the same day
    _request(cast, at(7))                                                # waiting
    _request(cast, at(20, month=2), at(2, month=4))                      # April
    plan = _plan(cast, first.patient, PlanStatus.ACTIVE, at(5, 8), request=first)
    for day, hour in ((10, 12), (20, 12)):                               # first, then a change
        CoordinatorAssignment.objects.filter(plan=plan, ended_at__isnull=True).update(
            ended_at=at(day, hour))
        CoordinatorAssignment.objects.create(plan=plan, coordinator=coordinator,
                                             assigned_at=at(day, hour),
                                             assigned_by=cast.ke_tromso)
    [decided] = run(Computation.REQUEST_DAYS_TO_DECISION)
    assert (decided.municipality_number, decided.histogram, decided.numerator,
            decided.denominator) == ("5501", {"0": 1, "4": 1}, 4, 2)
    [assigned] = run(Computation.REQUEST_DAYS_TO_COORDINATOR)
    assert (assigned.month, assigned.histogram, assigned.denominator) == (MARCH, {"9": 1}, 1)


# -- The pyramid ----------------------------------------------------------------------------

def _measure(cast, plan, level_code, starts_on, created_at, provider=None):
    service = factories.service(provider or cast.tromso, level_code)
    return Measure.objects.create(plan=plan, service=service, starts_on=starts_on,
                                  created_at=created_at)


def test_it_keeps_the_observed_waiting_per_level(cast):
    plan = _plan(cast, new_patient(cast), PlanStatus.ACTIVE, at(1, month=2))
    _measure(cast, plan, "3", datetime.date(2024, 3, 1), at(20, 23, month=2))   # 10 days
    _measure(cast, plan, "3", datetime.date(2024, 3, 4), at(1, month=3))        # 3 days
    _measure(cast, plan, "4", datetime.date(2024, 3, 30), at(9, month=3))       # 21 days
    _measure(cast, plan, "4", datetime.date(2024, 3, 2), at(5, month=3))        # began before
    Measure.objects.create(plan=plan, description="Trening", starts_on=datetime.date(2024, 3, 1))
    found = {r.dimension: (r.histogram, r.denominator) for r in run(Computation.WAITING_DAYS)}
    assert found == {"3": ({"3": 1, "10": 1}, 2), "4": ({"0": 1, "21": 1}, 2)}


def test_it_shares_placements_and_measures_over_the_pyramid(cast):
    levels = {level.code: level for level in ServiceLevel.objects.all()}
    stay(cast, at(2), discharged_after=DAYS, discharge_level=levels["2"])
    stay(cast, at(3), discharged_after=DAYS, discharge_level=levels["4"])
    stay(cast, at(4), discharged_after=DAYS)                       # no level: not counted
    plan = _plan(cast, new_patient(cast), PlanStatus.ACTIVE, at(1, month=2))
    _measure(cast, plan, "3", datetime.date(2024, 3, 10), at(1))
    _measure(cast, plan, "5.1", datetime.date(2024, 3, 11), at(1), provider=cast.unn)
    assert rows(Computation.LEVEL_SHARE, levels=["1", "2", "3"]) == {
        (MARCH, "5501", None, "", 2, 4), (MARCH, "5501", None, "2", 1, 4),
        (MARCH, "5501", None, "3", 1, 4), (MARCH, "5501", None, "4", 1, 4),
        (MARCH, "5501", None, "5.1", 1, 4)}
    assert (MARCH, "5501", None, "", 1, 4) in rows(Computation.LEVEL_SHARE,
                                                   levels=["5.1", "5.2", "5.3"])


def test_it_counts_each_specialised_rehabilitation_stay_once(cast):
    levels = {level.code: level for level in ServiceLevel.objects.all()}
    stay(cast, at(2), discharged_after=DAYS, is_rehabilitation_stay=True)
    stay(cast, at(3), discharged_after=DAYS, discharge_level=levels["5.1"])
    stay(cast, at(4), discharged_after=DAYS, is_rehabilitation_stay=True,
         discharge_level=levels["5.2"])                              # once, not twice
    stay(cast, at(5), discharged_after=DAYS, discharge_level=levels["4"])
    stay(cast, at(6), discharged_after=DAYS, is_rehabilitation_stay=True,
         status=AdmissionStatus.DECEASED)
    assert rows(Computation.SPECIALISED_REHABILITATION) == {(MARCH, "5501", None, "", 3, 0)}


def test_coordinators_are_a_stock_in_the_current_month(cast):
    other = factories.user("coordinator2", cast.tromso, Role.COORDINATOR)
    third = factories.user("coordinator3", cast.tromso, Role.COORDINATOR)
    Coordinator.objects.create(user=cast.coordinator, organization=cast.tromso,
                               training_completed_on=datetime.date(2023, 5, 1))
    Coordinator.objects.create(user=other, organization=cast.tromso,
                               kind=CoordinatorKind.CHILD)
    Coordinator.objects.create(user=third, organization=cast.tromso, active=False)
    Coordinator.objects.create(user=third, organization=cast.unn_hf)      # a trust's
    now = timezone.now()
    month = local_date(now).replace(day=1)
    assert rows(Computation.COORDINATORS, months=(month, MARCH), now=now) == {
        (month, "5501", None, "", 2, 0)}
    assert rows(Computation.COORDINATORS, months=(month,), now=now, kind="child") == {
        (month, "5501", None, "", 1, 0)}
    assert rows(Computation.COORDINATORS, months=(month,), now=now, trained=True) == {
        (month, "5501", None, "", 1, 2)}
    assert rows(Computation.COORDINATORS, months=(MARCH,), now=now) == set()


# -- Months and municipalities --------------------------------------------------------------

def test_an_empty_month_has_no_rows(cast):
    stay(cast, at(4), sent_after=HOURS, discharged_after=DAYS,
         needs_interdisciplinary_follow_up=True, is_rehabilitation_stay=True)
    for computation in Computation.values:
        assert run(computation, months=(APRIL,)) == [], computation
        assert all(row.month == MARCH for row in run(computation, months=(MARCH, APRIL)))


def test_a_patient_who_moves_keeps_past_stays_where_they_were(cast):
    patient = new_patient(cast)
    stay(cast, at(4), patient=patient, sent_after=HOURS, discharged_after=DAYS)
    patient.municipality = cast.bodo
    patient.save()
    stay(cast, at(4, month=4), patient=patient, municipality=cast.bodo, sent_after=HOURS,
         discharged_after=DAYS)
    assert rows(Computation.NOTICE_ON_TIME, months=(MARCH, APRIL)) == {
        (MARCH, "5501", cast.unn.pk, "", 1, 1), (APRIL, "1804", cast.unn.pk, "", 1, 1)}


def test_a_merger_counts_both_old_numbers_under_the_new(cast):
    old_a = factories.organization(name="Tysfjord", municipality_number="1850")
    old_b = factories.organization(name="Ballangen", municipality_number="1854")
    for number in ("1850", "1854"):
        MunicipalityNumberChange.objects.create(from_number=number, to_number="1806",
                                                year=2020, kind=NumberChangeKind.MERGED,
                                                source="SSB, kommuneendringer 2020")
    stay(cast, at(4), municipality=old_a, sent_after=HOURS)
    stay(cast, at(5), municipality=old_b, sent_after=30 * HOURS)
    stay(cast, at(6), municipality=cast.tromso, sent_after=HOURS)
    assert rows(Computation.NOTICE_ON_TIME) == {
        (MARCH, "1806", cast.unn.pk, "", 1, 2), (MARCH, "5501", cast.unn.pk, "", 1, 1)}
    assert old_a.kind == OrganizationKind.MUNICIPALITY


def test_it_refuses_unknown_or_malformed_parameters():
    errors = computations.parameter_errors
    assert errors(Computation.LEVEL_SHARE, {"levels": ["4"]}) == []
    assert errors(Computation.LEVEL_SHARE, {"levels": ["9"]})
    assert errors(Computation.LEVEL_SHARE, {"levels": "4"})
    assert errors(Computation.NOTICE_ACKNOWLEDGED, {"hours": 0})
    assert errors(Computation.NOTICE_ACKNOWLEDGED, {"hours": None}) == []
    assert errors(Computation.COORDINATORS, {"kind": "child", "trained": True}) == []
    assert errors(Computation.COORDINATORS, {"kind": "nurse"})
    assert errors(Computation.NOTICE_HOURS, {"hours": 8})
