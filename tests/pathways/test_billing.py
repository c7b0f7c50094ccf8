"""Ready-for-discharge days: the rule of DOMAIN.md, day by day, across years and DST."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from pathways import billing
from pathways.deadlines import local_date
from pathways.models import (
    Admission,
    DischargeDestination,
    MunicipalAnswer,
    MunicipalAnswerKind,
    ReadyForDischarge,
)

OSLO = ZoneInfo("Europe/Oslo")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def declaration(cast):
    admission = Admission.objects.create(
        patient=cast.shared, hospital=cast.unn, ward=cast.stroke_unit, municipality=cast.tromso,
        admitted_at=at(2023, 12, 20, 9), notification_deadline=at(2023, 12, 21, 9),
        status="ready_for_discharge")
    return ReadyForDischarge.objects.create(admission=admission, declared_at=at(2023, 12, 30, 10),
                                            physician="Dr. Lege")


def answer(declaration, kind, when, receive_on=None, user=None):
    return MunicipalAnswer.objects.create(declaration=declaration, kind=kind, answered_at=when,
                                          receive_on=receive_on,
                                          answered_by=user or declaration.admission.patient
                                          .created_by)


def discharge(declaration, when):
    Admission.objects.filter(pk=declaration.admission_id).update(
        discharged_at=when, status="discharged", discharge_destination=DischargeDestination.HOME)
    declaration.refresh_from_db()
    declaration.admission.refresh_from_db()


def test_it_charges_every_day_without_an_answer_at_each_years_rate(declaration):
    discharge(declaration, at(2024, 1, 3, 12))
    result = billing.statement(declaration)
    assert [line.date.isoformat() for line in result.lines] == [
        "2023-12-30", "2023-12-31", "2024-01-01", "2024-01-02"]
    assert result.billable_days == 4
    assert result.total == Decimal(2 * 5508 + 2 * 5745)
    assert all("No answer" in line.reason for line in result.lines)


def test_it_stops_charging_on_the_day_the_municipality_can_receive(declaration):
    answer(declaration, MunicipalAnswerKind.CAN_RECEIVE, at(2023, 12, 30, 14),
           receive_on=datetime.date(2024, 1, 1))
    discharge(declaration, at(2024, 1, 3, 12))
    result = billing.statement(declaration)
    assert [line.billable for line in result.lines] == [True, True, False, False]
    assert result.total == Decimal(2 * 5508)


def test_it_charges_while_the_municipality_says_it_cannot_yet(declaration):
    answer(declaration, MunicipalAnswerKind.CANNOT_YET, at(2023, 12, 30, 11))
    answer(declaration, MunicipalAnswerKind.CAN_RECEIVE, at(2024, 1, 1, 9),
           receive_on=datetime.date(2024, 1, 2))
    discharge(declaration, at(2024, 1, 4, 12))
    reasons = [line.reason for line in billing.statement(declaration).lines]
    assert "cannot receive" in reasons[0] and "cannot receive" in reasons[1]
    assert "from 2024-01-02" in reasons[2]
    assert "hospital" in reasons[3] and "hospital" in reasons[4]


def test_withdrawal_ends_the_period(declaration):
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(withdrawn_at=at(2024, 1, 1, 8))
    declaration.refresh_from_db()
    assert billing.statement(declaration).billable_days == 2


def test_it_shows_an_open_period_through_today_and_flags_a_missing_rate(cast):
    admission = Admission.objects.create(
        patient=cast.shared, hospital=cast.unn, ward=cast.stroke_unit, municipality=cast.tromso,
        admitted_at=at(2026, 11, 1, 9), notification_deadline=at(2026, 11, 2, 9),
        status="ready_for_discharge")
    declaration = ReadyForDischarge.objects.create(admission=admission,
                                                   declared_at=at(2026, 11, 20, 15),
                                                   physician="Dr. Lege")
    result = billing.statement(declaration, today=datetime.date(2026, 11, 22))
    assert result.billable_days == 3
    assert result.missing_rate_years == [2026]
    assert result.total == 0


def test_it_counts_local_days_across_the_spring_dst_change(cast):
    admission = Admission.objects.create(
        patient=cast.shared, hospital=cast.unn, ward=cast.stroke_unit, municipality=cast.tromso,
        admitted_at=at(2026, 3, 20, 9), notification_deadline=at(2026, 3, 21, 9),
        status="ready_for_discharge")
    # 00:30 in Oslo on 29 March is still 28 March in UTC.
    declared = at(2026, 3, 29, 0, 30)
    assert declared.astimezone(datetime.UTC).date() == datetime.date(2026, 3, 28)
    declaration = ReadyForDischarge.objects.create(admission=admission, declared_at=declared,
                                                   physician="Dr. Lege")
    assert local_date(declared) == datetime.date(2026, 3, 29)
    discharge(declaration, at(2026, 3, 31, 10))
    assert [line.date.day for line in billing.statement(declaration).lines] == [29, 30]
