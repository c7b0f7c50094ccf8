"""Discharge meetings over the API: scheduling with invitations, rescheduling with If-Match,
cancelling, answers, minutes, follow-up tasks and the iCalendar file."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways import services
from pathways.models import (
    DischargeMeeting,
    FollowUpTask,
    MeetingParticipant,
    MeetingStatus,
    ParticipantStatus,
)
from registry.models import AuditAction, AuditEvent, Notification, NotificationChannel
from tests import factories
from tests.factories import admit, api_client

from .support import error
from .test_admissions import iso, rows

MEETINGS = "/api/v1/discharge-meetings/"


def etag(meeting) -> str:
    """The meeting's current ETag (its sequence), as a client holds it after reading it."""
    return f'W/"{DischargeMeeting.objects.get(pk=meeting.pk).sequence}"'


def meeting_url(meeting, step="") -> str:
    return f"{MEETINGS}{meeting.uuid}/" + (f"{step}/" if step else "")


def ahead(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


def schedule(cast, admission=None, participants=None, **fields):
    """A meeting at UNN in two days, with the coordinator invited."""
    fields.setdefault("location", "Møterom 3, UNN")
    if participants is None:
        participants = [{"kind": "coordinator", "user": cast.coordinator}]
    return factories.discharge_meeting(cast, admission, participants=participants, **fields)


def start(meeting) -> None:
    """As if the clock had reached the meeting (no service schedules one in the past)."""
    DischargeMeeting.objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(minutes=30))


def kin(cast, patient=None, consent=True):
    return services.add_next_of_kin(patient or cast.shared, by=cast.planner, name="Per Aune",
                                    relation="sønn", email="per@example.org",
                                    consent_to_share=consent)


def payload(admission, **overrides) -> dict:
    data = {"admission": str(admission.uuid), "scheduled_at": iso(ahead(days=2)),
            "location": "Møterom 3, UNN", "duration_minutes": 45, "participants": []}
    data.update(overrides)
    return data


def participant_of(meeting, user) -> MeetingParticipant:
    return meeting.participants.get(user=user)


# --- schedule ----------------------------------------------------------------------------------

def test_it_schedules_a_meeting_and_invites_everyone(cast, api):
    admission = admit(cast)
    son = kin(cast)
    response = api(cast.planner).post(MEETINGS, payload(admission, participants=[
        {"kind": "coordinator", "user": "coordinator"},
        {"kind": "gp", "name": "Dr. Fastlege", "email": "fastlege@example.org"},
        {"kind": "next_of_kin", "next_of_kin": str(son.uuid)},
    ]), format="json")
    assert response.status_code == 201, response.json()
    meeting = DischargeMeeting.objects.get()
    assert response["Location"].endswith(meeting_url(meeting))
    assert response["ETag"] == 'W/"0"'
    body = response.json()
    assert (body["status"], body["organizer"], body["patient"], body["duration_minutes"]) == (
        "scheduled", "Pia Planlegger", str(cast.shared.uuid), 45)
    assert {(p["kind"], p["name"], p["status"]) for p in body["participants"]} == {
        ("coordinator", "Kora Koordinator", "invited"), ("gp", "Dr. Fastlege", "invited"),
        ("next_of_kin", "Per Aune", "invited")}
    assert Notification.objects.filter(recipient=cast.coordinator,
                                       kind="discharge_meeting.invitation").exists()
    mailed = Notification.objects.filter(channel=NotificationChannel.EMAIL,
                                         kind="discharge_meeting.invitation")
    assert {n.recipient_email for n in mailed} >= {"fastlege@example.org", "per@example.org"}
    assert all("BEGIN:VCALENDAR" in n.attachment for n in mailed)


