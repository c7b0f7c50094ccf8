"""The referrals' deadlines watched by the sweeps: reminders before, alerts after, the unit's
lead told, breaches stamped once; a re-run sends nothing twice."""

import datetime

from django.utils import timezone

from common import sweeps
from referrals import services
from referrals.models import Referral
from referrals.tasks import remind_assessments, remind_care_starts
from registry.models import Notification

OSLO_NOON = datetime.time(12, 0, tzinfo=sweeps.OSLO)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, OSLO_NOON)


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user, kind__startswith="referrals.assess")
                  .values_list("kind", flat=True))


def received_before_easter(world) -> Referral:
    """Received Wednesday 24 March 2027: due Monday 12 April (Easter's holidays skipped)."""
    referral = services.refer(by=world.gp, patient=world.patient,
                              service=world.valnesfjord_rehab, reason="Intensiv rehabilitering")
    Referral.objects.filter(pk=referral.pk).update(
        received_at=at(datetime.date(2027, 3, 24)), assessment_due=datetime.date(2027, 4, 12))
    referral.refresh_from_db()
    return referral


def test_assessors_are_reminded_before_and_on_the_day_and_the_lead_after(world):
    referral = received_before_easter(world)
    assert remind_assessments(at(datetime.date(2027, 4, 6))) == 0  # 4 working days ahead
    assert remind_assessments(at(datetime.date(2027, 4, 8))) == 1  # Thursday: 2 ahead
    assert kinds(world.rve_assessor) == ["referrals.assessment_soon"]
    assert remind_assessments(at(datetime.date(2027, 4, 12))) == 1
    assert kinds(world.rve_lead) == []  # the routine goes to those who assess
    assert remind_assessments(at(datetime.date(2027, 4, 13))) == 2  # alert and escalation
    assert kinds(world.rve_assessor) == ["referrals.assessment_due",
                                         "referrals.assessment_overdue",
                                         "referrals.assessment_soon"]
    assert kinds(world.rve_lead) == ["referrals.assessment_escalated"]
    referral.refresh_from_db()
    breached = referral.assessment_breached_at
    assert breached is not None
    # Re-runs, the next day too, send nothing more and keep the first stamp.
    assert remind_assessments(at(datetime.date(2027, 4, 13))) == 0
    assert remind_assessments(at(datetime.date(2027, 4, 14))) == 0
    referral.refresh_from_db()
    assert referral.assessment_breached_at == breached
    # Nobody at the GP office or in Bodø hears of it.
    assert not Notification.objects.filter(recipient=world.gp,
                                           kind__startswith="referrals.assessment").exists()


def test_a_decided_referral_is_not_chased(world):
    referral = received_before_easter(world)
    services.decline(referral, by=world.rve_assessor, reason="Dekkes i kommunen")
    assert remind_assessments(at(datetime.date(2027, 4, 13))) == 0
    referral.refresh_from_db()
    assert referral.assessment_breached_at is None


def test_the_date_care_must_start_is_watched_until_the_stay_starts(world):
    today = timezone.localdate()
    referral = services.accept(
        services.refer(by=world.gp, patient=world.patient, service=world.valnesfjord_rehab,
                       reason="Intensiv rehabilitering"),
        by=world.rve_assessor, has_right=True,
        care_start_deadline=today + datetime.timedelta(days=20))
    deadline = referral.care_start_deadline
    assert remind_care_starts(at(deadline - datetime.timedelta(days=8))) == 0
    assert remind_care_starts(at(deadline - datetime.timedelta(days=7))) == 1
    assert Notification.objects.filter(recipient=world.valnesfjord_assessor,
                                       kind="referrals.care_start_soon").exists()
    # Valnesfjord has no lead: its assessor is alerted, nobody is escalated to.
    assert remind_care_starts(at(deadline + datetime.timedelta(days=1))) == 1
    referral.refresh_from_db()
    assert referral.care_start_breached_at is not None
    assert remind_care_starts(at(deadline + datetime.timedelta(days=2))) == 0
    services.record_start(referral, by=world.valnesfjord_assessor)
    assert not list(remind_care_starts.due(at(deadline + datetime.timedelta(days=3))))


def test_the_due_queries_stay_within_the_sweeps_budget(world, django_assert_max_num_queries):
    """Per batch: the due rows, the units' people, the stamp, the outbox (insert, select)."""
    for service in (world.valnesfjord_rehab, world.skibotn_rehab):
        referral = services.refer(by=world.gp, patient=world.patient, service=service,
                                  reason="x")
        Referral.objects.filter(pk=referral.pk).update(
            assessment_due=datetime.date(2027, 4, 12))
    with django_assert_max_num_queries(8):
        assert remind_assessments(at(datetime.date(2027, 4, 13))) == 4  # alert and escalation

