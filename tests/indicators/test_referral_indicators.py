"""Referrals among the indicators: assessed within the deadline, care started by the date set,
and the days from referral to start; per pyramid level beside the whole, by the patient's
municipality."""

import datetime

import pytest

from common.sweeps import OSLO
from indicators import computations
from indicators.models import Computation, Indicator
from referrals.models import Referral, ReferralStatus
from tests.referrals.conftest import referral_world

MARCH = datetime.date(2027, 3, 1)
LATER = datetime.datetime(2027, 7, 1, 12, tzinfo=OSLO)


def at(day: int, month: int = 3, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2027, month, day, hour, tzinfo=OSLO)


def rows(computation, now=LATER) -> set[tuple]:
    return {(r.month, r.municipality_number, r.dimension, r.numerator, r.denominator)
            for r in computations.run(computation, [MARCH], now=now)}


@pytest.fixture
def world(cast):
    return referral_world(cast)


_patients = iter(range(1000))


def referral(cast, world, *, due: datetime.date, status=ReferralStatus.RECEIVED,
             decided_at=None, **fields) -> Referral:
    """A referral row at fixed moments (the services stamp now)."""
    from tests import factories

    patient = factories.patient(world.gp, "Test", f"Henvist{next(_patients)}",
                                municipality=cast.tromso)
    return Referral.objects.create(
        patient=patient, service=world.valnesfjord_rehab, receiver=world.rve,
        referrer=world.gp_office, referred_by=world.gp, reason="x",
        received_at=at(1), assessment_due=due, status=status, decided_at=decided_at,
        **fields)


def test_it_counts_the_referrals_decided_by_their_deadline(cast, world):
    referral(cast, world, due=datetime.date(2027, 3, 12), status=ReferralStatus.ACCEPTED,
             decided_at=at(12, hour=23))  # the deadline's own evening in Oslo: on time
    referral(cast, world, due=datetime.date(2027, 3, 12), status=ReferralStatus.DECLINED,
             decided_at=at(13))  # a day late
    referral(cast, world, due=datetime.date(2027, 3, 15))  # never decided: late
    referral(cast, world, due=datetime.date(2027, 3, 16), status=ReferralStatus.FORWARDED,
             decided_at=at(2))  # counted where it was decided in the end
    referral(cast, world, due=datetime.date(2027, 4, 2))  # April
    assert rows(Computation.REFERRAL_ASSESSED_ON_TIME) == {
        (MARCH, "5501", "", 1, 3), (MARCH, "5501", "5.1", 1, 3)}
    # Today's figures leave out what is still within its deadline.
    assert rows(Computation.REFERRAL_ASSESSED_ON_TIME, now=at(14)) == {
        (MARCH, "5501", "", 1, 2), (MARCH, "5501", "5.1", 1, 2)}


def test_it_counts_necessary_care_started_by_the_date_set(cast, world):
    common = {"due": datetime.date(2027, 2, 10), "decided_at": at(5, month=2),
              "has_right": True, "allocated_service": world.valnesfjord_rehab}
    referral(cast, world, status=ReferralStatus.STARTED, care_start_deadline=datetime.date(
        2027, 3, 20), started_on=datetime.date(2027, 3, 20), **common)
    referral(cast, world, status=ReferralStatus.STARTED, care_start_deadline=datetime.date(
        2027, 3, 20), started_on=datetime.date(2027, 3, 22), **common)  # late
    referral(cast, world, status=ReferralStatus.ACCEPTED,
             care_start_deadline=datetime.date(2027, 3, 25), **common)  # passed, waiting
    referral(cast, world, status=ReferralStatus.WITHDRAWN,
             care_start_deadline=datetime.date(2027, 3, 25), **common)  # left out
    assert rows(Computation.REFERRAL_CARE_ON_TIME) == {
        (MARCH, "5501", "", 1, 3), (MARCH, "5501", "5.1", 1, 3)}


def test_it_keeps_the_days_from_referral_to_start_as_a_histogram(cast, world):
    for started in (datetime.date(2027, 3, 11), datetime.date(2027, 3, 31)):
        referral(cast, world, due=datetime.date(2027, 1, 20), decided_at=at(5, month=1),
                 status=ReferralStatus.STARTED, started_on=started,
                 allocated_service=world.valnesfjord_rehab)
    [whole, level] = sorted(computations.run(Computation.REFERRAL_WAITING_DAYS, [MARCH],
                                             now=LATER), key=lambda r: r.dimension)
    assert (whole.dimension, level.dimension) == ("", "5.1")
    assert whole.histogram == level.histogram == {"10": 1, "30": 1}


def test_the_catalogue_explains_the_three_referral_indicators(db):
    codes = set(Indicator.objects.filter(computation__startswith="referral_")
                .values_list("code", flat=True))
    assert codes == {"referral-assessed-on-time", "referral-care-on-time",
                     "referral-waiting-days"}