def test_it_invites_the_patient_without_a_name_typed_in(cast, api):
    """The portal knows the patient: kind patient alone names them and finds their e-mail."""
    cast.shared.email = "astrid@example.org"
    cast.shared.save(update_fields=["email"])
    admission = admit(cast)
    response = api(cast.planner).post(MEETINGS, payload(admission, participants=[
        {"kind": "patient"}]), format="json")
    assert response.status_code == 201, response.json()
    assert [(p["kind"], p["name"], p["email"]) for p in response.json()["participants"]] == [
        ("patient", "Astrid Aune", "astrid@example.org")]
    assert Notification.objects.filter(channel=NotificationChannel.EMAIL,
                                       kind="discharge_meeting.invitation",
                                       recipient_email="astrid@example.org").exists()


def test_it_lets_the_municipalitys_coordinating_unit_schedule(cast, api, epj):
    admission = admit(cast)
    assert api(cast.ke_tromso).post(MEETINGS, payload(admission),
                                    format="json").status_code == 201
    assert epj.post(MEETINGS, payload(admission), format="json").status_code == 201


def test_it_lets_no_coordinator_schedule(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.coordinator).post(MEETINGS, payload(admission), format="json")
    assert response.status_code == 403
    assert rows() == before


def test_it_treats_an_admission_outside_scope_in_the_body_as_unknown(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.ke_bodo).post(MEETINGS, payload(admission), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["admission"]
    assert rows() == before


def test_it_refuses_a_meeting_in_the_past_and_writes_nothing(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(MEETINGS, payload(
        admission, scheduled_at=iso(timezone.now() - datetime.timedelta(hours=1)),
        participants=[{"kind": "coordinator", "user": "coordinator"}]), format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "scheduled_at": ["A meeting is scheduled in the future."]}
    assert rows() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"location": "", "video_link": ""}, "location"),
    ({"video_link": "not a link"}, "video_link"),
    ({"duration_minutes": 5}, "duration_minutes"),
    ({"scheduled_at": "2026-12-32T10:00:00Z"}, "scheduled_at"),
    ({"participants": [{"kind": "gp"}]}, "participants.0.name"),
    ({"participants": [{"kind": "coordinator", "user": "nobody"}]}, "participants.0.user"),
    ({"participants": [{"kind": "chair", "name": "X"}]}, "participants.0.kind"),
    ({"participants": [{"kind": "coordinator", "user": "coordinator"},
                       {"kind": "coordinator", "user": "coordinator"}]}, "participants"),
])
def test_it_refuses_an_invalid_meeting_naming_the_field(cast, api, change, field):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(MEETINGS, payload(admission, **change), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_it_invites_next_of_kin_only_with_consent(cast, api):
    admission = admit(cast)
    son = kin(cast, consent=False)
    before = rows()
    response = api(cast.planner).post(MEETINGS, payload(admission, participants=[
        {"kind": "next_of_kin", "next_of_kin": str(son.uuid)}]), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["participants"]
    assert rows() == before


def test_it_does_not_find_next_of_kin_of_a_patient_outside_scope(cast, api):
    admission = admit(cast)
    stranger = services.add_next_of_kin(cast.bodo_only, by=cast.ke_bodo, name="Bo Bakken",
                                        relation="ektefelle", consent_to_share=True)
    response = api(cast.planner).post(MEETINGS, payload(admission, participants=[
        {"kind": "next_of_kin", "next_of_kin": str(stranger.uuid)}]), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["participants.0.next_of_kin"]


def test_it_refuses_a_meeting_for_a_closed_admission_with_409(cast, api):
    admission = admit(cast)
    services.discharge_patient(admission, by=cast.planner, destination="home")
    before = rows()
    response = api(cast.planner).post(MEETINGS, payload(admission), format="json")
    assert response.status_code == 409
    assert rows() == before


# --- read --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("member", "count"), [("planner", 1), ("ke_tromso", 1),
                                               ("coordinator", 1), ("ke_bodo", 0)])
def test_it_lists_the_meetings_each_member_of_the_cast_may_see(cast, api, member, count):
    schedule(cast)
    assert api(getattr(cast, member)).get(MEETINGS).json()["count"] == count


def test_it_lets_an_invited_outsider_see_the_meeting_and_answer(cast, api):
    meeting = schedule(cast, participants=[{"kind": "coordinating_unit", "user": cast.ke_bodo}])
    client = api(cast.ke_bodo)
    assert client.get(meeting_url(meeting)).status_code == 200
    response = client.post(meeting_url(meeting, "respond"), {"status": "accepted"},
                           format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"


def test_it_audits_every_meeting_on_the_page_in_one_insert(cast, api):
    first = schedule(cast)
    second = schedule(cast, admission=first.admission, scheduled_at=ahead(days=3))
    with CaptureQueriesContext(connection) as queries:
        response = api(cast.ke_tromso).get(MEETINGS)
    assert [row["uuid"] for row in response.json()["results"]] == [str(first.uuid),
                                                                   str(second.uuid)]
    assert len([q for q in queries
                if q["sql"].startswith('INSERT INTO "registry_auditevent"')]) == 1
    assert set(AuditEvent.objects.filter(
        user=cast.ke_tromso, action=AuditAction.VIEW, object_type="dischargemeeting",
    ).values_list("object_id", flat=True)) == {str(first.uuid), str(second.uuid)}


def test_it_answers_404_for_a_meeting_outside_scope(cast, api):
    meeting = schedule(cast)
    outside = api(cast.ke_bodo).get(meeting_url(meeting))
    missing = api(cast.ke_bodo).get(f"{MEETINGS}{uuid.uuid4()}/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_it_filters_meetings(cast, api):
    soon = schedule(cast, scheduled_at=ahead(days=1))
    later = schedule(cast, admission=soon.admission, scheduled_at=ahead(days=5))
    services.cancel_discharge_meeting(later, by=cast.planner)
    client = api(cast.planner)

    def listed(**params):
        response = client.get(MEETINGS, params)
        assert response.status_code == 200, response.json()
        return [row["uuid"] for row in response.json()["results"]]

    assert listed(status="cancelled") == [str(later.uuid)]
    assert listed(scheduled_before=iso(ahead(days=2))) == [str(soon.uuid)]
    assert listed(scheduled_after=iso(ahead(days=2))) == [str(later.uuid)]
    assert listed(admission=str(soon.admission.uuid)) == [str(soon.uuid), str(later.uuid)]
    assert listed(updated_since=iso(ahead(minutes=1))) == []
    assert list(error(client.get(MEETINGS, {"scheduled_after": "soon"}))["fields"]) == [
        "scheduled_after"]


# --- reschedule --------------------------------------------------------------------------------

def test_it_reschedules_with_if_match_and_resets_the_answers(cast, api):
    meeting = schedule(cast)
    services.respond_to_invitation(participant_of(meeting, cast.coordinator),
                                   by=cast.coordinator, status="accepted")
    new_time = ahead(days=4)
    response = api(cast.planner).patch(meeting_url(meeting), {
        "scheduled_at": iso(new_time), "video_link": "https://video.example.org/m/1"},
        format="json", HTTP_IF_MATCH='W/"0"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    assert body["sequence"] == 1
    assert datetime.datetime.fromisoformat(body["scheduled_at"]) == new_time
    assert [p["status"] for p in body["participants"]] == ["invited"]
    assert Notification.objects.filter(recipient=cast.coordinator,
                                       kind="discharge_meeting.rescheduled").exists()


def test_it_requires_if_match_to_reschedule(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.planner).patch(meeting_url(meeting), {"location": "Rom 4"},
                                       format="json")
    assert response.status_code == 428
    assert rows() == before


def test_it_refuses_a_stale_reschedule_with_412_and_the_current_etag(cast, api):
    meeting = schedule(cast)
    services.reschedule_discharge_meeting(meeting, by=cast.ke_tromso, location="Rom 5")
    before = rows()
    response = api(cast.planner).patch(meeting_url(meeting), {"location": "Rom 4"},
                                       format="json", HTTP_IF_MATCH='W/"0"')
    assert response.status_code == 412
    assert response["ETag"] == 'W/"1"'
    assert rows() == before
    meeting.refresh_from_db()
    assert meeting.location == "Rom 5"


def test_it_refuses_to_reschedule_into_the_past(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.planner).patch(meeting_url(meeting), {
        "scheduled_at": iso(timezone.now() - datetime.timedelta(days=1))}, format="json",
        HTTP_IF_MATCH='W/"0"')
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["scheduled_at"]
    assert rows() == before


def test_it_lets_no_coordinator_reschedule(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.coordinator).patch(meeting_url(meeting), {"location": "Rom 4"},
                                           format="json", HTTP_IF_MATCH='W/"0"')
    assert response.status_code == 403
    assert api(cast.ke_bodo).patch(meeting_url(meeting), {"location": "Rom 4"}, format="json",
                                   HTTP_IF_MATCH='W/"0"').status_code == 404
    assert rows() == before


def test_it_refuses_to_reschedule_a_cancelled_meeting_with_409(cast, api):
    meeting = schedule(cast)
    meeting = services.cancel_discharge_meeting(meeting, by=cast.planner)
    before = rows()
    response = api(cast.planner).patch(meeting_url(meeting), {"location": "Rom 4"},
                                       format="json",
                                       HTTP_IF_MATCH=f'W/"{meeting.sequence}"')
    assert response.status_code == 409
    assert error(response)["code"] == "not_scheduled"
    assert rows() == before


# --- cancel ------------------------------------------------------------------------------------

def test_it_cancels_and_tells_everyone(cast, api):
    meeting = schedule(cast)
    response = api(cast.ke_tromso).post(meeting_url(meeting, "cancel"),
                                        {"reason": "Pasienten er dårligere"}, format="json",
                                        HTTP_IF_MATCH=etag(meeting))
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["sequence"]) == ("cancelled", 1)
    assert Notification.objects.filter(recipient=cast.coordinator,
                                       kind="discharge_meeting.cancelled").exists()
    before = rows()
    again = api(cast.planner).post(meeting_url(meeting, "cancel"), {}, format="json",
                                   HTTP_IF_MATCH=etag(meeting))
    assert again.status_code == 409
    assert rows() == before


def test_it_lets_only_the_organising_sides_cancel(cast, api):
    meeting = schedule(cast)
    before = rows()
    assert api(cast.coordinator).post(meeting_url(meeting, "cancel"), {},
                                      format="json", HTTP_IF_MATCH=etag(meeting)).status_code == 403
    assert api(cast.ke_bodo).post(meeting_url(meeting, "cancel"), {},
                                  format="json", HTTP_IF_MATCH=etag(meeting)).status_code == 404
    assert rows() == before


# --- participants ------------------------------------------------------------------------------

def test_it_invites_more_participants(cast, api):
    meeting = schedule(cast)
    response = api(cast.planner).post(meeting_url(meeting, "participants"), {"participants": [
        {"kind": "coordinating_unit", "user": "ke_tromso"},
        {"kind": "municipal_services", "name": "Hjemmetjenesten", "organization":
         str(cast.tromso.uuid)}]}, format="json")
    assert response.status_code == 201, response.json()
    assert {(p["name"], p["organization"]) for p in response.json()} == {
        ("Kåre Tromsø", None), ("Hjemmetjenesten", str(cast.tromso.uuid))}
    invited = meeting.participants.exclude(user=cast.coordinator)
    assert [p.get("id") for p in response.json()] == [None, None]
    assert {p["uuid"] for p in response.json()} == {
        str(key) for key in invited.values_list("uuid", flat=True)}
    assert meeting.participants.count() == 3
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="discharge_meeting.invitation").exists()


def test_it_refuses_to_invite_someone_twice(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.planner).post(meeting_url(meeting, "participants"), {"participants": [
        {"kind": "coordinator", "user": "coordinator"}]}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["participants"]
    assert rows() == before


def test_it_lets_only_the_organising_sides_invite(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.coordinator).post(meeting_url(meeting, "participants"), {
        "participants": [{"kind": "gp", "name": "Dr. X"}]}, format="json")
    assert response.status_code == 403
    assert rows() == before


def test_it_refuses_an_empty_invitation_list(cast, api):
    meeting = schedule(cast)
    response = api(cast.planner).post(meeting_url(meeting, "participants"),
                                      {"participants": []}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["participants"]


# --- answers -----------------------------------------------------------------------------------

def test_it_records_the_invited_persons_own_answer(cast, api):
    meeting = schedule(cast)
    client = api(cast.coordinator)
    response = client.post(meeting_url(meeting, "respond"), {"status": "declined"},
                           format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "declined"
    assert participant_of(meeting, cast.coordinator).status == ParticipantStatus.DECLINED


def test_it_refuses_an_answer_from_someone_not_invited(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.ke_tromso).post(meeting_url(meeting, "respond"),
                                        {"status": "accepted"}, format="json")
    assert response.status_code == 403
    assert rows() == before


def test_it_lets_the_organiser_record_an_answer_by_participant_uuid(cast, api):
    meeting = schedule(cast, participants=[{"kind": "gp", "name": "Dr. Fastlege"}])
    gp = meeting.participants.get()
    response = api(cast.planner).post(meeting_url(meeting, "respond"),
                                      {"status": "accepted", "participant": str(gp.uuid)},
                                      format="json")
    assert response.status_code == 200
    assert response.json()["uuid"] == str(gp.uuid)
    gp.refresh_from_db()
    assert gp.status == ParticipantStatus.ACCEPTED
    event = AuditEvent.objects.get(object_type="meetingparticipant", action=AuditAction.UPDATE)
    assert (event.object_id, event.detail) == (str(gp.uuid), "accepted")


def test_a_participants_database_id_is_no_participant(cast, api):
    meeting = schedule(cast, participants=[{"kind": "gp", "name": "Dr. Fastlege"}])
    gp = meeting.participants.get()
    before = rows()
    response = api(cast.planner).post(meeting_url(meeting, "respond"),
                                      {"status": "accepted", "participant": gp.pk},
                                      format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["participant"]
    assert rows() == before


def test_it_refuses_to_record_an_answer_for_someone_else_unless_organising(cast, api):
    meeting = schedule(cast, participants=[{"kind": "gp", "name": "Dr. Fastlege"},
                                           {"kind": "coordinator", "user": cast.coordinator}])
    gp = meeting.participants.get(kind="gp")
    before = rows()
    response = api(cast.coordinator).post(meeting_url(meeting, "respond"),
                                          {"status": "accepted", "participant": str(gp.uuid)},
                                          format="json")
    assert response.status_code == 403
    assert rows() == before


def test_it_names_an_unknown_participant(cast, api):
    meeting = schedule(cast)
    other = schedule(cast, admission=meeting.admission, scheduled_at=ahead(days=3),
                     participants=[{"kind": "gp", "name": "Dr. Annen"}])
    response = api(cast.planner).post(meeting_url(meeting, "respond"), {
        "status": "accepted", "participant": str(other.participants.get().uuid)},
        format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["participant"]


@pytest.mark.parametrize("status", ["maybe", "attended", ""])
def test_it_accepts_only_accepted_or_declined(cast, api, status):
    meeting = schedule(cast)
    response = api(cast.coordinator).post(meeting_url(meeting, "respond"), {"status": status},
                                          format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["status"]


def test_it_refuses_an_answer_once_the_meeting_has_started(cast, api):
    meeting = schedule(cast)
    start(meeting)
    before = rows()
    response = api(cast.coordinator).post(meeting_url(meeting, "respond"),
                                          {"status": "accepted"}, format="json")
    assert response.status_code == 409
    assert rows() == before


# --- minutes -----------------------------------------------------------------------------------

def test_it_records_the_minutes_and_who_attended(cast, api):
    meeting = schedule(cast, participants=[{"kind": "coordinator", "user": cast.coordinator},
                                           {"kind": "gp", "name": "Dr. Fastlege"}])
    start(meeting)
    coordinator = participant_of(meeting, cast.coordinator)
    response = api(cast.planner).post(meeting_url(meeting, "minutes"), {
        "minutes": "Gjennomgang av behov", "decisions": "Hverdagsrehabilitering",
        "attended": [str(coordinator.uuid)]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["minutes"], body["decisions"]) == (
        "held", "Gjennomgang av behov", "Hverdagsrehabilitering")
    assert body["minutes_recorded_at"] is not None
    assert {p["name"]: p["status"] for p in body["participants"]} == {
        "Kora Koordinator": "attended", "Dr. Fastlege": "invited"}


def test_it_refuses_minutes_before_the_meeting_with_409(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.planner).post(meeting_url(meeting, "minutes"), {"minutes": "Tidlig"},
                                      format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "not_started"
    assert rows() == before


@pytest.mark.parametrize(("data", "field"), [
    ({"minutes": "   "}, "minutes"),
    ({}, "minutes"),
    ({"minutes": "Ok", "attended": [str(uuid.uuid4())]}, "attended"),
    ({"minutes": "Ok", "attended": ["coordinator"]}, "attended.0"),
])
def test_it_refuses_invalid_minutes_naming_the_field(cast, api, data, field):
    meeting = schedule(cast)
    start(meeting)
    before = rows()
    response = api(cast.planner).post(meeting_url(meeting, "minutes"), data, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_it_lets_only_the_organising_sides_write_minutes(cast, api):
    meeting = schedule(cast)
    start(meeting)
    before = rows()
    assert api(cast.coordinator).post(meeting_url(meeting, "minutes"), {"minutes": "x"},
                                      format="json").status_code == 403
    assert rows() == before


# --- follow-up tasks ---------------------------------------------------------------------------

def test_it_adds_a_task_and_tells_the_responsible_person(cast, api):
    meeting = schedule(cast)
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    response = api(cast.planner).post(meeting_url(meeting, "tasks"), {
        "description": "Søke om hjelpemidler", "responsible_name": "Kora Koordinator",
        "responsible_user": "coordinator", "due_date": due}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["description"], body["responsible_user"], body["due_date"], body["done_at"]) \
        == ("Søke om hjelpemidler", "coordinator", due, None)
    assert Notification.objects.filter(recipient=cast.coordinator,
                                       kind="discharge_meeting.task").exists()
    tasks = api(cast.ke_tromso).get(meeting_url(meeting)).json()["tasks"]
    assert [t["uuid"] for t in tasks] == [body["uuid"]] == [
        str(FollowUpTask.objects.get(meeting=meeting).uuid)]


@pytest.mark.parametrize(("data", "field"), [
    ({"responsible_name": "X", "due_date": "2026-12-01"}, "description"),
    ({"description": "X", "responsible_name": "X", "due_date": "2026-02-30"}, "due_date"),
    ({"description": "X", "responsible_name": "X", "due_date": "2026-12-01",
      "responsible_user": "nobody"}, "responsible_user"),
])
def test_it_refuses_an_invalid_task_naming_the_field(cast, api, data, field):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.planner).post(meeting_url(meeting, "tasks"), data, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_it_lets_only_the_organising_sides_add_tasks(cast, api):
    meeting = schedule(cast)
    before = rows()
    response = api(cast.coordinator).post(meeting_url(meeting, "tasks"), {
        "description": "X", "responsible_name": "X", "due_date": "2026-12-01"}, format="json")
    assert response.status_code == 403
    assert rows() == before


def task(cast, meeting, responsible_user=None) -> FollowUpTask:
    return services.add_follow_up_task(
        meeting, by=cast.planner, description="Ringe pasienten", responsible_name="Kora",
        responsible_user=responsible_user, due_date=timezone.localdate())


def test_it_lets_the_responsible_person_complete_a_task_once(cast, api):
    meeting = schedule(cast)
    todo = task(cast, meeting, responsible_user=cast.coordinator)
    url = meeting_url(meeting, f"tasks/{todo.uuid}/complete")
    client = api(cast.coordinator)
    response = client.post(url)
    assert response.status_code == 200, response.json()
    assert response.json()["done_at"] is not None
    assert response.json()["uuid"] == str(todo.uuid)
    event = AuditEvent.objects.get(object_type="followuptask", action=AuditAction.UPDATE)
    assert (event.object_id, event.detail) == (str(todo.uuid), "done")
    before = rows()
    again = client.post(url)
    assert again.status_code == 409
    assert error(again)["code"] == "already_done"
    assert rows() == before


def test_it_lets_no_one_else_complete_a_task(cast, api):
    meeting = schedule(cast)
    todo = task(cast, meeting)
    before = rows()
    response = api(cast.coordinator).post(meeting_url(meeting, f"tasks/{todo.uuid}/complete"))
    assert response.status_code == 403
    assert api(cast.ke_bodo).post(
        meeting_url(meeting, f"tasks/{todo.uuid}/complete")).status_code == 404
    assert rows() == before
    assert api(cast.ke_tromso).post(
        meeting_url(meeting, f"tasks/{todo.uuid}/complete")).status_code == 200


def test_it_reaches_a_task_only_through_its_own_meeting(cast, api):
    meeting = schedule(cast)
    other = schedule(cast, admission=meeting.admission, scheduled_at=ahead(days=3))
    todo = task(cast, other)
    response = api(cast.planner).post(meeting_url(meeting, f"tasks/{todo.uuid}/complete"))
    assert response.status_code == 404
    todo.refresh_from_db()
    assert todo.done_at is None


@pytest.mark.parametrize("task_id", [
    lambda todo: todo.pk,  # the database id names no task
    lambda todo: "-" * 36,  # the shape of a UUID, but none
    lambda todo: "not-a-uuid",
    lambda todo: uuid.uuid4(),
])
def test_a_task_is_named_by_its_uuid_alone(cast, api, task_id):
    meeting = schedule(cast)
    todo = task(cast, meeting)
    before = rows()
    response = api(cast.planner).post(meeting_url(meeting, f"tasks/{task_id(todo)}/complete"))
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert rows() == before


# --- the iCalendar file ------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ["text/calendar", "*/*", "application/json"])
def test_it_serves_the_invitation_as_icalendar(cast, api, accept):
    meeting = schedule(cast)
    response = api(cast.coordinator).get(meeting_url(meeting, "invitation.ics"),
                                         HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert f"UID:discharge-meeting-{meeting.uuid}@rehab-portal" in text
    assert "SEQUENCE:0" in text and "METHOD:REQUEST" in text
    assert "Aune" not in text  # the calendar names no patient
    assert AuditEvent.objects.filter(user=cast.coordinator, action=AuditAction.EXPORT,
                                     object_type="dischargemeeting",
                                     object_id=str(meeting.uuid)).exists()


def test_it_redirects_the_address_without_a_trailing_slash_to_the_file(cast, api):
    meeting = schedule(cast)
    url = meeting_url(meeting, "invitation.ics").rstrip("/")
    response = api(cast.planner).get(url, follow=True)
    assert response.redirect_chain == [(f"{url}/", 301)]
    assert response["Content-Type"].startswith("text/calendar")


def test_it_serves_the_cancellation_to_the_municipalitys_epj_system(cast, epj):
    meeting = services.cancel_discharge_meeting(schedule(cast), by=cast.planner)
    response = epj.get(meeting_url(meeting, "invitation.ics"))
    assert response.status_code == 200
    assert "METHOD:CANCEL" in response.content.decode()
    assert meeting.status == MeetingStatus.CANCELLED


def test_it_answers_404_in_the_envelope_for_an_invitation_outside_scope(cast, api):
    meeting = schedule(cast)
    response = api(cast.ke_bodo).get(meeting_url(meeting, "invitation.ics"),
                                     HTTP_ACCEPT="text/calendar")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert error(response)["code"] == "not_found"


def test_it_lets_the_hospitals_epj_system_schedule(cast):
    admission = admit(cast)
    response = api_client(cast.unn).post(MEETINGS, payload(admission), format="json")
    assert response.status_code == 201, response.json()
