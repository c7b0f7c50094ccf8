import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from common.exceptions import StateConflict
from coordination import access, services
from coordination.models import (
    CoordinatorAssignment,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestStatus,
)
from pathways import services as pathway_services
from pathways.models import CareRelationship, Patient
from registry.models import AuditEvent, Notification
from tests.factories import admit

from .conftest import make_plan, submit

OSLO = ZoneInfo("Europe/Oslo")


def test_it_walks_a_request_from_receipt_to_a_plan_with_a_coordinator(cast, kora):
    request = submit(cast, description="Trenger hjelp til å koordinere tjenestene")
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="coordination.request_received").exists()
    services.start_assessment(request, by=cast.ke_tromso)
    assert request.status == RequestStatus.UNDER_ASSESSMENT

    plan = services.accept_request(request, by=cast.ke_tromso, coordinator=kora,
                                   patient_wishes="Helst en fysioterapeut")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    assert request.decided_by == cast.ke_tromso and request.decided_at is not None
    assert plan.status == PlanStatus.IN_PREPARATION and plan.request == request
    assert plan.coordinator == kora
    assignment = CoordinatorAssignment.objects.get(plan=plan)
    assert assignment.patient_wishes == "Helst en fysioterapeut"
    # The coordinator now sees the patient, personally, and may edit the plan.
    assert cast.tromso_only in Patient.objects.visible_to(cast.coordinator)
    assert access.can_edit_plan(cast.coordinator, plan)
    assert AuditEvent.objects.filter(object_type="planrequest", object_id=str(request.uuid),
                                     patient_uuid=cast.tromso_only.uuid).count() == 3


def test_it_lets_the_hospital_request_a_plan_through_the_early_notification(cast):
    admission = admit(cast, patient=cast.shared)
    notice = pathway_services.send_early_notification(
        admission, by=cast.planner, requests_individual_plan=True,
        rehabilitation_need="Trenger tverrfaglig oppfølging etter hjerneslag")
    request = services.request_from_early_notification(notice, by=cast.planner)
    assert request.kind == RequestKind.INDIVIDUAL_PLAN
    assert request.municipality == cast.tromso and request.early_notification == notice
    assert request.received_at == notice.sent_at
    assert "UNN Tromsø" in request.submitter_name
    # A later version of the notice asks again: still one request.
    later = pathway_services.send_early_notification(
        admission, by=cast.planner, message_status="change", requests_individual_plan=True)
    assert services.request_from_early_notification(later, by=cast.planner) == request
    # Also once the KE has declined it: the decision stands for this stay.
    services.decline_request(request, by=cast.ke_tromso, reason="Kortvarig behov",
                             coordinator_offered=True)
    third = pathway_services.send_early_notification(
        admission, by=cast.planner, message_status="addition", requests_individual_plan=True)
    assert services.request_from_early_notification(third, by=cast.planner) == request
    assert PlanRequest.objects.count() == 1
    # The planner sees the request (the hospital has the patient); Bodø does not.
    assert request in access.visible_requests(cast.planner)
    with pytest.raises(Http404):
        access.get_visible_request(cast.ke_bodo, request.uuid)


def test_it_ignores_a_notice_that_asks_for_no_plan(cast):
    notice = pathway_services.send_early_notification(admit(cast), by=cast.planner)
    assert services.request_from_early_notification(notice, by=cast.planner) is None
    assert not PlanRequest.objects.exists()


def test_it_gives_the_municipality_access_to_a_request_sent_from_elsewhere(cast):
    # A Bodø resident known only to Bodø; the hospital is not involved, Bodø's KE sends it on
    # to Tromsø (say the patient is moving).
    request = services.submit_plan_request(
        patient=cast.bodo_only, municipality=cast.tromso, kind=RequestKind.COORDINATOR,
        source="internal_service", by=cast.ke_bodo)
    assert request in access.visible_requests(cast.ke_tromso)
    assert CareRelationship.objects.active().filter(
        patient=cast.bodo_only, organization=cast.tromso, reason="referral").exists()


