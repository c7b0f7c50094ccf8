"""The minutes meant for the patient, on the staff's meeting page: written by the organising
side after the meeting has started, shown beside (never instead of) the staff's minutes; the
patient is told by e-mail that there is something to read, without its contents. The topics
the patient and next of kin wrote show on the same page."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from common.exceptions import StateConflict
from pathways import services
from pathways.models import (
    DischargeMeeting,
    MeetingParticipant,
    ParticipantKind,
)
from pathways.services import update_patient
from registry.models import AuditAction, AuditEvent, Notification, NotificationChannel
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def meeting(cast):
    """A meeting with Astrid and Tromsø's KE invited, begun an hour ago; Astrid has an
    e-mail address."""
    astrid = cast.shared
    update_patient(astrid, by=cast.planner, expected_version=astrid.version,
                   email="astrid@example.org")
    meeting = factories.discharge_meeting(cast, participants=[
        {"kind": ParticipantKind.PATIENT},
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso}])
    DischargeMeeting.objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(hours=1))
    meeting.refresh_from_db()
    return meeting


def step(client, meeting, text):
    return client.post(reverse("pathways:meeting_patient_minutes", args=[meeting.uuid]),
                       {"minutes_for_patient": text}, **HTMX)


def page(client, meeting):
    return client.get(reverse("pathways:meeting_detail", args=[meeting.uuid])).content.decode()


def test_the_organiser_writes_the_minutes_for_the_patient_on_the_meeting_page(client, cast,
                                                                             meeting):
    client.force_login(cast.planner)
    assert 'id="meeting-patient-minutes"' in page(client, meeting)
    response = step(client, meeting, "  Du får hjemmesykepleie fra mandag.\r\n")
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.minutes_for_patient == "Du får hjemmesykepleie fra mandag."
    html = page(client, meeting)
    assert "Du får hjemmesykepleie fra mandag." in html.split('id="patient-minutes"')[1]
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(meeting.uuid),
                                     detail="minutes for the patient",
                                     patient_uuid=cast.shared.uuid).exists()


def test_the_patient_is_emailed_once_that_there_is_something_to_read(cast, meeting):
    services.record_patient_minutes(meeting, by=cast.planner, text="Hjemmesykepleie fra mandag")
    services.record_patient_minutes(meeting, by=cast.planner, text="Hjemmesykepleie fra tirsdag")
    notices = Notification.objects.filter(kind="discharge_meeting.patient_minutes")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.channel == NotificationChannel.EMAIL
    assert notice.recipient_email == "astrid@example.org"
    assert notice.url == reverse("citizen:meetings", args=[cast.shared.uuid])
    assert "Hjemmesykepleie" not in notice.title + notice.body
    assert not any("Hjemmesykepleie" in m.body for m in mail.outbox)


def test_an_empty_text_is_refused_with_nothing_written(client, cast, meeting):
    client.force_login(cast.planner)
    response = step(client, meeting, "   ")
    assert response.status_code == 422
    assert "Skriv referatet til pasienten." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_for_patient == ""


def test_before_the_meeting_or_after_a_cancellation_there_are_no_minutes(cast):
    ahead = factories.discharge_meeting(cast)
    with pytest.raises(StateConflict):
        services.record_patient_minutes(ahead, by=cast.planner, text="For tidlig")
    services.cancel_discharge_meeting(ahead, by=cast.planner)
    with pytest.raises(StateConflict):
        services.record_patient_minutes(ahead, by=cast.planner, text="Avlyst")
    ahead.refresh_from_db()
    assert ahead.minutes_for_patient == ""


def test_too_long_a_text_is_refused(cast, meeting):
    with pytest.raises(ValidationError):
        services.record_patient_minutes(meeting, by=cast.planner, text="x" * 10_001)


@pytest.mark.parametrize("who", ["coordinator", "ke_bodo"])
def test_only_the_organising_side_writes_them(cast, meeting, who):
    with pytest.raises(PermissionDenied):
        services.record_patient_minutes(meeting, by=getattr(cast, who), text="Nei")
    meeting.refresh_from_db()
    assert meeting.minutes_for_patient == ""


def test_the_ke_of_the_municipality_may_write_them_too(cast, meeting):
    services.record_patient_minutes(meeting, by=cast.ke_tromso, text="Fra kommunen")
    meeting.refresh_from_db()
    assert meeting.minutes_for_patient == "Fra kommunen"


def test_the_topics_show_on_the_staff_page_only_when_written(client, cast, meeting):
    client.force_login(cast.planner)
    assert 'id="topics"' not in page(client, meeting)
    MeetingParticipant.objects.filter(meeting=meeting, kind=ParticipantKind.PATIENT).update(
        topics="Jeg vil hjem til katten")
    html = page(client, meeting)
    assert "Jeg vil hjem til katten" in html.split('id="topics"')[1]


def test_the_meeting_page_keeps_its_query_budget_with_topics(client, cast, meeting,
                                                             django_assert_max_num_queries):
    from tests.pathways.test_meeting_page import MEETING_BUDGET

    MeetingParticipant.objects.filter(meeting=meeting).update(topics="Noe å ta opp")
    services.record_patient_minutes(meeting, by=cast.planner, text="Referat")
    client.force_login(cast.planner)
    with django_assert_max_num_queries(MEETING_BUDGET):
        html = page(client, meeting)
    assert html.count('<div id="topics-') == 2
