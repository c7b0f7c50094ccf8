"""The patient's meetings on their own pages: what they see of each discharge meeting, their
answer (which the organiser sees), what they want to talk about (which staff read), the
minutes meant for them (never the staff's), the calendar file, and who may do what: the
patient, a next of kin given "meetings", one not given it, one not invited."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from pathways import services
from pathways.models import (
    DischargeMeeting,
    MeetingParticipant,
    ParticipantKind,
    ParticipantStatus,
    Representation,
    RepresentationKind,
)
from registry.models import AuditAction, AuditEvent, AuditObjectType, Notification
from tests import factories


def sign_in(client, identity_number):
    client.force_login(citizen_user(identity_number, given_name="Test", family_name="Borger"),
                       backend=BACKEND)


@pytest.fixture
def daughter(cast):
    """Astrid's daughter: her next of kin (with consent to share), invited to the meeting."""
    return services.add_next_of_kin(cast.shared, by=cast.planner, name="Dina Aune",
                                    relation="datter", consent_to_share=True,
                                    email="dina@example.org")


@pytest.fixture
def meeting(cast, daughter):
    """A discharge meeting in two days: Astrid, her daughter and Tromsø's KE invited."""
    return factories.discharge_meeting(cast, participants=[
        {"kind": ParticipantKind.PATIENT},
        {"kind": ParticipantKind.NEXT_OF_KIN, "next_of_kin": daughter},
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso},
    ])


def grant(cast, *, next_of_kin=None, meetings=True, plan=False):
    """A representation of Astrid by a next of kin, with the parts named."""
    number = factories.identity_number(datetime.date(1980, 5, 1))
    return Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=number, representative_name="Dina Aune",
        next_of_kin=next_of_kin, sees_meetings=meetings, sees_plan=plan,
        sees_messages=not meetings, created_by=cast.planner, updated_by=cast.planner)


def page_url(patient):
    return reverse("citizen:meetings", args=[patient.uuid])


def step_url(name, patient, meeting):
    return reverse(f"citizen:{name}", args=[patient.uuid, meeting.uuid])


def participant(meeting, kind):
    return MeetingParticipant.objects.get(meeting=meeting, kind=kind)


def into_the_past(meeting, hours=3):
    DischargeMeeting.objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(hours=hours))
    meeting.refresh_from_db()
    return meeting


# --- what the patient sees -----------------------------------------------------------------

