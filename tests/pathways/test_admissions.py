import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from common.exceptions import StateConflict
from pathways import services
from pathways.models import (
    Admission,
    AdmissionStatus,
    CareRelationship,
    DischargeDestination,
    MunicipalAnswerKind,
    Patient,
)
from registry.models import AuditEvent, Notification, OrganizationKind, ServiceLevel
from tests import factories
from tests.factories import admit


def test_it_grants_the_hospital_and_the_municipality_a_relationship(cast):
    admission = admit(cast, patient=cast.tromso_only)
    assert admission.municipality == cast.tromso
    reasons = set(CareRelationship.objects.filter(patient=cast.tromso_only).values_list(
        "organization__name", "reason"))
    assert ("UNN Tromsø", "admission") in reasons
    assert ("Tromsø", "admission") in reasons
    assert cast.tromso_only in Patient.objects.visible_to(cast.planner)


def test_it_sets_the_deadline_24_hours_after_admission(cast):
    admission = admit(cast)
    assert admission.notification_deadline - admission.admitted_at == datetime.timedelta(
        hours=24)


def test_it_takes_the_deadline_from_the_cooperation_agreement(cast):
    from registry.models import CooperationAgreement

    CooperationAgreement.objects.create(health_trust=cast.unn_hf, municipality=cast.tromso,
                                        early_notification_hours=12)
    admission = admit(cast)
    assert admission.notification_deadline - admission.admitted_at == datetime.timedelta(
        hours=12)


def test_it_lets_only_the_hospitals_planners_admit(cast):
    for user in (cast.ke_tromso, cast.coordinator, cast.ke_bodo):
        with pytest.raises(PermissionDenied):
            admit_by = services.admit_patient
            admit_by(by=user, patient=cast.shared, hospital=cast.unn,
                     ward=factories.ward(cast.unn), admitted_at=timezone.now())
    assert not Admission.objects.exists()


def test_it_refuses_an_admission_in_the_future_or_to_a_non_hospital(cast):
    with pytest.raises(ValidationError) as exc_info:
        admit(cast, hours_ago=-3)
    assert "admitted_at" in exc_info.value.message_dict
    with pytest.raises(ValidationError) as exc_info:
        services.admit_patient(by=cast.planner, patient=cast.shared, hospital=cast.tromso,
                               ward=factories.ward(cast.unn), admitted_at=timezone.now())
    assert "hospital" in exc_info.value.message_dict
    assert not Admission.objects.exists()


def test_it_refuses_a_second_open_admission_at_the_same_hospital(cast):
    admit(cast)
    with pytest.raises(StateConflict):
        admit(cast)
    assert Admission.objects.count() == 1


def test_it_walks_the_whole_stay(cast):
    admission = admit(cast, hours_ago=50)
    declaration = services.declare_ready_for_discharge(admission, by=cast.planner,
                                                       physician="Dr. Lege")
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.READY_FOR_DISCHARGE
    services.answer_ready_for_discharge(declaration, by=cast.ke_tromso,
                                        kind=MunicipalAnswerKind.CANNOT_YET)
    services.withdraw_ready_for_discharge(admission, by=cast.planner, reason="feber")
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED
    services.declare_ready_for_discharge(admission, by=cast.planner, physician="Dr. Lege")
    level = ServiceLevel.objects.get(code="3")
    services.discharge_patient(
        admission, by=cast.planner, destination=DischargeDestination.MUNICIPAL_REHABILITATION,
        discharge_level=level, epicrisis_ready=True, interdisciplinary_report_ready=True)
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED
    assert admission.discharge_level == level
    assert admission.version == 5  # declare, withdraw, declare, discharge


@pytest.mark.parametrize(("step", "kwargs"), [
    ("withdraw_ready_for_discharge", {}),
    ("declare_ready_for_discharge", {"physician": "Dr. Lege"}),
    ("discharge_patient", {"destination": DischargeDestination.HOME}),
])
def test_it_refuses_steps_that_do_not_fit_the_state(cast, step, kwargs):
    admission = admit(cast)
    if step != "withdraw_ready_for_discharge":
        services.discharge_patient(admission, by=cast.planner,
                                   destination=DischargeDestination.HOME)
    admission.refresh_from_db()
    before = (admission.status, admission.version, AuditEvent.objects.count())
    with pytest.raises(StateConflict) as exc_info:
        getattr(services, step)(admission, by=cast.planner, **kwargs)
    assert exc_info.value.field == "status"
    admission.refresh_from_db()
    assert (admission.status, admission.version, AuditEvent.objects.count()) == before


