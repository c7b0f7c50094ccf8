import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from common.exceptions import StateConflict
from pathways import services
from pathways.models import (
    DischargeMeeting,
    MeetingParticipant,
    MeetingStatus,
    ParticipantKind,
    ParticipantStatus,
    Patient,
)
from registry.models import Notification
from tests import factories
from tests.factories import admit


def schedule(cast, admission, hours_ahead=48, **extra):
    """A meeting with Tromsø's KE invited in the portal and the GP by e-mail."""
    extra.setdefault("participants", [
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso},
        {"kind": ParticipantKind.GP, "name": "Fastlege Fjell", "email": "gp@example.org"},
    ])
    return factories.discharge_meeting(cast, admission, hours_ahead=hours_ahead, **extra)


def event_of(notification):
    calendar = Calendar.from_ical(notification.attachment)
    return next(component for component in calendar.walk("VEVENT"))


def test_it_invites_users_in_the_portal_and_outsiders_by_email_with_a_calendar_file(
        cast, django_capture_on_commit_callbacks):
    cast.ke_tromso.email = "ke@tromso.example"
    cast.ke_tromso.save()
    with django_capture_on_commit_callbacks():
        meeting = schedule(cast, admit(cast))
    invitations = Notification.objects.filter(kind="discharge_meeting.invitation")
    assert set(invitations.values_list("channel", "recipient_email")) == {
        ("in_app", "ke@tromso.example"), ("email", "ke@tromso.example"),
        ("email", "gp@example.org")}
    event = event_of(invitations.get(recipient_email="gp@example.org"))
    assert str(event["uid"]) == f"discharge-meeting-{meeting.uuid}@rehab-portal"
    assert event["sequence"] == 0
    assert "Aune" not in str(event["summary"])  # no patient name in a calendar


def test_it_refuses_a_meeting_in_the_past(cast):
    with pytest.raises(ValidationError) as exc_info:
        schedule(cast, admit(cast), hours_ahead=-1)
    assert "scheduled_at" in exc_info.value.message_dict
    assert not DischargeMeeting.objects.exists()


def test_it_invites_next_of_kin_only_with_consent(cast):
    refusing = services.add_next_of_kin(cast.shared, by=cast.planner, name="Per Aune",
                                        relation="sønn", consent_to_share=False)
    with pytest.raises(ValidationError) as exc_info:
        schedule(cast, admit(cast), participants=[
            {"kind": ParticipantKind.NEXT_OF_KIN, "next_of_kin": refusing}])
    assert "participants" in exc_info.value.message_dict
    assert not DischargeMeeting.objects.exists() and not MeetingParticipant.objects.exists()


def test_it_gives_an_invited_outsider_access_until_after_the_meeting(cast):
    stranger = factories.user("coordinator2", cast.tromso, "coordinator")
    assert cast.shared not in Patient.objects.visible_to(stranger)
    schedule(cast, admit(cast), participants=[
        {"kind": ParticipantKind.COORDINATOR, "user": stranger}])
    assert cast.shared in Patient.objects.visible_to(stranger)
    relationship = cast.shared.care_relationships.get(user=stranger)
    assert relationship.valid_to > timezone.now() + datetime.timedelta(days=14)


def test_rescheduling_updates_everyone_and_resets_answers(cast):
    meeting = schedule(cast, admit(cast))
    participant = meeting.participants.get(user=cast.ke_tromso)
    services.respond_to_invitation(participant, by=cast.ke_tromso,
                                   status=ParticipantStatus.ACCEPTED)
    new_time = meeting.scheduled_at + datetime.timedelta(days=1)
    meeting = services.reschedule_discharge_meeting(meeting, by=cast.planner,
                                                    scheduled_at=new_time)
    assert meeting.sequence == 1
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.INVITED
    changed = Notification.objects.get(kind="discharge_meeting.rescheduled",
                                       recipient_email="gp@example.org")
    assert event_of(changed)["sequence"] == 1


def test_the_organiser_takes_part_accepted_and_is_not_invited_to_her_own_meeting(cast):
    meeting = schedule(cast, admit(cast), participants=[
        {"kind": ParticipantKind.HOSPITAL_STAFF, "user": cast.planner},
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso}])
    organiser = meeting.participants.get(user=cast.planner)
    assert organiser.status == ParticipantStatus.ACCEPTED and organiser.responded_at
    assert meeting.participants.get(user=cast.ke_tromso).status == ParticipantStatus.INVITED
    invited = Notification.objects.filter(kind="discharge_meeting.invitation")
    assert set(invited.values_list("recipient__username", flat=True)) == {"ke_tromso"}
    # She moves it: the others answer again, she still takes part and is told nothing.
    meeting = services.reschedule_discharge_meeting(
        meeting, by=cast.planner, scheduled_at=meeting.scheduled_at + datetime.timedelta(days=1))
    organiser.refresh_from_db()
    assert organiser.status == ParticipantStatus.ACCEPTED
    assert Notification.objects.filter(kind="discharge_meeting.rescheduled",
                                       recipient=cast.ke_tromso).exists()
    assert not Notification.objects.filter(recipient=cast.planner,
                                           kind__startswith="discharge_meeting").exists()


