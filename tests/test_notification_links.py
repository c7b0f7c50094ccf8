"""Every link a notification carries leads to a page its recipient can open: the in-app link
and the absolute one in the e-mail (PORTAL_BASE_URL + path). Each kind is produced through
the code path that sends it in production (services and sweeps), then followed."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from citizen.auth import citizen_user
from common import sweeps
from coordination import services as coordination
from coordination import tasks as coordination_tasks
from coordination.models import RequestKind, RequestSource
from pathways import services, tasks
from pathways.models import (
    DischargeDestination,
    DischargeMeeting,
    MessageStatus,
    MunicipalAnswerKind,
    ParticipantKind,
    Patient,
)
from pathways.services import admissions as stays
from pathways.services import readiness
from referrals import services as referral_services
from referrals import tasks as referral_tasks
from registry.models import Notification, NotificationChannel, OrganizationKind, Role
from registry.tasks import build_email
from tests import factories
from tests.coordination.conftest import activate
from tests.factories import admit
from tests.pathways.variant_helpers import ESD, variant
from tests.referrals.conftest import referral_world

BASE_URL = "https://rehab.example.no/"
HOUR = datetime.timedelta(hours=1)

# Every kind of notification the portal sends. A new kind belongs here and in the scenario;
# a notice's kind is its message status, so each status the enum gains is one more kind.
NOTICE_KINDS = {f"early_notification.{status}" for status in MessageStatus.values}
KINDS = NOTICE_KINDS | {
    "early_notification.reminder", "early_notification.overdue",
    "early_notification.escalation",
    "early_notification.unacknowledged", "early_notification.acknowledged",
    "ready_for_discharge.declared", "ready_for_discharge.unanswered",
    "ready_for_discharge.answered", "ready_for_discharge.withdrawn",
    "discharge_meeting.prompt", "discharge_meeting.invitation",
    "discharge_meeting.rescheduled", "discharge_meeting.reminder",
    "discharge_meeting.task", "discharge_meeting.cancelled",
    "discharge_meeting.minutes_missing",
    "admission.discharged", "admission.follow_up_due", "admission.deceased",
    "admission.transferred_in", "admission.report", "discharge.report",
    "coordination.request_received", "coordination.request_decided",
    "coordination.coordinator_assigned", "coordination.request_waiting",
    "coordination.over_capacity", "coordination.evaluation_soon",
    "coordination.evaluation_due", "coordination.evaluation_overdue",
    # The patient's own door.
    "discharge_meeting.citizen_answer", "discharge_meeting.citizen_topics",
    "discharge_meeting.patient_minutes", "coordination.plan_message",
    "coordination.plan_message_to_patient",
    # Referrals, their deadlines and the waiting list (issue 15).
    "referrals.received", "referrals.information_requested", "referrals.information_given",
    "referrals.assessment_soon", "referrals.assessment_due", "referrals.assessment_overdue",
    "referrals.assessment_escalated", "referrals.accepted", "referrals.declined",
    "referrals.forwarded", "referrals.chosen", "referrals.started",
    "referrals.started_elsewhere", "referrals.care_start_soon",
    "referrals.care_start_overdue", "referrals.care_start_escalated",
    # A death registered in error: the referrals it ended are open again.
    "referrals.reopened",
    # Early supported discharge: the municipality shares the plan, takes it over, and the
    # other side hears of its end.
    "pathway_variant.enrolled", "pathway_variant.handed_over", "pathway_variant.ended",
    # Corrections: a stay or a declaration registered in error or corrected; a death outside
    # hospital (issue 16, PLO's change and cancel and LOG_DOD).
    "admission.entered_in_error", "admission.corrected", "ready_for_discharge.entered_in_error",
    "patient.deceased",
}

UNLINKED = {"early_notification.escalation"}


def new_patient(cast, name):
    return factories.patient(cast.ke_tromso, given_name=name, family_name="Lenke",
                             municipality=cast.tromso)


@pytest.fixture
def every_kind(cast, settings, opened):
    """Run the pathway and the KE's work far enough that every kind is sent once."""
    settings.PORTAL_BASE_URL = BASE_URL
    for user in (cast.planner, cast.ke_tromso, cast.coordinator):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    cast.ke_unn = factories.user("ke_unn", cast.unn_hf, Role.KE_STAFF, email="ke@unn.example")
    Patient.objects.filter(pk=cast.shared.pk).update(email="astrid@example.org")
    now = timezone.now()

    # The early notification: reminded before its deadline, overdue and escalated after.
    admit(cast, new_patient(cast, "Rita"), hours_ago=21)
    stay = admit(cast, cast.shared, hours_ago=30, needs_interdisciplinary_follow_up=True,
                 is_rehabilitation_stay=True,
                 estimated_discharge_date=timezone.localdate() + datetime.timedelta(days=1))
    opened.sweep(tasks.remind_missing_early_notifications, now)
    opened.check()
    opened.sweep(tasks.remind_missing_early_notifications, now + 7 * HOUR)
    opened.check()
    opened.sweep(tasks.prompt_discharge_meetings, now)
    opened.check()
    # The municipality's admission report (PLO's innleggelsesrapport) tells the ward.
    services.record_admission_report(stay, by=cast.ke_tromso, message_status="new",
                                     summary="Bor alene, hjemmesykepleie to ganger daglig.",
                                     reported_at=now)
    opened.check()
    notice = services.send_early_notification(stay, by=cast.planner,
                                              expected_course="Bedring")
    opened.check()
    opened.sweep(tasks.remind_unacknowledged_notices, now + 9 * HOUR)
    opened.check()
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    opened.check()
    # Every later version of the notice, the cancellation last.
    for status in sorted(set(MessageStatus.values) - {MessageStatus.NEW},
                         key=lambda status: status == MessageStatus.CANCEL):
        services.send_early_notification(stay, by=cast.planner, message_status=status)
        opened.check()

    # Ready for discharge: declared, unanswered, answered, withdrawn.
    declaration = services.declare_ready_for_discharge(stay, by=cast.planner, physician="Lege")
    opened.check()
    opened.sweep(tasks.remind_unanswered_declarations, now + 5 * HOUR)
    opened.check()
    services.answer_ready_for_discharge(declaration, by=cast.ke_tromso,
                                        kind=MunicipalAnswerKind.CANNOT_YET)
    opened.check()
    services.withdraw_ready_for_discharge(stay, by=cast.planner)
    opened.check()

    # Discharge meetings: invitation (a user and a patient by e-mail), change, reminder,
    # task, cancellation, minutes missing.
    invited = [{"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso,
                "organization": cast.tromso},
               {"kind": ParticipantKind.PATIENT, "name": cast.shared.full_name,
                "email": "astrid@example.org"}]
    meeting = services.schedule_discharge_meeting(
        stay, by=cast.planner, scheduled_at=now + 2 * HOUR, location="Møterom 1",
        participants=invited)
    opened.check()
    meeting = services.reschedule_discharge_meeting(
        meeting, by=cast.planner, scheduled_at=now + 3 * HOUR)
    opened.check()
    opened.sweep(tasks.remind_meeting_participants, now)
    opened.check()
    services.add_follow_up_task(meeting, by=cast.planner, description="Hjelpemidler",
                                responsible_name="KE", responsible_user=cast.ke_tromso,
                                due_date=timezone.localdate())
    opened.check()
    opened.sweep(tasks.remind_missing_minutes, now + 2 * 24 * HOUR)
    opened.check()
    other = services.schedule_discharge_meeting(
        stay, by=cast.planner, scheduled_at=now + 30 * HOUR, location="Møterom 2",
        participants=invited[:1])
    opened.check()
    services.cancel_discharge_meeting(other, by=cast.planner, reason="Flyttet")
    opened.check()

    # The end of stays: discharge and its follow-up, death, transfer.
    stay = services.discharge_patient(stay, by=cast.planner,
                                      destination=DischargeDestination.HOME)
    opened.check()
    # The hospital's discharge report (PLO's utskrivningsrapport) tells the municipality's KE.
    services.record_discharge_report(stay, by=cast.planner, message_status="new",
                                     summary="Status ved utskrivning: oppegående.",
                                     reported_at=timezone.now())
    opened.check()
    opened.sweep(tasks.remind_follow_ups, stay.discharged_at + datetime.timedelta(weeks=6, days=1))
    opened.check()
    services.record_death(admit(cast, new_patient(cast, "Dag"), hours_ago=3),
                          by=cast.planner, died_at=now - HOUR)
    opened.check()
    trust = factories.organization(OrganizationKind.HEALTH_TRUST, "Helgelandssykehuset HF",
                                   parent=cast.rhf)
    mosjoen = factories.organization(OrganizationKind.HOSPITAL, "Mosjøen", parent=trust)
    cast.mosjoen_planner = factories.user("mosjoen", mosjoen, Role.DISCHARGE_PLANNER,
                                          email="planner@mosjoen.example")
    services.transfer_patient(admit(cast, new_patient(cast, "Tove"), hours_ago=3),
                              by=cast.planner, to_hospital=mosjoen,
                              ward=factories.ward(mosjoen, "Med"), at=now - HOUR)
    opened.check()
    # Corrections (issue 16, PLO's change and cancel): a declaration corrected, then it and
    # its stay registered in error; a death outside hospital.
    wrong = admit(cast, new_patient(cast, "Feil"), hours_ago=3)
    declared = services.declare_ready_for_discharge(wrong, by=cast.planner, physician="Dr. Lege")
    readiness.correct_declaration(declared, by=cast.planner, physician="Dr. Annen")
    readiness.enter_declaration_in_error(declared, by=cast.planner, reason="Feil pasient")
    stays.enter_admission_in_error(wrong, by=cast.planner, reason="Feil pasient")
    stays.record_death_outside_hospital(new_patient(cast, "Siri"), by=cast.ke_tromso,
                                        died_at=now - HOUR)
    opened.check()

    # The KE's work: a request from the ward, decided with a coordinator; one waiting; an
    # evaluation coming up, due and overdue; a coordinator over capacity.
    kora = coordination.create_coordinator_profile(user=cast.coordinator,
                                                   organization=cast.tromso,
                                                   by=cast.ke_tromso)
    opened.check()
    request = coordination.submit_plan_request(
        patient=cast.shared, municipality=cast.tromso, kind=RequestKind.INDIVIDUAL_PLAN,
        source=RequestSource.HOSPITAL, by=cast.planner)
    opened.check()
    plan = activate(cast, coordination.accept_request(request, by=cast.ke_tromso,
                                                      coordinator=kora))
    opened.check()
    coordination.submit_plan_request(
        patient=cast.tromso_only, municipality=cast.tromso, kind=RequestKind.COORDINATOR,
        source=RequestSource.PATIENT, by=cast.ke_tromso, received_at=now - 20 * 24 * HOUR)
    opened.check()
    opened.sweep(coordination_tasks.remind_waiting_requests, now)
    opened.check()
    plan = coordination.update_plan(plan, by=cast.coordinator, expected_version=plan.version,
                                    next_evaluation_on=timezone.localdate())
    opened.check()
    for days in (-3, 0, 3):
        opened.sweep(coordination_tasks.remind_evaluations, now + datetime.timedelta(days=days))
        opened.check()
    coordination.update_coordinator_profile(kora, by=cast.ke_tromso, capacity=1)
    opened.check()

    # The patient's own door: her answer to the meeting and what she wants to talk about
    # (the organiser is told who answered, not what), the minutes written for her after the
    # meeting (she is e-mailed that there is something new), and a message each way (staff
    # are notified, the patient e-mailed, and neither is told what it says).
    astrid = citizen_user(cast.shared.identity_number)
    mine = meeting.participants.get(kind=ParticipantKind.PATIENT)
    services.citizen_respond(mine, astrid, accept=True)
    opened.check()
    services.citizen_add_topics(mine, astrid, "Hjemmetrening")
    opened.check()
    DischargeMeeting.objects.filter(pk=meeting.pk).update(scheduled_at=now - HOUR)  # held
    meeting.refresh_from_db()
    services.record_patient_minutes(meeting, by=cast.planner, text="Du drar hjem fredag.")
    opened.check()
    coordination.send_message(plan, by=astrid, body="Kan vi snakke om trening?")
    opened.check()
    coordination.send_message(plan, by=cast.coordinator, body="Ja, på torsdag.")
    opened.check()
    second = coordination.submit_plan_request(
        patient=new_patient(cast, "Olga"), municipality=cast.tromso,
        kind=RequestKind.COORDINATOR, source=RequestSource.PATIENT, by=cast.ke_tromso)
    opened.check()
    coordination.accept_request(second, by=cast.ke_tromso, coordinator=kora,
                                allow_over_capacity=True)
    opened.check()
    opened.sweep(coordination_tasks.alert_over_capacity, now)
    opened.check()

    # Referrals (issue 15): a GP applies through the RVE, which asks for more and is reminded
    # of its deadline, alerted and escalated when it passes; it accepts one application with
    # a right (the patient then chooses another institution, whose lead is alerted when the
    # date for care passes), forwards one to the municipality and declines a third; a start
    # tells the units where the patient still waits.
    referral_cast(cast, opened, now)
    supported_discharge(cast, opened)
    return cast


def supported_discharge(cast, opened) -> None:
    """One enrolment handed over and ended by the municipality (the team has left: nobody at
    the hospital is told), another ended by the municipality before the handover (the
    hospital's planners are told), a third ended by the team (the municipality is told)."""
    for ends, handed_over in (("municipality", True), ("municipality", False),
                              ("hospital", False)):
        stay = admit(cast, new_patient(cast, f"Esther {ends}"), hours_ago=30)
        enrolment = services.enrol(stay, by=cast.planner, variant=variant(ESD))
        opened.check()
        if handed_over:
            enrolment = services.hand_over(enrolment, by=cast.planner,
                                           expected_version=enrolment.version)
            opened.check()
        by = cast.ke_tromso if ends == "municipality" else cast.planner
        services.end_enrolment(enrolment, by=by, expected_version=enrolment.version)
        opened.check()


def referral_cast(cast, opened, now) -> None:
    world = referral_world(cast)
    first = referral_services.refer(by=world.gp, patient=world.patient,
                                    service=world.valnesfjord_rehab, reason="Etter hjerneslag")
    opened.check()
    first = referral_services.request_information(first, by=world.rve_assessor,
                                                  question="Barthel?")
    opened.check()
    first = referral_services.give_information(first, by=world.gp, reply="Barthel 60")
    opened.check()
    for days in (-1, 0, 1):
        opened.sweep(referral_tasks.remind_assessments, sweeps.utc(datetime.datetime.combine(
            first.assessment_due + datetime.timedelta(days=days), datetime.time(12),
            tzinfo=sweeps.OSLO)))
        opened.check()
    first = referral_services.accept(
        first, by=world.rve_assessor, has_right=True,
        care_start_deadline=timezone.localdate() + datetime.timedelta(days=30))
    opened.check()
    skibotn_assessor = factories.user("skibotn_assessor", world.skibotn, Role.REFERRAL_ASSESSOR)
    factories.user("skibotn_lead", world.skibotn, Role.UNIT_LEAD)
    first = referral_services.record_choice(first, by=world.gp, service=world.skibotn_rehab)
    opened.check()
    deadline = first.care_start_deadline
    for days in (-7, 1):
        opened.sweep(referral_tasks.remind_care_starts, sweeps.utc(datetime.datetime.combine(
            deadline + datetime.timedelta(days=days), datetime.time(12), tzinfo=sweeps.OSLO)))
        opened.check()
    team = factories.service(cast.tromso, "3", "Tverrfaglig team Tromsø")
    other = factories.patient(world.gp, "Per", "Lenke", municipality=cast.tromso)
    second = referral_services.refer(by=world.gp, patient=other,
                                     service=world.valnesfjord_rehab, reason="Ny vurdering")
    referral_services.forward(second, by=world.rve_assessor, to_service=team,
                              reason="Nivå 3 passer")
    opened.check()
    third = referral_services.refer(by=world.gp, patient=other,
                                    service=world.skibotn_rehab, reason="Tredje")
    referral_services.decline(third, by=world.rve_assessor, reason="Dekkes i kommunen")
    opened.check()
    # Waiting at Skibotn's list as well, for another stay: its unit is told of the start.
    waiting = referral_services.refer(by=world.gp, patient=world.patient,
                                      service=world.skibotn_rehab, reason="Venter")
    referral_services.accept(waiting, by=world.rve_assessor, has_right=False)
    referral_services.record_start(first, by=skibotn_assessor)
    opened.check()
    # The GP records a death outside hospital, then its cancel: the referral waiting at
    # Skibotn, ended by the death, is open again and Skibotn's assessor is told.
    stays.record_death_outside_hospital(world.patient, by=world.gp,
                                        died_at=timezone.now() - HOUR)
    opened.check()
    stays.enter_death_in_error(world.patient, by=world.gp, reason="Feil pasient")
    opened.check()


class Opened:
    """Follows the links of the notifications sent since the last check, as their recipients
    would on receiving them: a page (200) with the anchor the link points at."""

    def __init__(self):
        self.last_pk = 0
        self.clients = {}
        self.kinds = set()
        self.swept = set()  # the reminder kinds (common.sweeps) that sent something

    def sweep(self, reminder, now) -> None:
        if reminder(now):
            self.swept.add(reminder.name)

    def check(self) -> None:
        new = list(Notification.objects.filter(pk__gt=self.last_pk)
                   .select_related("recipient").order_by("pk"))
        for notification in new:
            self.kinds.add(notification.kind)
            self.open(notification)
        if new:
            self.last_pk = new[-1].pk

    def open(self, notification: Notification) -> None:
        kind = notification.kind
        if not notification.url:
            # Only e-mail to people without an account (the patient, a GP) goes without,
            # and the escalation to the health trust's KE, who may not see the patient.
            assert notification.recipient is None or kind in UNLINKED, kind
            return
        try:
            resolve(urlsplit(notification.url).path)
        except Resolver404:
            pytest.fail(f"{kind} links to {notification.url}, which is no page")
        link = notification.url
        if notification.channel == NotificationChannel.EMAIL:
            link = build_email(notification, "x@example.org").body.rsplit("\n\n", 1)[-1]
            assert link == BASE_URL + notification.url.lstrip("/"), kind
        if notification.recipient is None:
            return  # an invitation by e-mail: the page asks the patient to log in
        client = self.clients.get(notification.recipient_id)
        if client is None:
            client = self.clients[notification.recipient_id] = Client()
            client.force_login(notification.recipient)
        parts = urlsplit(link)
        response = client.get(parts.path)
        assert response.status_code == 200, (kind, link, response.status_code)
        if parts.fragment:
            assert f'id="{parts.fragment}"' in response.content.decode(), (kind, link)


@pytest.fixture
def opened():
    return Opened()


@pytest.mark.django_db
def test_every_kind_of_notification_links_to_a_page_its_recipient_can_open(every_kind,
                                                                             opened):
    assert opened.kinds == KINDS
    # Every reminder kind an app declares is in the scenario, sending at least once.
    assert opened.swept == {reminder.name for reminder in sweeps.registered()}
    assert Notification.objects.filter(channel=NotificationChannel.EMAIL).exists()