def test_it_refuses_discharge_before_admission(cast):
    admission = admit(cast, hours_ago=5)
    with pytest.raises(ValidationError) as exc_info:
        services.discharge_patient(
            admission, by=cast.planner, destination=DischargeDestination.HOME,
            discharged_at=admission.admitted_at - datetime.timedelta(minutes=1))
    assert "discharged_at" in exc_info.value.message_dict
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


def test_it_asks_for_the_level_of_municipal_rehabilitation(cast):
    admission = admit(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.discharge_patient(admission, by=cast.planner,
                                   destination=DischargeDestination.MUNICIPAL_REHABILITATION,
                                   discharge_level=ServiceLevel.objects.get(code="5.2"))
    assert "discharge_level" in exc_info.value.message_dict


def test_it_records_death_through_the_discharge_destination(cast):
    admission = admit(cast)
    services.discharge_patient(admission, by=cast.planner,
                               destination=DischargeDestination.DECEASED)
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DECEASED


def test_it_transfers_to_another_hospital_which_takes_over(cast):
    other = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad", parent=cast.unn_hf)
    admission = admit(cast)
    new = services.transfer_patient(admission, by=cast.planner, to_hospital=other,
                                    ward=factories.ward(other, "Medisin"))
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.TRANSFERRED
    assert new.transferred_from == admission and new.hospital == other
    assert CareRelationship.objects.filter(patient=cast.shared, organization=other).exists()


def test_it_lets_only_the_responsible_municipality_answer(cast):
    admission = admit(cast)
    declaration = services.declare_ready_for_discharge(admission, by=cast.planner,
                                                       physician="Dr. Lege")
    for outsider in (cast.ke_bodo, cast.planner, cast.coordinator):
        with pytest.raises(PermissionDenied):
            services.answer_ready_for_discharge(declaration, by=outsider,
                                                kind=MunicipalAnswerKind.CANNOT_YET)
    assert not declaration.answers.exists()


def test_it_requires_a_date_when_the_municipality_can_receive(cast):
    admission = admit(cast)
    declaration = services.declare_ready_for_discharge(admission, by=cast.planner,
                                                       physician="Dr. Lege")
    with pytest.raises(ValidationError) as exc_info:
        services.answer_ready_for_discharge(declaration, by=cast.ke_tromso,
                                            kind=MunicipalAnswerKind.CAN_RECEIVE)
    assert "receive_on" in exc_info.value.message_dict


def test_it_notifies_the_municipality_of_a_declaration(cast):
    admission = admit(cast)
    services.declare_ready_for_discharge(admission, by=cast.planner, physician="Dr. Lege")
    recipients = set(Notification.objects.filter(kind="ready_for_discharge.declared")
                     .values_list("recipient__username", flat=True))
    assert recipients == {"ke_tromso"}


def test_it_refuses_a_stale_admission_edit(cast):
    admission = admit(cast)
    orthopaedics = factories.ward(cast.unn, "Ortopedi")
    services.update_admission(admission, by=cast.planner, expected_version=1,
                              ward=orthopaedics)
    with pytest.raises(StateConflict):
        services.update_admission(admission, by=cast.planner, expected_version=1,
                                  ward=factories.ward(cast.unn, "Kirurgi"))
    admission.refresh_from_db()
    assert admission.ward == orthopaedics


def test_the_database_refuses_a_second_open_stay_that_slips_past_the_check(cast):
    from django.db import IntegrityError, transaction

    first = admit(cast)
    with pytest.raises(IntegrityError), transaction.atomic():
        Admission.objects.create(
            patient=cast.shared, hospital=cast.unn, ward=first.ward, municipality=cast.tromso,
            admitted_at=first.admitted_at, notification_deadline=first.notification_deadline)


def test_a_withdrawal_wins_over_an_answer_given_from_a_stale_page(cast):
    admission = admit(cast)
    declaration = services.declare_ready_for_discharge(admission, by=cast.planner,
                                                       physician="Dr. Lege")
    stale = type(declaration).objects.get(pk=declaration.pk)
    services.withdraw_ready_for_discharge(admission, by=cast.planner)
    with pytest.raises(StateConflict):
        services.answer_ready_for_discharge(stale, by=cast.ke_tromso,
                                            kind=MunicipalAnswerKind.CANNOT_YET)
    assert not declaration.answers.exists()