def test_cancelling_sends_a_cancellation_and_closes_the_meeting(cast):
    meeting = services.cancel_discharge_meeting(schedule(cast, admit(cast)), by=cast.planner)
    assert meeting.status == MeetingStatus.CANCELLED
    cancelled = Notification.objects.get(kind="discharge_meeting.cancelled",
                                         recipient_email="gp@example.org")
    assert "METHOD:CANCEL" in cancelled.attachment
    with pytest.raises(StateConflict):
        services.reschedule_discharge_meeting(meeting, by=cast.planner, location="Annet rom")


def test_only_the_organising_sides_schedule(cast):
    admission = admit(cast)
    with pytest.raises(PermissionDenied):
        services.schedule_discharge_meeting(
            admission, by=cast.ke_bodo, location="x",
            scheduled_at=timezone.now() + datetime.timedelta(days=1))
    meeting = services.schedule_discharge_meeting(
        admission, by=cast.ke_tromso, location="Rådhuset",
        scheduled_at=timezone.now() + datetime.timedelta(days=1))
    assert meeting.organizer == cast.ke_tromso


def test_minutes_come_after_the_meeting_and_mark_attendance(cast):
    meeting = schedule(cast, admit(cast))
    with pytest.raises(StateConflict):
        services.record_minutes(meeting, by=cast.planner, minutes="Referat")
    DischargeMeeting.objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(hours=1))
    meeting.refresh_from_db()
    ke = meeting.participants.get(user=cast.ke_tromso)
    meeting = services.record_minutes(meeting, by=cast.planner, minutes="Referat",
                                      decisions="Hverdagsrehabilitering", attended=[ke])
    ke.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and ke.status == ParticipantStatus.ATTENDED
    task = services.add_follow_up_task(meeting, by=cast.planner, description="Søke IP",
                                       responsible_name="Kåre", responsible_user=cast.ke_tromso,
                                       due_date=datetime.date(2026, 12, 1))
    services.complete_follow_up_task(task, by=cast.ke_tromso)
    with pytest.raises(StateConflict):
        services.complete_follow_up_task(task, by=cast.ke_tromso)


def test_the_calendar_file_never_names_the_patient_or_next_of_kin(cast):
    cast.shared.email = "pasient@example.org"
    cast.shared.save()
    kin = services.add_next_of_kin(cast.shared, by=cast.planner, name="Ola Aune",
                                   relation="sønn", email="ola@example.org",
                                   consent_to_share=True)
    schedule(cast, admit(cast), participants=[
        {"kind": ParticipantKind.PATIENT, "name": "Astrid Aune", "email": "pasient@example.org"},
        {"kind": ParticipantKind.NEXT_OF_KIN, "next_of_kin": kin},
        {"kind": ParticipantKind.GP, "name": "Fastlege Fjell", "email": "gp@example.org"},
    ])
    for invitation in Notification.objects.filter(kind="discharge_meeting.invitation"):
        assert "Aune" not in invitation.attachment
        assert "pasient@example.org" not in invitation.attachment
        assert "ola@example.org" not in invitation.attachment
    gp = Notification.objects.get(recipient_email="gp@example.org")
    assert "gp@example.org" in gp.attachment


def test_a_next_of_kin_cannot_be_invited_under_another_role(cast):
    refusing = services.add_next_of_kin(cast.shared, by=cast.planner, name="Per Aune",
                                        relation="sønn", email="per@example.org",
                                        consent_to_share=False)
    with pytest.raises(ValidationError):
        schedule(cast, admit(cast), participants=[
            {"kind": ParticipantKind.GP, "next_of_kin": refusing}])
    assert not Notification.objects.filter(recipient_email="per@example.org").exists()


def test_minutes_do_not_revive_a_meeting_cancelled_meanwhile(cast):
    meeting = schedule(cast, admit(cast))
    stale = DischargeMeeting.objects.get(pk=meeting.pk)
    services.cancel_discharge_meeting(meeting, by=cast.planner)
    DischargeMeeting.objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(hours=1))
    stale.scheduled_at = timezone.now() - datetime.timedelta(hours=1)
    with pytest.raises(StateConflict):
        services.record_minutes(stale, by=cast.planner, minutes="Referat")
    assert DischargeMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED


def test_an_answer_to_a_meeting_moved_meanwhile_does_not_count(cast):
    meeting = schedule(cast, admit(cast))
    participant = MeetingParticipant.objects.select_related("meeting").get(
        meeting=meeting, user=cast.ke_tromso)
    services.reschedule_discharge_meeting(meeting, by=cast.planner, location="Rom 9")
    with pytest.raises(StateConflict):
        services.respond_to_invitation(participant, by=cast.ke_tromso,
                                       status=ParticipantStatus.ACCEPTED)
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.INVITED
