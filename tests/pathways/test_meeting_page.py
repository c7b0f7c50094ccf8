"""The discharge meeting's page: who sees it, answers, the organiser's steps, the calendar
file; and the ward board's transfer and death steps."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pathways import services
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    FollowUpTask,
    MeetingStatus,
    ParticipantStatus,
)
from registry.models import AuditAction, AuditEvent, Notification, OrganizationKind, Role
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}

# Queries of the meeting page, whatever the number of participants and tasks:
#  1 session, 2 user, 3 the meeting (in scope) with admission, patient, hospital,
#  municipality and organiser, 4 its participants with user and organisation, 5 its tasks
#  with the responsible user, 6 memberships and 7 care relationships (grounds of the audit),
#  8 one INSERT of the audit event, 9 the organiser check (memberships),
#  10 memberships with the unread count (navigation and badge).
MEETING_BUDGET = 10


def admit(cast, patient=None, hours_ago=30, **fields):
    return factories.admit(cast, patient, hours_ago, **fields)


def schedule(cast, admission=None, hours_ahead=48, extra=()):
    """A meeting with the KE, the coordinator and the planner invited."""
    return factories.discharge_meeting(
        cast, admission or admit(cast), hours_ahead=hours_ahead,
        participants=[{"kind": "coordinating_unit", "user": cast.ke_tromso},
                      {"kind": "coordinator", "user": cast.coordinator},
                      {"kind": "hospital_staff", "user": cast.planner}, *extra])


def started(meeting, hours_ago=1):
    """The meeting as if it began some time ago (the services refuse a past time)."""
    DischargeMeeting.objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    meeting.refresh_from_db()
    return meeting


def page(client, meeting, htmx=False):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse("pathways:meeting_detail", args=[meeting.uuid]),
                      **(HTMX if htmx else {}))


def post(client, name, meeting, data=None, htmx=True, args=()):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(reverse(f"pathways:{name}", args=[meeting.uuid, *args]), data or {},
                       **(HTMX if htmx else {}))


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------------------------------
# Who sees the meeting


def test_it_sends_anonymous_visitors_to_the_login_page(client, cast):
    response = client.get(reverse("pathways:meeting_detail", args=[schedule(cast).uuid]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("member", ["planner", "ke_tromso", "coordinator"])
def test_it_shows_the_meeting_to_those_who_see_the_patient(client, cast, member):
    meeting = schedule(cast)
    user = getattr(cast, member)
    client.force_login(user)
    response = page(client, meeting)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Utskrivingsmøte for Astrid Aune" in html
    assert "Møterom 3" in html and "Pia Planlegger" in html
    assert f'datetime="{timezone.localtime(meeting.scheduled_at):%Y-%m-%dT%H:%M}' in html
    for name in ("Kåre Tromsø", "Kora Koordinator", "Pia Planlegger"):
        assert name in html
    assert html.count("Invitert") >= 3
    assert 'id="meeting-accept"' in html  # all three are invited
    event = AuditEvent.objects.get(object_type="dischargemeeting", action=AuditAction.VIEW)
    assert (event.user, event.patient_uuid, event.object_id) == (
        user, cast.shared.uuid, str(meeting.uuid))


def test_it_offers_the_organisers_steps_only_to_the_organising_side(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.planner)
    assert 'id="meeting-reschedule"' in page(client, meeting).content.decode()
    client.force_login(cast.ke_tromso)  # the municipality's KE organises too
    assert 'id="meeting-cancel"' in page(client, meeting).content.decode()
    client.force_login(cast.coordinator)
    html = page(client, meeting).content.decode()
    assert 'id="meeting-reschedule"' not in html and 'id="meeting-cancel"' not in html
    refused = post(client, "meeting_reschedule", meeting, {
        "scheduled_at": local(meeting.scheduled_at + datetime.timedelta(days=1)),
        "duration_minutes": 60, "location": "Møterom 3"})
    assert refused.status_code == 403
    assert DischargeMeeting.objects.get().sequence == 0


@pytest.mark.parametrize(("name", "method", "data"), [
    ("meeting_detail", "get", None),
    ("meeting_invitation", "get", None),
    ("meeting_respond", "post", {"status": "accepted"}),
    ("meeting_reschedule", "get", None),
    ("meeting_reschedule", "post", {"location": "Annet rom", "duration_minutes": 60}),
    ("meeting_cancel", "post", {"reason": "Utskrevet"}),
    ("meeting_add_participants", "post", {"gp_name": "Dr. Fastlege"}),
    ("meeting_minutes", "post", {"minutes": "Referat"}),
    ("meeting_add_task", "post", {"description": "Søke IP", "responsible_name": "KE",
                                  "due_date": "2030-01-01"}),
])
def test_it_answers_404_outside_the_users_scope(client, cast, name, method, data):
    meeting = schedule(cast)
    client.force_login(cast.ke_bodo)
    url = reverse(f"pathways:{name}", args=[meeting.uuid])
    response = getattr(client, method)(url, data or {}, **HTMX)
    assert response.status_code == 404
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence, meeting.location) == (
        MeetingStatus.SCHEDULED, 0, "Møterom 3")
    assert not AuditEvent.objects.filter(object_type="dischargemeeting",
                                         user=cast.ke_bodo).exists()


def test_an_unknown_meeting_is_404(client, cast):
    client.force_login(cast.planner)
    url = reverse("pathways:meeting_detail", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------------------
# Answers


@pytest.mark.parametrize(("member", "answer", "shown"), [
    ("ke_tromso", "accepted", "Du har takket ja"),
    ("coordinator", "declined", "Du har takket nei"),
    ("planner", "accepted", "Du har takket ja"),
])
def test_any_invited_user_answers_on_the_page(client, cast, member, answer, shown):
    meeting = schedule(cast)
    user = getattr(cast, member)
    client.force_login(user)
    response = post(client, "meeting_respond", meeting, {"status": answer})
    html = response.content.decode()
    assert response.status_code == 200
    assert shown in html and 'id="meeting-flash"' in html
    assert 'hx-swap-oob="innerHTML:#announcer"' in html
    assert meeting.participants.get(user=user).status == answer


def test_a_whole_page_answer_goes_back_to_the_meeting(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.coordinator)
    response = post(client, "meeting_respond", meeting, {"status": "accepted"}, htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:meeting_detail", args=[meeting.uuid])


def test_it_refuses_an_answer_once_the_meeting_has_begun(client, cast):
    meeting = started(schedule(cast))
    client.force_login(cast.ke_tromso)
    assert 'id="meeting-accept"' not in page(client, meeting).content.decode()
    response = post(client, "meeting_respond", meeting, {"status": "accepted"})
    assert response.status_code == 409
    assert "Møtet ligger ikke lenger fram i tid." in response.content.decode()
    assert meeting.participants.get(user=cast.ke_tromso).status == ParticipantStatus.INVITED


def test_someone_not_invited_has_no_invitation_to_answer(client, cast):
    admission = admit(cast)
    meeting = services.schedule_discharge_meeting(
        admission, by=cast.planner, location="Rom 1",
        scheduled_at=timezone.now() + datetime.timedelta(days=1),
        participants=[{"kind": "hospital_staff", "user": cast.planner}])
    client.force_login(cast.ke_tromso)
    assert 'id="meeting-accept"' not in page(client, meeting).content.decode()
    assert post(client, "meeting_respond", meeting, {"status": "accepted"}).status_code == 404


# ---------------------------------------------------------------------------------------
# Rescheduling and cancelling


def test_the_organiser_moves_the_meeting_and_everyone_is_told(client, cast):
    meeting = schedule(cast)
    services.respond_to_invitation(meeting.participants.get(user=cast.ke_tromso),
                                   by=cast.ke_tromso, status="accepted")
    client.force_login(cast.planner)
    form = client.get(reverse("pathways:meeting_reschedule", args=[meeting.uuid]), **HTMX)
    assert f'value="{local(meeting.scheduled_at)}"' in form.content.decode()
    new_time = timezone.localtime(meeting.scheduled_at + datetime.timedelta(days=1))
    response = post(client, "meeting_reschedule", meeting, {
        "scheduled_at": local(new_time), "duration_minutes": 90, "location": "Møterom 4",
        "video_link": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Utskrivingsmøtet er endret" in html
    assert 'id="meeting" class="meeting" data-status="scheduled" hx-swap-oob="true"' in html
    meeting.refresh_from_db()
    assert (meeting.location, meeting.duration_minutes, meeting.sequence) == ("Møterom 4", 90, 1)
    assert local(meeting.scheduled_at) == local(new_time)
    assert meeting.participants.get(user=cast.ke_tromso).status == ParticipantStatus.INVITED
    told = Notification.objects.get(kind="discharge_meeting.rescheduled",
                                    recipient=cast.ke_tromso, channel="in_app")
    assert told.url == f"/meetings/{meeting.uuid}/"


def test_it_refuses_to_move_the_meeting_into_the_past_on_the_field(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.planner)
    response = post(client, "meeting_reschedule", meeting, {
        "scheduled_at": local(timezone.now() - datetime.timedelta(hours=2)),
        "duration_minutes": 60, "location": "Møterom 3"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'href="#id_scheduled_at">Tidspunkt: Et møte planlegges fram i tid.' in html
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_the_organiser_cancels_with_a_reason(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.ke_tromso)
    assert post(client, "meeting_cancel", meeting, {}).status_code == 422  # reason required
    response = post(client, "meeting_cancel", meeting, {"reason": "Pasienten ble bedre"})
    assert response.status_code == 200
    assert "er avlyst" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert AuditEvent.objects.filter(object_type="dischargemeeting", action=AuditAction.UPDATE,
                                     detail="cancelled Pasienten ble bedre").exists()
    assert Notification.objects.filter(kind="discharge_meeting.cancelled",
                                       recipient=cast.coordinator).exists()


@pytest.mark.parametrize(("name", "data"), [
    ("meeting_reschedule", {"location": "Annet rom", "duration_minutes": 60,
                            "scheduled_at": "2099-01-01T10:00"}),
    ("meeting_cancel", {"reason": "Igjen"}),
    ("meeting_add_participants", {"gp_name": "Dr. Fastlege"}),
    ("meeting_minutes", {"minutes": "Referat"}),
    ("meeting_add_task", {"description": "Søke IP", "responsible_name": "KE",
                          "due_date": "2030-01-01"}),
])
def test_a_cancelled_meeting_cannot_be_changed(client, cast, name, data):
    meeting = services.cancel_discharge_meeting(schedule(cast), by=cast.planner)
    client.force_login(cast.planner)
    html = page(client, meeting).content.decode()
    assert 'id="meeting-reschedule"' not in html and 'id="meeting-add-task"' not in html
    response = post(client, name, meeting, data)
    assert response.status_code == 409
    assert "Møtet" in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.location, meeting.sequence) == (
        MeetingStatus.CANCELLED, "Møterom 3", 1)
    assert meeting.participants.count() == 3 and not meeting.tasks.exists()


# ---------------------------------------------------------------------------------------
# More participants, minutes, follow-up tasks


def test_the_organiser_invites_more_people(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.planner)
    form = client.get(reverse("pathways:meeting_add_participants", args=[meeting.uuid]),
                      **HTMX).content.decode()
    assert "Kåre Tromsø" not in form  # already invited
    assert post(client, "meeting_add_participants", meeting, {}).status_code == 422
    response = post(client, "meeting_add_participants", meeting,
                    {"gp_name": "Dr. Fastlege", "gp_email": "fastlege@example.org"})
    assert response.status_code == 200
    assert "Dr. Fastlege" in response.content.decode()  # the meeting, out of band
    assert meeting.participants.filter(kind="gp", email="fastlege@example.org").exists()


def test_minutes_before_the_start_are_refused_with_a_message(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.planner)
    assert 'id="meeting-minutes"' not in page(client, meeting).content.decode()
    response = post(client, "meeting_minutes", meeting, {"minutes": "Referat"})
    assert response.status_code == 409
    assert "Referat skrives etter at møtet har begynt." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and not meeting.minutes


def test_the_organiser_records_minutes_and_attendance_after_the_start(client, cast):
    meeting = started(schedule(cast))
    ke = meeting.participants.get(user=cast.ke_tromso)
    client.force_login(cast.planner)
    assert 'id="meeting-minutes"' in page(client, meeting).content.decode()
    response = post(client, "meeting_minutes", meeting, {
        "minutes": "Gjennomgang av behov.", "decisions": "Korttidsplass fra mandag.",
        "attended": [str(ke.uuid)]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Korttidsplass fra mandag." in html
    meeting.refresh_from_db()
    ke.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and ke.status == ParticipantStatus.ATTENDED
    assert meeting.participants.get(user=cast.coordinator).status == ParticipantStatus.INVITED


def test_attendance_is_ticked_by_the_participants_uuid_not_a_database_id(client, cast):
    meeting = started(schedule(cast))
    ke = meeting.participants.get(user=cast.ke_tromso)
    client.force_login(cast.planner)
    form = client.get(reverse("pathways:meeting_minutes", args=[meeting.uuid]), **HTMX)
    assert f'value="{ke.uuid}"' in form.content.decode()
    response = post(client, "meeting_minutes", meeting, {"minutes": "Referat",
                                                         "attended": [ke.pk]})
    assert response.status_code == 422
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_minutes_need_text(client, cast):
    meeting = started(schedule(cast))
    client.force_login(cast.planner)
    response = post(client, "meeting_minutes", meeting, {"minutes": ""})
    assert response.status_code == 422
    assert 'href="#id_minutes"' in response.content.decode()


def test_the_organiser_gives_a_task_that_the_responsible_user_marks_done(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.planner)
    response = post(client, "meeting_add_task", meeting, {
        "description": "Søke om individuell plan", "responsible_user": cast.coordinator.pk,
        "due_date": "2030-01-15"})
    assert response.status_code == 200
    task = FollowUpTask.objects.get()
    assert (task.responsible_name, task.responsible_user) == ("Kora Koordinator",
                                                              cast.coordinator)
    told = Notification.objects.get(kind="discharge_meeting.task", recipient=cast.coordinator,
                                    channel="in_app")
    assert told.url == f"/meetings/{meeting.uuid}/"
    client.force_login(cast.coordinator)
    html = page(client, meeting).content.decode()
    assert f'id="task-done-{task.pk}"' in html
    assert f'action="/meetings/{meeting.uuid}/tasks/{task.uuid}/done/"' in html
    done = post(client, "meeting_complete_task", meeting, args=[task.uuid])
    assert done.status_code == 200
    assert "Oppgaven er utført: Søke om individuell plan." in done.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None
    event = AuditEvent.objects.get(object_type="followuptask", action=AuditAction.UPDATE)
    assert (event.object_id, event.detail) == (str(task.uuid), "done")
    again = post(client, "meeting_complete_task", meeting, args=[task.uuid])
    assert again.status_code == 409


def test_a_task_needs_someone_responsible(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.planner)
    response = post(client, "meeting_add_task", meeting, {"description": "Søke IP",
                                                          "due_date": "2030-01-15"})
    assert response.status_code == 422
    assert 'href="#id_responsible_name"' in response.content.decode()
    response = post(client, "meeting_add_task", meeting, {
        "description": "Søke IP", "responsible_name": "Hjemmetjenesten",
        "due_date": "2030-01-15"})
    assert response.status_code == 200
    assert FollowUpTask.objects.get().responsible_user is None


def test_only_the_responsible_user_or_the_organisers_mark_a_task_done(client, cast):
    meeting = schedule(cast)
    task = services.add_follow_up_task(meeting, by=cast.planner, description="Søke IP",
                                       responsible_name="KE Tromsø",
                                       due_date=datetime.date(2030, 1, 15))
    client.force_login(cast.coordinator)
    assert f'id="task-done-{task.pk}"' not in page(client, meeting).content.decode()
    refused = post(client, "meeting_complete_task", meeting, args=[task.uuid])
    assert refused.status_code == 403
    task.refresh_from_db()
    assert task.done_at is None
    client.force_login(cast.ke_bodo)
    assert post(client, "meeting_complete_task", meeting, args=[task.uuid]).status_code == 404


@pytest.mark.parametrize("task_id", [
    lambda task: task.pk,  # the database id names no task
    lambda task: "-" * 36,
    lambda task: "not-a-uuid",
    lambda task: uuid.uuid4(),
])
def test_a_task_is_marked_done_by_its_uuid_alone(client, cast, task_id):
    meeting = schedule(cast)
    task = services.add_follow_up_task(meeting, by=cast.planner, description="Søke IP",
                                       responsible_name="KE Tromsø",
                                       due_date=datetime.date(2030, 1, 15))
    client.force_login(cast.planner)
    response = client.post(f"/meetings/{meeting.uuid}/tasks/{task_id(task)}/done/", **HTMX)
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


# ---------------------------------------------------------------------------------------
# The calendar file and the links to the page


def test_it_downloads_the_invitation_as_a_calendar_file(client, cast):
    meeting = schedule(cast)
    client.force_login(cast.coordinator)
    response = client.get(reverse("pathways:meeting_invitation", args=[meeting.uuid]))
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:discharge-meeting-{meeting.uuid}@rehab-portal" in body
    assert "Aune" not in body  # calendar entries name no patient
    assert AuditEvent.objects.filter(object_type="dischargemeeting", action=AuditAction.EXPORT,
                                     user=cast.coordinator).exists()


def test_the_board_the_inbox_the_pathway_and_invitations_link_to_the_meeting(client, cast):
    meeting = schedule(cast)
    url = reverse("pathways:meeting_detail", args=[meeting.uuid])
    client.force_login(cast.planner)
    assert f'href="{url}"' in client.get(reverse("pathways:ward_board")).content.decode()
    assert f'href="{url}"' in client.get(
        reverse("pathways:patient_pathway", args=[cast.shared.uuid])).content.decode()
    client.force_login(cast.ke_tromso)
    assert f'href="{url}"' in client.get(reverse("pathways:ke_inbox")).content.decode()
    invitation = Notification.objects.filter(kind="discharge_meeting.invitation",
                                             recipient=cast.ke_tromso).first()
    assert invitation.url == url


@pytest.mark.parametrize("participants", [3, 30])
def test_the_page_costs_the_same_queries_for_3_participants_as_for_30(
        client, cast, django_assert_max_num_queries, participants):
    extra = [{"kind": "hospital_staff",
              "user": factories.user(f"staff{n}", cast.unn, Role.DISCHARGE_PLANNER)}
             for n in range(participants - 3)]
    meeting = schedule(cast, extra=extra)
    for n in range(participants // 3):
        services.add_follow_up_task(meeting, by=cast.planner, description=f"Oppgave {n}",
                                    responsible_name="KE", due_date=datetime.date(2030, 1, 1),
                                    responsible_user=cast.ke_tromso)
    client.force_login(cast.planner)
    with django_assert_max_num_queries(MEETING_BUDGET):
        response = page(client, meeting)
    assert len(response.context["participants"]) == participants
    assert response.content.decode().count('id="participant-') == participants


# ---------------------------------------------------------------------------------------
# The ward board: transfer and death


@pytest.fixture
def nlsh(cast):
    hospital = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                      parent=cast.unn_hf)
    for name in ("Medisin", "Medisin 2"):
        factories.ward(hospital, name, department="Medisinsk avdeling")
    return hospital


def ward_of(hospital, name="Medisin") -> str:
    """What the transfer form's ward select posts: the ward's UUID."""
    return str(factories.ward(hospital, name).uuid)


def board_post(client, name, admission, data, htmx=True):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(reverse(f"pathways:{name}", args=[admission.uuid]),
                       {"board_ward": "Slag", **data}, **(HTMX if htmx else {}))


def test_the_board_offers_transfer_and_death_for_open_admissions(client, cast, nlsh):
    admission = admit(cast)
    client.force_login(cast.planner)
    html = client.get(reverse("pathways:ward_board")).content.decode()
    assert f'id="transfer-{admission.uuid}"' in html and f'id="death-{admission.uuid}"' in html
    form = client.get(reverse("pathways:transfer", args=[admission.uuid]), **HTMX)
    assert "Nordlandssykehuset Bodø" in form.content.decode()
    assert "UNN Tromsø</option>" not in form.content.decode()


def test_the_planner_transfers_a_patient_to_another_hospital(client, cast, nlsh):
    admission = admit(cast)
    client.force_login(cast.planner)
    response = board_post(client, "transfer", admission,
                          {"to_hospital": nlsh.pk, "ward": ward_of(nlsh, "Medisin 2")})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Astrid Aune er overført til Nordlandssykehuset Bodø, avdeling Medisin 2." in html
    assert 'id="ward-board"' in html and f'id="admission-{admission.uuid}"' not in html
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.TRANSFERRED
    new = Admission.objects.get(transferred_from=admission)
    assert (new.hospital, new.ward.name, new.status) == (nlsh, "Medisin 2",
                                                         AdmissionStatus.ADMITTED)


def test_it_refuses_a_transfer_to_the_same_hospital_or_in_the_future(client, cast, nlsh):
    admission = admit(cast)
    client.force_login(cast.planner)
    same = board_post(client, "transfer", admission, {"to_hospital": cast.unn.pk,
                                                      "ward": ward_of(nlsh)})
    assert same.status_code == 422
    assert 'href="#id_to_hospital"' in same.content.decode()
    future = board_post(client, "transfer", admission, {
        "to_hospital": nlsh.pk, "ward": ward_of(nlsh),
        "transferred_at": local(timezone.now() + datetime.timedelta(days=1))})
    assert future.status_code == 422
    assert 'href="#id_transferred_at"' in future.content.decode()
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED
    assert not Admission.objects.filter(transferred_from=admission).exists()


def test_the_transfer_form_offers_the_receiving_hospitals_wards_and_checks_the_pair(
        client, cast, nlsh):
    admission = admit(cast)
    harstad = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad",
                                     parent=cast.unn_hf)
    factories.ward(harstad, "Kirurgisk sengepost", department="Kirurgisk avdeling")
    client.force_login(cast.planner)
    form = client.get(reverse("pathways:transfer", args=[admission.uuid]), **HTMX)
    html = form.content.decode()
    # Grouped by hospital and department; the sending hospital's own wards are not offered.
    assert '<optgroup label="Nordlandssykehuset Bodø, Medisinsk avdeling">' in html
    assert '<optgroup label="UNN Harstad, Kirurgisk avdeling">' in html
    assert str(cast.stroke_unit.uuid) not in html
    wrong = board_post(client, "transfer", admission, {
        "to_hospital": nlsh.pk, "ward": ward_of(harstad, "Kirurgisk sengepost")})
    assert wrong.status_code == 422
    assert 'href="#id_ward"' in wrong.content.decode()
    assert not Admission.objects.filter(transferred_from=admission).exists()


def test_the_planner_records_a_death(client, cast):
    admission = admit(cast)
    client.force_login(cast.planner)
    died_at = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    response = board_post(client, "record_death", admission, {"died_at": local(died_at)})
    assert response.status_code == 200
    assert "Dødsfallet til Astrid Aune er registrert" in response.content.decode()
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DECEASED
    assert local(admission.discharged_at) == local(died_at)
    assert Notification.objects.filter(kind="admission.deceased",
                                       recipient=cast.ke_tromso).exists()


def test_it_refuses_a_death_before_admission_or_without_a_time(client, cast):
    admission = admit(cast, hours_ago=2)
    client.force_login(cast.planner)
    before = board_post(client, "record_death", admission, {
        "died_at": local(timezone.now() - datetime.timedelta(hours=5))})
    assert before.status_code == 422
    assert 'href="#id_died_at"' in before.content.decode()
    assert board_post(client, "record_death", admission, {}).status_code == 422
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


@pytest.mark.parametrize(("member", "status"), [("ke_tromso", 403), ("ke_bodo", 404)])
def test_only_the_hospitals_planners_record_a_death_or_a_transfer(client, cast, nlsh, member,
                                                                  status):
    admission = admit(cast)
    client.force_login(getattr(cast, member))
    died_at = local(timezone.now() - datetime.timedelta(hours=1))
    assert board_post(client, "record_death", admission,
                      {"died_at": died_at}).status_code == status
    assert board_post(client, "transfer", admission,
                      {"to_hospital": nlsh.pk, "ward": ward_of(nlsh)}).status_code == status
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED
