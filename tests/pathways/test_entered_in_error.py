"""A step sent in error, corrected or cancelled (issue 16, PLO's change and cancel; the
ward's own correction): a stay entered in error leaves the ward board and the KE's inbox, no
reminder runs for it, no payment day counts, and its pathway says why; a declaration entered
in error never was; a cancelled discharge opens the stay again; a death outside hospital
ends the referrals and tells the municipality."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from common.exceptions import StateConflict
from pathways import billing, services, tasks
from pathways.models import (
    ActivityStatus,
    AdmissionStatus,
    CareRelationship,
    DischargeDestination,
    EnrolmentStatus,
    MeetingStatus,
    Patient,
    ReadyForDischarge,
)
from pathways.services import admissions as stays
from pathways.services import readiness
from pathways.signals import patient_died
from registry.models import AuditEvent, Notification, OrganizationKind, Role
from tests import factories
from tests.factories import admit
from tests.pathways.variant_helpers import activity, enrolment

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def nb(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client


def ready_days_ago(cast, admission, days):
    return services.declare_ready_for_discharge(
        admission, by=cast.planner, physician="Dr. Lege",
        declared_at=timezone.now() - days * DAY)


# -- The stay entered in error --------------------------------------------------------------

def test_a_stay_entered_in_error_leaves_the_board_the_inbox_and_counts_nowhere(client, cast):
    admission = admit(cast, hours_ago=24 * 5)
    notice = services.send_early_notification(admission, by=cast.planner)
    declaration = ready_days_ago(cast, admission, 3)
    meeting = factories.discharge_meeting(cast, admission)
    assert billing.statement(declaration).billable_days == 4

    stays.enter_admission_in_error(admission, by=cast.planner,
                                   reason="Meldingen ble sendt på feil pasient")

    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ENTERED_IN_ERROR
    assert admission.error_reason == "Meldingen ble sendt på feil pasient"
    declaration.refresh_from_db()
    assert declaration.entered_in_error and billing.statement(declaration).lines == []
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    # The KE is told, and the stay leaves their inbox (and its archive) and the ward board.
    told = Notification.objects.get(kind="admission.entered_in_error", recipient=cast.ke_tromso)
    assert "feil pasient" in told.body
    html = nb(client.__class__()).get(reverse("pathways:ke_inbox"))  # anonymous: login
    assert html.status_code == 302
    client.force_login(cast.ke_tromso)
    html = nb(client).get(reverse("pathways:ke_inbox")).content.decode()
    assert "Astrid Aune" not in html and str(notice.uuid) not in html
    archive = nb(client).get(reverse("pathways:ke_inbox_archive")).content.decode()
    assert "Astrid Aune" not in archive
    client.force_login(cast.planner)
    board = nb(client).get(reverse("pathways:ward_board")).content.decode()
    assert "Aune, Astrid" not in board
    # The pathway says so, with the reason; no statement of ready days for it.
    page = nb(client).get(reverse("pathways:patient_pathway", args=[cast.shared.uuid]))
    text = page.content.decode()
    assert "Registrert ved en feil" in text and "Meldingen ble sendt på feil pasient" in text
    assert "Erklært utskrivningsklar" not in text.split('id="statement-heading"')[1]
    assert AuditEvent.objects.filter(object_id=str(admission.uuid), action="update",
                                     detail__startswith="entered in error").exists()


def test_no_reminder_is_sent_for_a_stay_entered_in_error(cast):
    """The notice's deadline, its acknowledgement and the declaration's answer: the sweeps'
    due queries find the stay kept beside it, and not the one entered in error."""
    def stay(given):
        patient = factories.patient(cast.planner, given, "Nyvik", municipality=cast.tromso)
        admission = admit(cast, patient, hours_ago=30)
        notice = services.send_early_notification(admission, by=cast.planner)
        return admission, notice, ready_days_ago(cast, admission, 1)

    wrong, wrong_notice, wrong_declaration = stay("Nils")
    kept, kept_notice, kept_declaration = stay("Nora")
    unsent = admit(cast, hours_ago=1)
    unsent_kept = admit(cast, factories.patient(cast.planner, "Ola", "Nyvik",
                                                municipality=cast.tromso), hours_ago=1)
    for admission in (wrong, unsent):
        stays.enter_admission_in_error(admission, by=cast.planner, reason="Feil pasient")
    later = timezone.now() + 9 * HOUR
    assert set(tasks.remind_missing_early_notifications.due(
        timezone.now() + 23 * HOUR)) == {unsent_kept}
    assert set(tasks.remind_unacknowledged_notices.due(later)) == {kept_notice}
    assert set(tasks.remind_unanswered_declarations.due(later)) == {kept_declaration}
    assert tasks.remind_unanswered_declarations(later) == 1  # Tromsø's KE, for Nora only
    tasks.remind_unacknowledged_notices(later)
    tasks.remind_missing_early_notifications(timezone.now() + 23 * HOUR)
    reminders = Notification.objects.filter(kind__in=(
        "early_notification.reminder", "early_notification.overdue",
        "early_notification.unacknowledged", "ready_for_discharge.unanswered"))
    assert {n.subject_uuid for n in reminders} == {
        unsent_kept.uuid, kept_notice.uuid, kept_declaration.uuid}


def test_a_stay_that_ended_or_had_its_meeting_is_not_entered_in_error(cast):
    admission = admit(cast, hours_ago=30)
    services.discharge_patient(admission, by=cast.planner,
                               destination=DischargeDestination.HOME)
    with pytest.raises(StateConflict):
        stays.enter_admission_in_error(admission, by=cast.planner, reason="Feil")
    held = admit(cast, factories.patient(cast.planner, "Nils", "Nyvik",
                                         municipality=cast.tromso), hours_ago=30)
    meeting = factories.discharge_meeting(cast, held)
    meeting.__class__.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    with pytest.raises(StateConflict):
        stays.enter_admission_in_error(held, by=cast.planner, reason="Feil")
    held.refresh_from_db()
    assert held.status == AdmissionStatus.ADMITTED


def test_only_the_hospital_enters_its_stay_in_error_and_says_why(cast):
    admission = admit(cast)
    with pytest.raises(PermissionDenied):
        stays.enter_admission_in_error(admission, by=cast.ke_tromso, reason="Feil")
    with pytest.raises(ValidationError):
        stays.enter_admission_in_error(admission, by=cast.planner, reason="  ")
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


def test_a_corrected_admission_time_moves_the_notice_deadline(cast):
    admission = admit(cast, hours_ago=2)
    earlier = admission.admitted_at - 5 * HOUR
    corrected = stays.correct_admission(admission, by=cast.planner, admitted_at=earlier,
                                        ward=factories.ward(cast.unn, "Ortopedi"))
    assert corrected.admitted_at == earlier and corrected.ward.name == "Ortopedi"
    assert corrected.notification_deadline == admission.notification_deadline - 5 * HOUR
    assert Notification.objects.filter(kind="admission.corrected",
                                       recipient=cast.ke_tromso).exists()


# -- The declaration entered in error, corrected; the withdrawal cancelled -------------------

def test_a_declaration_entered_in_error_was_never_in_force(client, cast):
    admission = admit(cast, hours_ago=24 * 6)
    declaration = ready_days_ago(cast, admission, 4)
    assert billing.statement(declaration).billable_days == 5
    readiness.enter_declaration_in_error(declaration, by=cast.planner, reason="Feil pasient")
    admission.refresh_from_db()
    declaration.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED
    assert declaration.entered_in_error and billing.statement(declaration).lines == []
    assert services.active_declaration(admission) is None
    # It leaves the KE's list of declarations to answer; no reminder to answer it.
    client.force_login(cast.ke_tromso)
    html = nb(client).get(reverse("pathways:ke_inbox")).content.decode()
    assert f"answer-{declaration.uuid}" not in html and str(declaration.uuid) not in html
    assert not tasks.remind_unanswered_declarations.due(timezone.now() + DAY).exists()
    # The patient may be declared ready anew; a second cancel is refused.
    services.declare_ready_for_discharge(admission, by=cast.planner, physician="Dr. Lege")
    with pytest.raises(StateConflict):
        readiness.enter_declaration_in_error(declaration, by=cast.planner)


def test_a_corrected_declaration_time_moves_the_payment_days(cast):
    admission = admit(cast, hours_ago=24 * 6)
    declaration = ready_days_ago(cast, admission, 4)
    readiness.correct_declaration(declaration, by=cast.planner,
                                  declared_at=timezone.now() - 2 * DAY, physician="Dr. Annen")
    declaration.refresh_from_db()
    assert declaration.physician == "Dr. Annen"
    assert billing.statement(declaration).billable_days == 3
    with pytest.raises(ValidationError):
        readiness.correct_declaration(declaration, by=cast.planner,
                                      declared_at=admission.admitted_at - HOUR)


def test_a_cancelled_withdrawal_makes_the_patient_ready_again(cast):
    admission = admit(cast, hours_ago=24 * 6)
    declaration = ready_days_ago(cast, admission, 4)
    services.withdraw_ready_for_discharge(admission, by=cast.planner, reason="Feber",
                                          at=timezone.now() - 2 * DAY)
    declaration.refresh_from_db()
    assert billing.statement(declaration).billable_days == 2
    readiness.cancel_withdrawal(declaration, by=cast.planner, reason="Feil")
    admission.refresh_from_db()
    declaration.refresh_from_db()
    assert admission.status == AdmissionStatus.READY_FOR_DISCHARGE
    assert declaration.withdrawn_at is None
    assert billing.statement(declaration).billable_days == 5


# -- The discharge corrected or cancelled ---------------------------------------------------

def test_a_cancelled_discharge_opens_the_stay_again_ready_if_it_was(cast):
    admission = admit(cast, hours_ago=24 * 6)
    ready_days_ago(cast, admission, 2)
    services.discharge_patient(admission, by=cast.planner,
                               destination=DischargeDestination.HOME)
    stays.correct_discharge(admission, by=cast.planner,
                            destination=DischargeDestination.NURSING_HOME)
    admission.refresh_from_db()
    assert admission.discharge_destination == DischargeDestination.NURSING_HOME
    stays.reopen_admission(admission, by=cast.planner, reason="Ikke utskrevet")
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.READY_FOR_DISCHARGE
    assert admission.discharged_at is None and admission.discharge_destination == ""


def test_a_death_or_a_later_stay_is_not_undone_by_cancelling_the_discharge(cast):
    admission = admit(cast, hours_ago=30)
    services.record_death(admission, by=cast.planner, died_at=timezone.now() - HOUR)
    with pytest.raises(StateConflict):
        stays.reopen_admission(admission, by=cast.planner)
    patient = factories.patient(cast.planner, "Nils", "Nyvik", municipality=cast.tromso)
    first = admit(cast, patient, hours_ago=30)
    services.discharge_patient(first, by=cast.planner, destination=DischargeDestination.HOME,
                               discharged_at=timezone.now() - 20 * HOUR)
    admit(cast, patient, hours_ago=10)
    with pytest.raises(StateConflict):
        stays.reopen_admission(first, by=cast.planner)


# -- Death ----------------------------------------------------------------------------------

def test_a_death_in_hospital_is_the_patients_too(cast):
    admission = admit(cast, hours_ago=30)
    died_at = timezone.now() - HOUR
    services.record_death(admission, by=cast.planner, died_at=died_at)
    assert Patient.objects.get(pk=cast.shared.pk).died_at == died_at


def test_a_death_outside_hospital_ends_the_referrals_and_tells_the_ke(client, cast):
    heard = []

    def listener(sender, *, patient, by, **kwargs):
        heard.append((patient.pk, by))

    patient_died.connect(listener, dispatch_uid="test-death-outside")
    try:
        died_at = timezone.now() - DAY
        stays.record_death_outside_hospital(cast.shared, by=cast.ke_tromso, died_at=died_at)
    finally:
        patient_died.disconnect(dispatch_uid="test-death-outside")
    assert heard == [(cast.shared.pk, cast.ke_tromso)]
    assert Patient.objects.get(pk=cast.shared.pk).died_at == died_at
    assert Notification.objects.filter(kind="patient.deceased",
                                       recipient=cast.ke_tromso).exists()
    with pytest.raises(StateConflict):
        stays.record_death_outside_hospital(cast.shared, by=cast.ke_tromso, died_at=died_at)
    client.force_login(cast.planner)
    page = nb(client).get(reverse("pathways:patient_pathway", args=[cast.shared.uuid]))
    assert "Død utenfor sykehus" in page.content.decode()
    stays.enter_death_in_error(cast.shared, by=cast.ke_tromso, reason="Feil pasient")
    assert Patient.objects.get(pk=cast.shared.pk).died_at is None


@pytest.mark.parametrize("who", ["planner", "ke_bodo", "coordinator"])
def test_only_the_patients_municipality_or_gp_records_a_death_outside_hospital(cast, who):
    with pytest.raises(PermissionDenied):
        stays.record_death_outside_hospital(cast.shared, by=getattr(cast, who),
                                            died_at=timezone.now() - DAY)
    assert Patient.objects.get(pk=cast.shared.pk).died_at is None


def test_a_gp_caring_for_the_patient_records_the_death(cast):
    office = factories.organization(OrganizationKind.GP_OFFICE, "Legekontoret")
    gp = factories.user("fastlege", office, Role.GP)
    factories.relate(cast.shared, office, cast.ke_tromso)
    stays.record_death_outside_hospital(cast.shared, by=gp, died_at=timezone.now() - DAY)
    assert ReadyForDischarge.objects.count() == 0
    assert Patient.objects.get(pk=cast.shared.pk).died_at is not None


# -- The ward's own action ------------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_ward_registers_a_stay_in_error_from_the_pathway_page_with_a_reason(client, cast):
    admission = admit(cast)
    client.force_login(cast.planner)
    page = nb(client).get(reverse("pathways:patient_pathway", args=[cast.shared.uuid]))
    step = reverse("pathways:enter_in_error", args=[admission.uuid])
    assert f'href="{step}"' in page.content.decode()
    form = nb(client).get(step, **HTMX).content.decode()
    assert "Hvorfor ble oppholdet registrert ved en feil?" in form
    refused = nb(client).post(step, {"reason": ""}, **HTMX)
    assert refused.status_code == 422
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED
    done = nb(client).post(step, {"reason": "Innlagt på feil pasient"}, **HTMX)
    assert done.status_code == 200
    assert "er registrert ved en feil" in done.content.decode()
    admission.refresh_from_db()
    assert (admission.status, admission.error_reason) == (
        AdmissionStatus.ENTERED_IN_ERROR, "Innlagt på feil pasient")
    # Closed now: the pathway page offers the action no more.
    page = nb(client).get(reverse("pathways:patient_pathway", args=[cast.shared.uuid]))
    assert f'href="{step}"' not in page.content.decode()


def test_the_municipality_has_no_such_action_and_cannot_post_it(client, cast):
    admission = admit(cast)
    client.force_login(cast.ke_tromso)
    page = nb(client).get(reverse("pathways:patient_pathway", args=[cast.shared.uuid]))
    step = reverse("pathways:enter_in_error", args=[admission.uuid])
    assert step not in page.content.decode()
    response = nb(client).post(step, {"reason": "Feil"}, **HTMX)
    assert response.status_code == 403  # the KE sees the stay, but acts not for the hospital
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


def test_fhir_calls_a_stay_entered_in_error_by_its_own_status(cast):
    from fhir_api.mapping import encounter

    admission = admit(cast)
    stays.enter_admission_in_error(admission, by=cast.planner, reason="Feil pasient")
    admission.refresh_from_db()
    assert encounter(admission)["status"] == "entered-in-error"


def test_a_death_outside_hospital_ends_the_patients_open_referrals(cast):
    from referrals import services as referral_services
    from referrals.models import ReferralStatus, WithdrawalReason
    from tests.referrals.conftest import referral_world

    world = referral_world(cast)
    referral = referral_services.refer(by=world.gp, patient=world.patient,
                                       service=world.skibotn_rehab, reason="Etter hjerneslag")
    stays.record_death_outside_hospital(world.patient, by=world.gp,
                                        died_at=timezone.now() - HOUR)
    referral.refresh_from_db()
    assert (referral.status, referral.withdrawal_reason) == (
        ReferralStatus.WITHDRAWN, WithdrawalReason.PATIENT_DIED)


def test_the_access_a_stay_in_error_gave_ends_a_week_later(cast):
    """Registered on the wrong patient: the hospital sees the correction for a week, then no
    longer the patient; the municipality that registered her keeps its own ground."""
    patient = factories.patient(cast.ke_bodo, "Wenche", "Villfarelse", municipality=cast.bodo)
    admission = admit(cast, patient=patient)
    stays.enter_admission_in_error(admission, by=cast.planner, reason="Feil pasient")

    now = timezone.now()
    planner_sees = CareRelationship.objects.granting(cast.planner).filter(patient=patient)
    assert planner_sees.exists()  # now: the correction is there to read
    later = now + stays.ERROR_ACCESS_GRACE + HOUR
    assert not CareRelationship.objects.granting(cast.planner, at=later).filter(
        patient=patient).exists()
    assert CareRelationship.objects.granting(cast.ke_bodo, at=later).filter(
        patient=patient).exists()
    assert AuditEvent.objects.filter(object_type="care_relationship", detail="ended").exists()


def test_another_stay_at_the_hospital_keeps_its_access(cast):
    patient = factories.patient(cast.ke_bodo, "Vidar", "Varig", municipality=cast.bodo)
    earlier = admit(cast, patient=patient, hours_ago=24 * 20)
    services.discharge_patient(earlier, by=cast.planner, destination=DischargeDestination.HOME,
                               discharged_at=timezone.now() - 10 * DAY)
    admission = admit(cast, patient=patient)
    stays.enter_admission_in_error(admission, by=cast.planner, reason="Dobbeltregistrert")
    later = timezone.now() + stays.ERROR_ACCESS_GRACE + HOUR
    assert CareRelationship.objects.granting(cast.planner, at=later).filter(
        patient=patient).exists()


def test_a_pathway_variant_ends_with_its_stay_in_error(cast):
    """Enrolled in early supported discharge, its visits planned: the stay registered in
    error ends the pathway, cancels what was planned, and tells the municipality."""
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok")
    stays.enter_admission_in_error(stay.admission, by=cast.planner, reason="Feil pasient")
    stay.refresh_from_db()
    visit.refresh_from_db()
    assert (stay.status, stay.end_note) == (EnrolmentStatus.ENDED, "Feil pasient")
    assert visit.status == ActivityStatus.CANCELLED
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="pathway_variant.ended").exists()
