"""The referral's steps: routing through the RVE, the deadline, deciding, the waiting list and
its waiting time, leaving it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from common.exceptions import StaleVersion, StateConflict
from pathways.services import admissions as stays
from referrals import services
from referrals.models import Referral, ReferralStatus, WithdrawalReason
from referrals.workdays import add_working_days
from registry.models import AuditEvent, Notification
from tests import factories


def refer(world, **fields):
    return services.refer(by=world.gp, patient=world.patient, service=world.valnesfjord_rehab,
                          reason="Trenger intensiv rehabilitering etter hjerneslag", **fields)


def test_a_gp_applies_for_a_private_institution_through_the_regional_assessment_unit(world):
    referral = refer(world)
    assert (referral.receiver, referral.referrer, referral.status) == (
        world.rve, world.gp_office, ReferralStatus.RECEIVED)
    assert referral.assessment_due == add_working_days(timezone.localdate(), 10)
    # The RVE now sees the patient, and its assessor is told.
    assert world.patient in type(world.patient).objects.visible_to(world.rve_assessor)
    assert Notification.objects.filter(recipient=world.rve_assessor,
                                       kind="referrals.received").exists()
    assert AuditEvent.objects.filter(object_type="referral", object_id=str(referral.uuid),
                                     action="create").exists()


def test_a_hospital_department_refers_directly_to_the_institution(cast, world):
    factories.relate(world.patient, cast.unn, world.gp)
    referral = services.refer(by=cast.planner, patient=world.patient,
                              service=world.valnesfjord_rehab, reason="Direkte fra sykehus")
    assert referral.receiver == world.valnesfjord


def test_one_open_referral_per_service_and_nobody_refers_a_stranger(cast, world):
    refer(world)
    with pytest.raises(StateConflict):
        refer(world)
    with pytest.raises(PermissionDenied):
        services.refer(by=world.gp, patient=cast.bodo_only, service=world.skibotn_rehab,
                       reason="x")
    with pytest.raises(ValidationError) as error:
        services.refer(by=world.gp, patient=world.patient, service=world.skibotn_rehab,
                       reason="  ")
    assert "reason" in error.value.message_dict


def test_the_rve_accepts_with_a_place_and_a_start_and_the_waiting_time_moves(cast, world):
    referral = refer(world)
    with pytest.raises(PermissionDenied):
        services.accept(referral, by=world.valnesfjord_assessor, has_right=True,
                        care_start_deadline=timezone.localdate() + datetime.timedelta(days=60))
    with pytest.raises(ValidationError) as error:
        services.accept(referral, by=world.rve_assessor, has_right=True)
    assert "care_start_deadline" in error.value.message_dict
    assert world.valnesfjord_rehab.waiting_days is None
    start = timezone.localdate() + datetime.timedelta(days=21)
    accepted = services.accept(
        referral, by=world.rve_assessor, has_right=True,
        care_start_deadline=timezone.localdate() + datetime.timedelta(days=60),
        expected_start=start, allocated_service=world.valnesfjord_rehab,
        severity="Moderat", expected_benefit="God", resource_use="Rimelig",
        version=referral.version)
    assert accepted.status == ReferralStatus.ACCEPTED
    assert list(Referral.objects.waiting_list(world.valnesfjord_rehab)) == [accepted]
    world.valnesfjord_rehab.refresh_from_db()
    assert world.valnesfjord_rehab.waiting_days == 21
    # The GP and the patient's KE are told; the institution now sees the patient.
    assert Notification.objects.filter(recipient=world.gp, kind="referrals.accepted").exists()
    assert Notification.objects.filter(recipient=cast.ke_tromso, kind="referrals.accepted").exists()
    assert world.patient in type(world.patient).objects.visible_to(world.valnesfjord_assessor)
    # A second decision on the old version is refused, and so is deciding twice.
    with pytest.raises(StaleVersion):
        services.decline(referral, by=world.rve_assessor, reason="x", version=referral.version)
    with pytest.raises(StateConflict):
        services.decline(accepted, by=world.rve_assessor, reason="x")


def test_a_decline_needs_its_reason_and_tells_the_referrer(world):
    referral = refer(world)
    with pytest.raises(ValidationError):
        services.decline(referral, by=world.rve_assessor, reason=" ")
    services.decline(referral, by=world.rve_assessor, reason="Behovet dekkes i kommunen")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert Notification.objects.filter(recipient=world.gp, kind="referrals.declined").exists()


def test_asking_for_more_information_does_not_stop_the_clock(world):
    referral = refer(world)
    due = referral.assessment_due
    asked = services.request_information(referral, by=world.rve_assessor,
                                         question="Hvilken Barthel-skår?")
    assert (asked.status, asked.assessment_due) == (ReferralStatus.INFORMATION_REQUESTED, due)
    with pytest.raises(PermissionDenied):
        services.give_information(asked, by=world.rve_assessor, reply="60")
    answered = services.give_information(asked, by=world.gp, reply="Barthel 60")
    assert (answered.status, answered.assessment_due) == (ReferralStatus.RECEIVED, due)


def test_a_forwarded_referral_keeps_its_deadline_and_the_referrer_is_told(cast, world):
    municipal_team = factories.service(cast.tromso, "3", "Tverrfaglig team Tromsø")
    referral = refer(world)
    onward = services.forward(referral, by=world.rve_assessor, to_service=municipal_team,
                              reason="Passer bedre på nivå 3")
    referral.refresh_from_db()
    assert (referral.status, onward.receiver, onward.forwarded_from) == (
        ReferralStatus.FORWARDED, cast.tromso, referral)
    assert (onward.received_at, onward.assessment_due) == (referral.received_at,
                                                           referral.assessment_due)
    assert Notification.objects.filter(recipient=world.gp, kind="referrals.forwarded").exists()
    assert Notification.objects.filter(recipient=cast.ke_tromso, kind="referrals.received").exists()


def test_free_choice_moves_the_place_to_the_chosen_institution(world):
    referral = refer(world)
    accepted = services.accept(
        referral, by=world.rve_assessor, has_right=True,
        care_start_deadline=timezone.localdate() + datetime.timedelta(days=60),
        expected_start=timezone.localdate() + datetime.timedelta(days=30))
    options = list(services.choice_options(accepted))
    assert {world.valnesfjord_rehab, world.skibotn_rehab} <= set(options)
    chosen = services.record_choice(accepted, by=world.gp, service=world.skibotn_rehab)
    assert (chosen.allocated_service, chosen.chosen_by_patient) == (world.skibotn_rehab, True)
    assert list(Referral.objects.waiting_list(world.valnesfjord_rehab)) == []
    assert list(Referral.objects.waiting_list(world.skibotn_rehab)) == [chosen]


def test_a_start_or_a_death_takes_the_patient_off_the_list(world):
    referral = services.accept(
        refer(world), by=world.rve_assessor, has_right=False,
        expected_start=timezone.localdate() + datetime.timedelta(days=10))
    started = services.record_start(referral, by=world.valnesfjord_assessor)
    assert started.status == ReferralStatus.STARTED
    assert list(Referral.objects.waiting_list(world.valnesfjord_rehab)) == []
    world.valnesfjord_rehab.refresh_from_db()
    assert world.valnesfjord_rehab.waiting_days == 0  # an empty list, with a recent start
    second = services.refer(by=world.gp, patient=world.patient, service=world.skibotn_rehab,
                            reason="Ny søknad")
    assert services.end_referrals_of_deceased(world.patient, by=world.gp) == 1
    second.refresh_from_db()
    assert (second.status, second.withdrawal_reason) == (ReferralStatus.WITHDRAWN,
                                                         WithdrawalReason.PATIENT_DIED)


def test_a_death_registered_in_error_puts_the_referrals_it_ended_back_where_they_stood(world):
    """PLO's cancel of a LOG_DOD: the waiting list has the patient back with the same
    deadline, the assessment still runs; what ended otherwise stays ended."""
    deadline = timezone.localdate() + datetime.timedelta(days=40)
    waiting = services.accept(refer(world), by=world.rve_assessor, has_right=True,
                              care_start_deadline=deadline,
                              expected_start=timezone.localdate() + datetime.timedelta(days=20))
    withdrawn = services.withdraw(
        services.refer(by=world.gp, patient=world.patient, service=world.skibotn_rehab,
                       reason="Trukket"), by=world.gp, reason=WithdrawalReason.REFERRER_WITHDREW)
    assessing = services.refer(by=world.gp, patient=world.patient,
                               service=world.skibotn_rehab, reason="Vurderes")
    world.valnesfjord_rehab.refresh_from_db()
    waiting_days = world.valnesfjord_rehab.waiting_days

    stays.record_death_outside_hospital(world.patient, by=world.gp,
                                        died_at=timezone.now() - datetime.timedelta(hours=3))
    assert list(Referral.objects.waiting_list(world.valnesfjord_rehab)) == []
    assert not Referral.objects.filter(patient=world.patient).open().exists()

    stays.enter_death_in_error(world.patient, by=world.gp, reason="Feil pasient")
    assert list(Referral.objects.waiting_list(world.valnesfjord_rehab)) == [waiting]
    for referral, status in ((waiting, ReferralStatus.ACCEPTED),
                             (assessing, ReferralStatus.RECEIVED),
                             (withdrawn, ReferralStatus.WITHDRAWN)):
        referral.refresh_from_db()
        assert referral.status == status
    assert (waiting.care_start_deadline, waiting.withdrawn_at, waiting.withdrawal_reason) == (
        deadline, None, "")
    assert withdrawn.withdrawal_reason == WithdrawalReason.REFERRER_WITHDREW
    world.valnesfjord_rehab.refresh_from_db()
    assert world.valnesfjord_rehab.waiting_days == waiting_days
    # Each unit hears of its referral, and the step is in the audit log.
    assert Notification.objects.filter(recipient=world.rve_assessor, kind="referrals.reopened",
                                       subject_uuid=waiting.uuid).exists()
    assert AuditEvent.objects.filter(object_id=str(assessing.uuid),
                                     detail__startswith="open again (received)").exists()


def test_a_referral_made_again_after_the_death_stands_and_the_ended_one_stays_ended(world):
    """One open referral per service: the one the GP made again wins over the old one."""
    first = refer(world)
    stays.record_death_outside_hospital(world.patient, by=world.gp,
                                        died_at=timezone.now() - datetime.timedelta(hours=3))
    stays.enter_death_in_error(world.patient, by=world.gp, reason="Feil pasient")
    first.refresh_from_db()
    assert first.status == ReferralStatus.RECEIVED
    stays.record_death_outside_hospital(world.patient, by=world.gp,
                                        died_at=timezone.now() - datetime.timedelta(hours=2))
    again = refer(world)  # the referrer, told of the death, refers again anyway
    stays.enter_death_in_error(world.patient, by=world.gp, reason="Feil pasient igjen")
    first.refresh_from_db()
    assert (first.status, first.withdrawal_reason) == (ReferralStatus.WITHDRAWN,
                                                       WithdrawalReason.PATIENT_DIED)
    assert list(Referral.objects.filter(patient=world.patient).open()) == [again]


def test_a_start_date_is_for_a_patient_on_the_list_and_set_by_its_keeper(world):
    referral = refer(world)
    with pytest.raises(StateConflict):  # awaiting assessment: no list yet, no 500
        services.set_expected_start(referral, by=world.rve_assessor,
                                    expected_start=timezone.localdate())
    accepted = services.accept(referral, by=world.rve_assessor, has_right=False)
    with pytest.raises(PermissionDenied):
        services.set_expected_start(accepted, by=world.gp, expected_start=timezone.localdate())
    moved = services.set_expected_start(accepted, by=world.valnesfjord_assessor,
                                        expected_start=timezone.localdate())
    assert moved.expected_start == timezone.localdate()


def test_an_assessment_is_not_tied_to_another_patients_stay(cast, world):
    stay = factories.admit(cast, cast.shared)
    with pytest.raises(ValidationError) as error:
        services.start_assessment(by=world.gp, patient=world.patient, admission=stay)
    assert "admission" in error.value.message_dict