def test_the_patient_sees_the_coming_meeting_with_who_is_invited_in_plain_words(
        client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    response = client.get(page_url(cast.shared))
    assert response.status_code == 200
    html = response.content.decode()
    card = html.split(f'id="meeting-{meeting.uuid}"')[1]
    assert "Møterom 3" in card
    assert "Møte før utskriving fra UNN Tromsø" in card
    people = card.split('class="citizen-invited"')[1]
    assert ('Kåre Tromsø, koordinerende enhet i kommunen: '
            '<span class="citizen-invited__answer">har ikke svart</span>') in people
    # The citizen first, then the patient's own people, then staff.
    assert people.index("(Astrid Aune), pasienten") < people.index("Dina Aune") \
        < people.index("Kåre")
    assert "Dina Aune, pårørende" in card
    assert "Du har ikke svart ennå." in card
    assert f'id="accept-{meeting.uuid}"' in card
    # The time in Norwegian time, as the staff page shows it.
    assert timezone.localtime(meeting.scheduled_at).strftime("%H:%M") in card
    # No internal codes on the citizen's page.
    for code in ("coordinating_unit", "next_of_kin", ">invited<", ">scheduled<"):
        assert code not in html.split('id="main"')[1]


def test_every_meeting_read_is_audited_with_the_patient(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    client.get(page_url(cast.shared))
    event = AuditEvent.objects.get(action=AuditAction.VIEW,
                                   object_type=AuditObjectType.DISCHARGE_MEETING,
                                   object_id=str(meeting.uuid), via="citizen")
    assert event.patient_uuid == cast.shared.uuid
    assert event.detail == "patient"


def test_the_page_costs_the_same_queries_for_one_meeting_as_for_several(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    client.get(page_url(cast.shared))  # the session's first read
    with CaptureQueriesContext(connection) as one:
        client.get(page_url(cast.shared))
    for hours in (72, 96, 120):
        factories.discharge_meeting(cast, meeting.admission, hours_ahead=hours, participants=[
            {"kind": ParticipantKind.PATIENT},
            {"kind": ParticipantKind.HOSPITAL_STAFF, "user": cast.planner}])
    with CaptureQueriesContext(connection) as four:
        response = client.get(page_url(cast.shared))
    assert response.content.decode().count('<article class="citizen-meeting') == 4
    assert len(four) == len(one)


def test_accepting_changes_the_invitation_the_organiser_sees(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    response = client.post(step_url("meeting_answer", cast.shared, meeting),
                           {"answer": "accept", "status": "invited",
                            "sequence": meeting.sequence})
    assert response.status_code == 302
    assert participant(meeting, ParticipantKind.PATIENT).status == ParticipantStatus.ACCEPTED
    page = client.get(response["Location"]).content.decode()
    assert "Du har sagt at du kommer." in page
    # The organiser's page shows the answer; she was told, with no name in the notice.
    client.force_login(cast.planner)
    staff = client.get(reverse("pathways:meeting_detail", args=[meeting.uuid])).content.decode()
    row = staff.split(f'id="participant-{participant(meeting, ParticipantKind.PATIENT).pk}"')[1]
    assert 'data-status="accepted"' in row.split(">")[0] + ">"
    notice = Notification.objects.get(kind="discharge_meeting.citizen_answer",
                                      recipient=cast.planner, channel="in_app")
    assert "Astrid" not in notice.title + notice.body
    assert notice.body == "Pasienten har takket ja."
    assert AuditEvent.objects.filter(
        object_type=AuditObjectType.MEETING_PARTICIPANT, action=AuditAction.UPDATE,
        patient_uuid=cast.shared.uuid, detail="accepted by the patient").exists()


def test_declining_is_recorded_and_shown(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    client.post(step_url("meeting_answer", cast.shared, meeting),
                {"answer": "decline", "status": "invited", "sequence": meeting.sequence})
    assert participant(meeting, ParticipantKind.PATIENT).status == ParticipantStatus.DECLINED
    assert "Du har sagt at du ikke kommer." in client.get(page_url(cast.shared)).content.decode()


def test_an_answer_to_a_meeting_moved_meanwhile_is_not_written(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    seen = meeting.sequence
    services.reschedule_discharge_meeting(meeting, by=cast.planner, location="Rom 5")
    response = client.post(step_url("meeting_answer", cast.shared, meeting),
                           {"answer": "accept", "status": "invited", "sequence": seen},
                           follow=True)
    assert participant(meeting, ParticipantKind.PATIENT).status == ParticipantStatus.INVITED
    assert "Møtet ble endret i mellomtiden" in response.content.decode()


def test_what_i_want_to_talk_about_is_saved_and_read_by_staff(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    text = "Hvem hjelper meg med dusjen?\r\nKan datteren min være med?"
    response = client.post(step_url("meeting_topics", cast.shared, meeting),
                           {"topics": text, "expected": ""})
    assert response.status_code == 302
    saved = participant(meeting, ParticipantKind.PATIENT).topics
    assert saved == "Hvem hjelper meg med dusjen?\nKan datteren min være med?"
    client.force_login(cast.planner)
    staff = client.get(reverse("pathways:meeting_detail", args=[meeting.uuid])).content.decode()
    assert "Hvem hjelper meg med dusjen?" in staff.split('id="topics"')[1]
    # The organiser is told that there is something to read, not what.
    for notice in Notification.objects.filter(kind="discharge_meeting.citizen_topics"):
        assert "dusjen" not in notice.title + notice.body
    assert not any("dusjen" in message.body for message in mail.outbox)


def test_too_long_a_text_is_refused_and_kept_with_nothing_written(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    text = "x" * 2001
    response = client.post(step_url("meeting_topics", cast.shared, meeting),
                           {"topics": text, "expected": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Teksten er for lang: 2001 tegn, høyst 2000." in html
    assert text in html
    assert participant(meeting, ParticipantKind.PATIENT).topics == ""


def test_a_change_made_meanwhile_is_not_overwritten(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    MeetingParticipant.objects.filter(meeting=meeting, kind=ParticipantKind.PATIENT).update(
        topics="Skrevet på mobilen")
    response = client.post(step_url("meeting_topics", cast.shared, meeting),
                           {"topics": "Skrevet på PC", "expected": ""})
    assert response.status_code == 409
    assert participant(meeting, ParticipantKind.PATIENT).topics == "Skrevet på mobilen"
    html = response.content.decode()
    assert "Skrevet på mobilen" in html and "Skrevet på PC" in html
    # Saving again is now deliberate: the form carries the text saved meanwhile.
    again = client.post(step_url("meeting_topics", cast.shared, meeting),
                        {"topics": "Skrevet på PC", "expected": "Skrevet på mobilen"})
    assert again.status_code == 302
    assert participant(meeting, ParticipantKind.PATIENT).topics == "Skrevet på PC"


def test_a_patient_not_invited_sees_the_meeting_but_cannot_answer(client, cast):
    meeting = factories.discharge_meeting(cast)  # only the KE invited
    sign_in(client, cast.shared.identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert f'id="not-invited-{meeting.uuid}"' in html
    assert f'id="accept-{meeting.uuid}"' not in html
    response = client.post(step_url("meeting_answer", cast.shared, meeting),
                           {"answer": "accept"})
    assert response.status_code == 404


def test_a_cancelled_meeting_says_so_and_takes_no_answer(client, cast, meeting):
    services.cancel_discharge_meeting(meeting, by=cast.planner)
    sign_in(client, cast.shared.identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    card = html.split(f'id="meeting-{meeting.uuid}"')[1]
    assert "Avlyst" in card
    assert f'id="accept-{meeting.uuid}"' not in card
    client.post(step_url("meeting_answer", cast.shared, meeting),
                {"answer": "accept", "status": "invited"})
    assert participant(meeting, ParticipantKind.PATIENT).status == ParticipantStatus.INVITED


# --- after the meeting -----------------------------------------------------------------------

def test_the_minutes_for_the_patient_are_shown_and_the_staff_minutes_never(client, cast,
                                                                          meeting):
    into_the_past(meeting)
    services.record_minutes(meeting, by=cast.planner, minutes="Intern vurdering: ADL-svikt",
                            decisions="Vedtak om korttidsplass")
    services.record_patient_minutes(meeting, by=cast.planner,
                                    text="Du skal få hjelp hjemme to ganger om dagen.")
    sign_in(client, cast.shared.identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert 'id="past-heading"' in html
    assert "Du skal få hjelp hjemme to ganger om dagen." in html
    assert "Referat til deg" in html
    assert "ADL-svikt" not in html
    assert "korttidsplass" not in html
    assert f'id="accept-{meeting.uuid}"' not in html


# --- the calendar file -------------------------------------------------------------------------

def test_the_patient_downloads_the_calendar_file(client, cast, meeting):
    sign_in(client, cast.shared.identity_number)
    response = client.get(step_url("meeting_calendar", cast.shared, meeting))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert f"discharge-meeting-{meeting.uuid}@rehab-portal" in body
    assert "Astrid" not in body and "Dina" not in body
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(meeting.uuid),
                                     patient_uuid=cast.shared.uuid).exists()


def test_another_patients_meeting_is_not_there(client, cast, meeting):
    tor = cast.tromso_only
    factories.relate(tor, cast.unn, cast.ke_tromso)
    sign_in(client, tor.identity_number)
    assert client.get(step_url("meeting_calendar", tor, meeting)).status_code == 404
    assert client.get(step_url("meeting_calendar", cast.shared, meeting)).status_code == 404
    assert client.post(step_url("meeting_answer", tor, meeting),
                       {"answer": "accept"}).status_code == 404


# --- next of kin ---------------------------------------------------------------------------------

def test_a_next_of_kin_given_meetings_answers_her_own_invitation(client, cast, meeting,
                                                                 daughter):
    representation = grant(cast, next_of_kin=daughter)
    sign_in(client, representation.representative_identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert 'class="notice notice--info citizen-acting"' in html
    client.post(step_url("meeting_answer", cast.shared, meeting),
                {"answer": "accept", "status": "invited", "sequence": meeting.sequence})
    assert participant(meeting, ParticipantKind.NEXT_OF_KIN).status == ParticipantStatus.ACCEPTED
    assert participant(meeting, ParticipantKind.PATIENT).status == ParticipantStatus.INVITED
    assert Notification.objects.get(kind="discharge_meeting.citizen_answer",
                                    channel="in_app").body == "En pårørende har takket ja."
    event = AuditEvent.objects.filter(object_type=AuditObjectType.DISCHARGE_MEETING,
                                      action=AuditAction.VIEW, via="citizen").first()
    assert event.detail == "representative: next_of_kin"


def test_a_next_of_kin_not_invited_sees_the_meeting_without_answering(client, cast, meeting):
    representation = grant(cast, next_of_kin=None)
    sign_in(client, representation.representative_identity_number)
    html = client.get(page_url(cast.shared)).content.decode()
    assert f'id="not-invited-{meeting.uuid}"' in html
    assert client.post(step_url("meeting_answer", cast.shared, meeting),
                       {"answer": "accept"}).status_code == 404
    assert client.post(step_url("meeting_topics", cast.shared, meeting),
                       {"topics": "Hei"}).status_code == 404


@pytest.mark.parametrize("name", ["meetings", "meeting_calendar", "meeting_answer",
                                  "meeting_topics"])
def test_a_representative_without_meetings_gets_404(client, cast, meeting, daughter, name):
    representation = grant(cast, next_of_kin=daughter, meetings=False, plan=True)
    sign_in(client, representation.representative_identity_number)
    url = page_url(cast.shared) if name == "meetings" else step_url(name, cast.shared, meeting)
    method = client.get if name in ("meetings", "meeting_calendar") else client.post
    assert method(url, {"answer": "accept", "topics": "x"} if method == client.post
                  else {}).status_code == 404
    assert participant(meeting, ParticipantKind.NEXT_OF_KIN).status == ParticipantStatus.INVITED


def test_a_withdrawn_grant_ends_the_answers_at_once(cast, meeting, daughter):
    representation = grant(cast, next_of_kin=daughter)
    user = citizen_user(representation.representative_identity_number)
    Representation.objects.filter(pk=representation.pk).update(withdrawn_at=timezone.now())
    from django.core.exceptions import PermissionDenied
    kin = participant(meeting, ParticipantKind.NEXT_OF_KIN)
    with pytest.raises(PermissionDenied):
        services.citizen_respond(kin, user, True)
    assert participant(meeting, ParticipantKind.NEXT_OF_KIN).status == ParticipantStatus.INVITED