def test_it_refuses_a_request_from_someone_who_does_not_see_the_patient(cast):
    with pytest.raises(PermissionDenied):
        services.submit_plan_request(patient=cast.tromso_only, municipality=cast.tromso,
                                     kind=RequestKind.INDIVIDUAL_PLAN, source="gp",
                                     by=cast.planner)
    # Not even the receiving KE: a request is no way into another patient's record.
    with pytest.raises(PermissionDenied):
        services.submit_plan_request(patient=cast.bodo_only, municipality=cast.tromso,
                                     kind=RequestKind.INDIVIDUAL_PLAN, source="patient",
                                     by=cast.ke_tromso)
    assert not PlanRequest.objects.exists()
    assert cast.bodo_only not in Patient.objects.visible_to(cast.ke_tromso)


def test_it_refuses_a_second_open_request_of_the_same_kind(cast):
    submit(cast)
    with pytest.raises(StateConflict):
        submit(cast)
    submit(cast, kind=RequestKind.COORDINATOR)
    assert PlanRequest.objects.count() == 2


def test_it_lets_only_the_municipalitys_ke_decide(cast, kora):
    request = submit(cast)
    for user in (cast.ke_bodo, cast.planner, cast.coordinator):
        with pytest.raises(PermissionDenied):
            services.start_assessment(request, by=user)
        with pytest.raises(PermissionDenied):
            services.accept_request(request, by=user, coordinator=kora)
        with pytest.raises(PermissionDenied):
            services.decline_request(request, by=user, reason="Nei", coordinator_offered=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert not IndividualPlan.objects.exists()


def test_it_refuses_to_decline_without_a_reason(cast):
    request = submit(cast)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc_info:
            services.decline_request(request, by=cast.ke_tromso, reason=reason,
                                     coordinator_offered=True)
        assert "reason" in exc_info.value.message_dict
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_it_requires_a_coordinator_to_be_offered_when_declining_a_plan(cast):
    request = submit(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.decline_request(request, by=cast.ke_tromso, reason="Behovet er kortvarig")
    assert "coordinator_offered" in exc_info.value.message_dict
    services.decline_request(request, by=cast.ke_tromso, reason="Behovet er kortvarig",
                             coordinator_offered=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert request.coordinator_offered and request.decline_reason == "Behovet er kortvarig"
    assert not IndividualPlan.objects.exists()


def test_it_opens_a_coordinator_only_plan_when_the_declined_patient_takes_the_offer(cast, kora):
    request = submit(cast)
    services.decline_request(request, by=cast.ke_tromso, reason="Behovet er kortvarig",
                             coordinator=kora)
    plan = IndividualPlan.objects.get(patient=cast.tromso_only)
    assert plan.status == PlanStatus.REQUESTED and plan.coordinator == kora
    request.refresh_from_db()
    assert request.coordinator_offered


@pytest.mark.parametrize("first", ["accept", "decline"])
def test_it_refuses_to_decide_twice(cast, kora, first):
    request = submit(cast)
    decide = {
        "accept": lambda: services.accept_request(request, by=cast.ke_tromso, coordinator=kora),
        "decline": lambda: services.decline_request(request, by=cast.ke_tromso,
                                                    reason="Nei", coordinator_offered=True),
    }
    decide[first]()
    for step in ("accept", "decline"):
        with pytest.raises(StateConflict) as exc_info:
            decide[step]()
        assert exc_info.value.code in ("invalid_transition", "plan_exists")
    with pytest.raises(StateConflict):
        services.start_assessment(request, by=cast.ke_tromso)
    assert IndividualPlan.objects.count() == (1 if first == "accept" else 0)


def test_it_requires_a_coordinator_to_accept_a_plan_request(cast):
    request = submit(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.accept_request(request, by=cast.ke_tromso)
    assert "coordinator" in exc_info.value.message_dict
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_it_reopens_a_declined_request_on_appeal_once(cast, kora):
    request = submit(cast)
    with pytest.raises(StateConflict):
        services.record_appeal(request, by=cast.ke_tromso, note="Jeg klager")
    services.decline_request(request, by=cast.ke_tromso, reason="Nei", coordinator_offered=True)
    with pytest.raises(PermissionDenied):
        services.record_appeal(request, by=cast.ke_bodo, note="Jeg klager")
    with pytest.raises(ValidationError):
        services.record_appeal(request, by=cast.ke_tromso, note="")
    services.record_appeal(request, by=cast.ke_tromso, note="Jeg trenger en plan")
    assert request.status == RequestStatus.UNDER_ASSESSMENT
    assert request.appeal_note == "Jeg trenger en plan" and request.decline_reason == "Nei"
    plan = services.accept_request(request, by=cast.ke_tromso, coordinator=kora)
    assert plan.status == PlanStatus.IN_PREPARATION
    with pytest.raises(StateConflict):
        services.record_appeal(request, by=cast.ke_tromso, note="igjen")


def test_it_turns_a_coordinator_only_plan_into_an_individual_plan(cast, kora):
    plan = make_plan(cast, kora, kind=RequestKind.COORDINATOR)
    assert plan.status == PlanStatus.REQUESTED
    later = submit(cast)
    upgraded = services.accept_request(later, by=cast.ke_tromso, coordinator=kora)
    assert upgraded.pk == plan.pk and upgraded.status == PlanStatus.IN_PREPARATION
    assert IndividualPlan.objects.count() == 1
    assert CoordinatorAssignment.objects.filter(plan=plan).count() == 1


def test_it_refuses_a_second_open_plan(cast, kora):
    make_plan(cast, kora)
    with pytest.raises(StateConflict) as exc_info:
        services.accept_request(submit(cast, kind=RequestKind.COORDINATOR), by=cast.ke_tromso,
                                coordinator=kora)
    assert exc_info.value.code == "plan_exists"


def test_it_counts_waiting_days_on_the_calendar_in_oslo(cast):
    # Received late on the Saturday before the spring change (02:00 → 03:00 on Sunday).
    received = datetime.datetime(2025, 3, 29, 23, 30, tzinfo=OSLO)
    request = submit(cast, received_at=received)
    assert services.waiting_days(request, now=datetime.datetime(
        2025, 3, 29, 23, 59, tzinfo=OSLO)) == 0
    # 40 minutes later, but Sunday on the clocks in Norway (and still Saturday in UTC).
    sunday = datetime.datetime(2025, 3, 30, 0, 10, tzinfo=OSLO)
    assert sunday.astimezone(datetime.UTC).day == 29
    assert services.waiting_days(request, now=sunday) == 1
    assert services.waiting_days(request, now=datetime.datetime(
        2025, 4, 12, 0, 5, tzinfo=OSLO)) == 14
    # A decision stops the clock.
    request.status, request.decided_at = RequestStatus.DECLINED, datetime.datetime(
        2025, 4, 2, 9, 0, tzinfo=OSLO)
    assert services.waiting_days(request, now=datetime.datetime(
        2025, 6, 1, tzinfo=OSLO)) == 4


def test_an_early_notification_asking_for_a_plan_lands_in_the_ke_queue(cast):
    from coordination.models import PlanRequest
    from pathways import services as pathway_services

    admission = admit(cast, hours_ago=0)
    pathway_services.send_early_notification(admission, by=cast.planner,
                                             requests_individual_plan=True)
    request = PlanRequest.objects.get(patient=cast.shared)
    assert (request.municipality, request.source) == (cast.tromso, "hospital")
    pathway_services.send_early_notification(admission, by=cast.planner,
                                             message_status="change",
                                             requests_individual_plan=True)
    assert PlanRequest.objects.filter(patient=cast.shared).count() == 1
