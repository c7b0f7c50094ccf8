"""The deadline sweeps (pathways.tasks): who is reminded, when, once, and in Oslo time.

Rows are built with the ORM (the workflow services are written alongside); the early
notification deadline is admitted_at + 24 h, as pathways.deadlines computes it. Every sweep
takes `now`, so time is frozen by passing it.
"""

import datetime
import functools
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common import sweeps
from pathways import tasks
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    MunicipalAnswer,
    ParticipantKind,
    ParticipantStatus,
    ReadyForDischarge,
)
from registry.models import Membership, Notification, NotificationChannel, Role
from tests import factories

OSLO = ZoneInfo("Europe/Oslo")
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
WARD = "Nevrologisk sengepost"


def oslo(*args) -> datetime.datetime:
    """A wall-clock time in Oslo, as an instant in UTC: adding hours to it adds elapsed time
    (on a datetime in Europe/Oslo, Python's arithmetic is wall-clock)."""
    return datetime.datetime(*args, tzinfo=OSLO).astimezone(datetime.UTC)


@pytest.fixture
def people(cast):
    """The cast with e-mail addresses, KE staff at the health trust (UNN HF) for escalations
    and a planner tied to another ward."""
    for user in (cast.planner, cast.ke_tromso, cast.coordinator, cast.ke_bodo):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    cast.ke_unn = factories.user("ke_unn", cast.unn_hf, Role.KE_STAFF, email="ke@unn.example")
    cast.ortho_planner = factories.user("ortho_planner", email="ortho@unn.example")
    Membership.objects.create(user=cast.ortho_planner, organization=cast.unn,
                              role=Role.DISCHARGE_PLANNER,
                              ward=factories.ward(cast.unn, "Ortopedisk sengepost"))
    cast.ward_planner = factories.user("ward_planner", email="nevro@unn.example")
    Membership.objects.create(user=cast.ward_planner, organization=cast.unn,
                              role=Role.DISCHARGE_PLANNER, ward=factories.ward(cast.unn, WARD))
    cast.everyone = [cast.planner, cast.ward_planner, cast.ortho_planner, cast.ke_tromso,
                     cast.coordinator, cast.ke_bodo, cast.ke_unn]
    return cast


# Stays at fixed moments of the past, on the ward the planners are tied to.
admit = functools.partial(factories.admission_row, ward=WARD)


def recipients(kind: str, channel=NotificationChannel.IN_APP) -> set:
    return {n.recipient for n in Notification.objects.filter(
        kind=kind, channel=channel, recipient__isnull=False)}


def assert_only(cast, kind: str, expected: set) -> None:
    """These users got exactly one notification of the kind in the portal and one by
    e-mail; nobody else in the cast got any."""
    assert recipients(kind) == expected
    assert recipients(kind, NotificationChannel.EMAIL) == expected
    for user in cast.everyone:
        count = Notification.objects.filter(kind=kind, recipient=user).count()
        assert count == (2 if user in expected else 0), (user, count)


def assert_neutral(cast, notifications) -> None:
    """No patient is named in what is sent: not in the title (the e-mail subject), nor in
    the text."""
    notifications = list(notifications)
    assert notifications
    for n in notifications:
        for patient in (cast.shared, cast.tromso_only, cast.bodo_only):
            for secret in (patient.given_name, patient.family_name, patient.identity_number):
                assert secret not in n.title and secret not in n.body, (n.kind, secret)


# -- 1. Early notification not sent ---------------------------------------------------------

def test_it_reminds_the_wards_planners_before_the_deadline(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0), patient=people.shared)
    deadline = admission.notification_deadline

    assert tasks.remind_missing_early_notifications(deadline - 4 * HOUR - MINUTE) == 0
    tasks.remind_missing_early_notifications(deadline - 4 * HOUR)

    assert_only(people, "early_notification.reminder", {people.planner, people.ward_planner})
    reminder = Notification.objects.get(kind="early_notification.reminder",
                                        recipient=people.planner, channel="in_app")
    assert reminder.url == f"/patients/{people.shared.uuid}/pathway/"
    assert (reminder.subject_type, reminder.subject_uuid, reminder.patient_uuid) == \
        ("admission", admission.uuid, people.shared.uuid)
    assert "05.05.2026 10:00" in reminder.body and WARD in reminder.body
    assert_neutral(people, Notification.objects.all())


def test_it_alerts_the_planners_at_the_deadline_and_escalates_to_the_trusts_ke(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    deadline = admission.notification_deadline

    tasks.remind_missing_early_notifications(deadline - MINUTE)
    assert not Notification.objects.filter(kind="early_notification.overdue").exists()
    tasks.remind_missing_early_notifications(deadline)
    assert_only(people, "early_notification.overdue", {people.planner, people.ward_planner})
    assert not Notification.objects.filter(kind="early_notification.escalation").exists()

    tasks.remind_missing_early_notifications(deadline + 12 * HOUR - MINUTE)
    assert not Notification.objects.filter(kind="early_notification.escalation").exists()
    tasks.remind_missing_early_notifications(deadline + 12 * HOUR)
    assert_only(people, "early_notification.escalation", {people.ke_unn})
    assert_neutral(people, Notification.objects.all())


def test_each_stage_is_sent_once_however_often_the_sweep_runs(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    deadline = admission.notification_deadline

    first = tasks.remind_missing_early_notifications(deadline - 2 * HOUR)
    assert first == 4  # two planners, in the portal and by e-mail
    assert tasks.remind_missing_early_notifications(deadline - 2 * HOUR) == 0
    assert tasks.remind_missing_early_notifications(deadline - HOUR) == 0
    for moment in (deadline, deadline + HOUR, deadline + 13 * HOUR, deadline + 14 * HOUR):
        tasks.remind_missing_early_notifications(moment)

    for kind, users in (("early_notification.reminder", {people.planner, people.ward_planner}),
                        ("early_notification.overdue", {people.planner, people.ward_planner}),
                        ("early_notification.escalation", {people.ke_unn})):
        assert_only(people, kind, users)


def test_a_sweep_that_missed_the_stages_sends_the_alert_and_the_escalation(people):
    """After an outage the overdue alert and the escalation go out; the stale reminder
    does not."""
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    tasks.remind_missing_early_notifications(admission.notification_deadline + 20 * HOUR)
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        "early_notification.overdue", "early_notification.escalation"}


def test_a_sent_notice_or_a_closed_admission_stops_the_reminders(people):
    admitted_at = oslo(2026, 5, 4, 10, 0)
    admit(people, admitted_at, first_notification_sent_at=admitted_at + HOUR)
    admit(people, admitted_at, status=AdmissionStatus.DISCHARGED,
          discharged_at=admitted_at + 3 * HOUR)
    admit(people, admitted_at, status=AdmissionStatus.DECEASED)

    for hours in (20, 24, 40):
        assert tasks.remind_missing_early_notifications(
            admitted_at + hours * HOUR) == 0
    assert not Notification.objects.exists()


def test_an_admission_in_another_ward_reminds_only_that_wards_planners(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0), ward="Ortopedisk sengepost")
    tasks.remind_missing_early_notifications(admission.notification_deadline - HOUR)
    assert_only(people, "early_notification.reminder", {people.planner, people.ortho_planner})


def test_the_escalation_goes_to_the_ke_inbox_when_the_trust_has_no_ke_staff_in_the_portal(
        people):
    Membership.objects.filter(user=people.ke_unn).delete()
    unit = factories.coordinating_unit(people.unn_hf)
    admission = admit(people, oslo(2026, 5, 4, 10, 0))

    tasks.remind_missing_early_notifications(admission.notification_deadline + 12 * HOUR)

    escalation = Notification.objects.get(kind="early_notification.escalation")
    assert (escalation.recipient, escalation.recipient_email, escalation.channel) == \
        (None, unit.inbox_address, "email")


def test_a_due_reminder_with_nobody_to_receive_it_is_logged(people, caplog):
    Membership.objects.filter(role=Role.DISCHARGE_PLANNER).delete()
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    tasks.remind_missing_early_notifications(admission.notification_deadline - HOUR)
    assert not Notification.objects.exists()
    assert "nobody to receive them: {'early_notification.reminder': 1}" in caplog.text


@pytest.mark.parametrize(("admitted", "deadline_text", "deadline_local"), [
    # Summer time starts 29 March 2026 02:00: 24 elapsed hours end at 13:00 on the clock.
    (oslo(2026, 3, 28, 12, 0), "29.03.2026 13:00", oslo(2026, 3, 29, 13, 0)),
    # Summer time ends 25 October 2026 03:00: 24 elapsed hours end at 11:00 on the clock.
    (oslo(2026, 10, 24, 12, 0), "25.10.2026 11:00", oslo(2026, 10, 25, 11, 0)),
    # A month end is no special case.
    (oslo(2026, 1, 31, 20, 0), "01.02.2026 20:00", oslo(2026, 2, 1, 20, 0)),
])
def test_the_deadline_is_24_elapsed_hours_across_dst_and_month_ends(
        people, admitted, deadline_text, deadline_local):
    admission = admit(people, admitted)
    assert admission.notification_deadline == deadline_local
    assert admission.notification_deadline - admitted == 24 * HOUR

    def sweep(moment):  # as a caller in Oslo time would pass it
        return tasks.remind_missing_early_notifications(moment.astimezone(OSLO))

    sweep(deadline_local - 4 * HOUR - MINUTE)
    assert not Notification.objects.exists()
    sweep(deadline_local - MINUTE)
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        "early_notification.reminder"}
    sweep(deadline_local)
    overdue = Notification.objects.filter(kind="early_notification.overdue")
    assert overdue.count() == 4
    assert all(deadline_text in n.body for n in overdue)
    sweep(deadline_local + 12 * HOUR - MINUTE)
    assert not Notification.objects.filter(kind="early_notification.escalation").exists()
    sweep(deadline_local + 12 * HOUR)
    assert recipients("early_notification.escalation") == {people.ke_unn}


def test_the_reminder_window_is_elapsed_hours_when_the_clock_springs_forward(people):
    """Deadline 05:30 summer time on 29 March: four real hours before is 00:30 winter time,
    though 00:30 + 4 h on the wall clock would be 04:30."""
    admission = admit(people, oslo(2026, 3, 28, 4, 30))
    assert admission.notification_deadline == oslo(2026, 3, 29, 5, 30)

    now = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=OSLO)
    assert tasks.remind_missing_early_notifications(now - MINUTE) == 0
    assert tasks.remind_missing_early_notifications(now) == 4


def test_the_sweep_costs_the_same_queries_for_two_due_admissions_as_for_twenty(people):
    admitted_at = oslo(2026, 5, 4, 10, 0)
    now = admitted_at + 40 * HOUR  # overdue and escalated: six rows per admission

    def queries_for(count: int) -> tuple[int, int]:
        Notification.objects.all().delete()
        Admission.objects.all().delete()
        for _ in range(count):
            admit(people, admitted_at)
        with CaptureQueriesContext(connection) as captured:
            tasks.remind_missing_early_notifications(now)
        assert Notification.objects.count() == 6 * count
        sql = [q["sql"].lstrip().upper() for q in captured]
        inserts = sum(s.startswith("INSERT") for s in sql)
        return len(sql) - inserts, inserts

    # The due admissions with hospital and patient uuid; the planners and KE staff of their
    # hospitals and trusts; the KE inboxes; the dedupe keys already sent; the INSERT; the
    # SELECT of the rows inserted.
    assert queries_for(2) == (5, 1)
    selects, inserts = queries_for(20)
    assert selects == 5
    # One INSERT per 500 rows; SQLite caps the parameters of one statement (999), so Django
    # splits the 120 rows there.
    assert inserts == (1 if connection.vendor == "postgresql" else 3)
    # A re-run reads the due admissions, their staff and the keys, and writes nothing.
    with CaptureQueriesContext(connection) as captured:
        assert tasks.remind_missing_early_notifications(now) == 0
    assert len(captured) == 4


def test_it_works_through_more_due_admissions_than_one_batch(people, monkeypatch):
    monkeypatch.setattr(sweeps, "BATCH_SIZE", 2)
    admitted_at = oslo(2026, 5, 4, 10, 0)
    admissions = [admit(people, admitted_at) for _ in range(5)]
    tasks.remind_missing_early_notifications(admitted_at + 24 * HOUR)
    assert set(Notification.objects.filter(recipient=people.planner, channel="in_app")
               .values_list("subject_uuid", flat=True)) == {a.uuid for a in admissions}


# -- 2. Sent but not acknowledged -----------------------------------------------------------

def send_notice(cast, admission, sent_at, **fields) -> EarlyNotification:
    Admission.objects.filter(pk=admission.pk).update(first_notification_sent_at=sent_at)
    return EarlyNotification.objects.create(admission=admission, state="sent", sent_at=sent_at,
                                            municipality=admission.municipality,
                                            sent_by=cast.planner, **fields)


def test_an_unacknowledged_notice_reminds_the_municipalitys_ke(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    sent_at = oslo(2026, 5, 4, 15, 0)
    notice = send_notice(people, admission, sent_at)

    assert tasks.remind_unacknowledged_notices(sent_at + 8 * HOUR - MINUTE) == 0
    tasks.remind_unacknowledged_notices(sent_at + 8 * HOUR)
    tasks.remind_unacknowledged_notices(sent_at + 9 * HOUR)

    assert_only(people, "early_notification.unacknowledged", {people.ke_tromso})
    reminder = Notification.objects.get(kind="early_notification.unacknowledged",
                                        channel="in_app")
    assert (reminder.subject_type, reminder.subject_uuid) == ("earlynotification", notice.uuid)
    assert "04.05.2026 15:00" in reminder.body
    assert_neutral(people, Notification.objects.all())


def test_an_acknowledged_notice_reminds_nobody(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    sent_at = oslo(2026, 5, 4, 15, 0)
    send_notice(people, admission, sent_at, acknowledged_at=sent_at + HOUR,
                acknowledged_by=people.ke_tromso)
    assert tasks.remind_unacknowledged_notices(sent_at + 10 * HOUR) == 0


def test_a_draft_notice_reminds_nobody(people):
    admission = admit(people, oslo(2026, 5, 4, 10, 0))
    EarlyNotification.objects.create(admission=admission, municipality=admission.municipality)
    assert tasks.remind_unacknowledged_notices(oslo(2026, 5, 5, 10, 0)) == 0


# -- 3. Ready for discharge without an answer ------------------------------------------------

def declare_ready(cast, declared_at, **fields) -> ReadyForDischarge:
    admission = admit(cast, declared_at - 72 * HOUR, status=AdmissionStatus.READY_FOR_DISCHARGE,
                      first_notification_sent_at=declared_at - 70 * HOUR)
    return ReadyForDischarge.objects.create(admission=admission, declared_at=declared_at,
                                            physician="Lege Legesen", **fields)


def test_an_unanswered_declaration_reminds_the_municipalitys_ke(people):
    declared_at = oslo(2026, 3, 29, 1, 30)  # the night summer time starts
    declaration = declare_ready(people, declared_at)

    assert tasks.remind_unanswered_declarations(declared_at + 4 * HOUR - MINUTE) == 0
    tasks.remind_unanswered_declarations(declared_at + 4 * HOUR)
    tasks.remind_unanswered_declarations(declared_at + 5 * HOUR)

    assert_only(people, "ready_for_discharge.unanswered", {people.ke_tromso})
    reminder = Notification.objects.get(kind="ready_for_discharge.unanswered", channel="in_app")
    assert (reminder.subject_type, reminder.subject_uuid) == \
        ("readyfordischarge", declaration.uuid)
    assert "29.03.2026 01:30" in reminder.body
    assert_neutral(people, Notification.objects.all())


def test_an_answered_or_withdrawn_declaration_reminds_nobody(people):
    declared_at = oslo(2026, 5, 4, 10, 0)
    answered = declare_ready(people, declared_at)
    MunicipalAnswer.objects.create(declaration=answered, kind="cannot_yet",
                                   expected_date=datetime.date(2026, 5, 10),
                                   answered_at=declared_at + HOUR, answered_by=people.ke_tromso)
    declare_ready(people, declared_at, withdrawn_at=declared_at + HOUR)
    readmitted = declare_ready(people, declared_at)
    Admission.objects.filter(pk=readmitted.admission_id).update(
        status=AdmissionStatus.DISCHARGED, discharged_at=declared_at + 2 * HOUR)

    assert tasks.remind_unanswered_declarations(declared_at + 6 * HOUR) == 0


# -- 4. Discharge meetings -------------------------------------------------------------------

def test_it_prompts_the_planners_when_discharge_is_close_and_no_meeting_is_scheduled(people):
    now = oslo(2026, 5, 4, 9, 0)
    due = admit(people, now - 48 * HOUR, needs_interdisciplinary_follow_up=True,
                estimated_discharge_date=datetime.date(2026, 5, 7),
                first_notification_sent_at=now - 40 * HOUR)
    admit(people, now - 48 * HOUR, needs_interdisciplinary_follow_up=True,
          estimated_discharge_date=datetime.date(2026, 5, 8))  # four days ahead
    admit(people, now - 48 * HOUR, estimated_discharge_date=datetime.date(2026, 5, 5))

    tasks.prompt_discharge_meetings(now)
    tasks.prompt_discharge_meetings(now + HOUR)

    assert_only(people, "discharge_meeting.prompt", {people.planner, people.ward_planner})
    assert set(Notification.objects.values_list("subject_uuid", flat=True)) == {due.uuid}
    assert_neutral(people, Notification.objects.all())


def test_a_scheduled_or_held_meeting_stops_the_prompt_and_a_cancelled_one_does_not(people):
    now = oslo(2026, 5, 4, 9, 0)
    by_status = {}
    for status in (MeetingStatus.SCHEDULED, MeetingStatus.HELD, MeetingStatus.CANCELLED):
        admission = admit(people, now - 48 * HOUR, needs_interdisciplinary_follow_up=True,
                          estimated_discharge_date=datetime.date(2026, 5, 6))
        meeting(people, admission, now + 24 * HOUR, status=status)
        by_status[status] = admission

    tasks.prompt_discharge_meetings(now)

    assert set(Notification.objects.filter(kind="discharge_meeting.prompt")
               .values_list("subject_uuid", flat=True)) == {
        by_status[MeetingStatus.CANCELLED].uuid}


def test_the_prompt_counts_calendar_days_in_oslo_across_a_month_end(people):
    admit(people, oslo(2026, 1, 27, 12, 0), needs_interdisciplinary_follow_up=True,
          estimated_discharge_date=datetime.date(2026, 2, 1))
    # 28 January 23:30 in Oslo: 1 February is four days ahead.
    assert tasks.prompt_discharge_meetings(oslo(2026, 1, 28, 23, 30)) == 0
    # 29 January 00:30 in Oslo (still 28 January in UTC): three days ahead.
    assert tasks.prompt_discharge_meetings(oslo(2026, 1, 29, 0, 30)) == 4


def meeting(cast, admission, scheduled_at, **fields) -> DischargeMeeting:
    fields.setdefault("location", "Møterom 3")
    return DischargeMeeting.objects.create(admission=admission, organizer=cast.planner,
                                           scheduled_at=scheduled_at, **fields)


@pytest.fixture
def upcoming(people):
    """A meeting with a KE participant, a coordinator who declined, the GP by e-mail and the
    patient without an address."""
    admission = admit(people, oslo(2026, 5, 1, 10, 0), needs_interdisciplinary_follow_up=True)
    upcoming = meeting(people, admission, oslo(2026, 5, 6, 13, 0),
                       video_link="https://video.example/m/123")
    MeetingParticipant.objects.create(meeting=upcoming, kind=ParticipantKind.COORDINATING_UNIT,
                                      user=people.ke_tromso, name="Kåre Tromsø",
                                      status=ParticipantStatus.ACCEPTED)
    MeetingParticipant.objects.create(meeting=upcoming, kind=ParticipantKind.COORDINATOR,
                                      user=people.coordinator, name="Kora Koordinator",
                                      status=ParticipantStatus.DECLINED)
    MeetingParticipant.objects.create(meeting=upcoming, kind=ParticipantKind.GP,
                                      name="Fastlege", email="fastlege@legekontor.example")
    MeetingParticipant.objects.create(meeting=upcoming, kind=ParticipantKind.PATIENT,
                                      name="Pasienten")
    return upcoming


def test_meeting_participants_are_reminded_24_hours_and_1_hour_before(people, upcoming):
    start = upcoming.scheduled_at
    assert tasks.remind_meeting_participants(start - 24 * HOUR - MINUTE) == 0

    tasks.remind_meeting_participants(start - 24 * HOUR)
    tasks.remind_meeting_participants(start - 24 * HOUR)
    tasks.remind_meeting_participants(start - 2 * HOUR)  # still the 24-hour reminder's turn
    assert_only(people, "discharge_meeting.reminder", {people.planner, people.ke_tromso})
    gp = Notification.objects.get(kind="discharge_meeting.reminder", recipient__isnull=True)
    assert (gp.recipient_email, gp.channel, gp.url) == \
        ("fastlege@legekontor.example", "email", "")
    assert "06.05.2026 13:00" in gp.title
    assert "https://video.example/m/123" in gp.body and "Møterom 3" in gp.body

    tasks.remind_meeting_participants(start - HOUR)
    tasks.remind_meeting_participants(start - 30 * MINUTE)
    assert Notification.objects.filter(kind="discharge_meeting.reminder",
                                       recipient=people.ke_tromso).count() == 4
    assert Notification.objects.filter(recipient_email="fastlege@legekontor.example").count() \
        == 2
    assert tasks.remind_meeting_participants(start + MINUTE) == 0  # started: no reminder
    assert_neutral(people, Notification.objects.all())


def test_a_rescheduled_meeting_reminds_again_and_a_cancelled_one_does_not(people, upcoming):
    tasks.remind_meeting_participants(upcoming.scheduled_at - 20 * HOUR)
    assert Notification.objects.filter(recipient=people.ke_tromso).count() == 2

    new_start = upcoming.scheduled_at + 2 * HOUR
    DischargeMeeting.objects.filter(pk=upcoming.pk).update(scheduled_at=new_start, sequence=1)
    tasks.remind_meeting_participants(new_start - 20 * HOUR)
    assert Notification.objects.filter(recipient=people.ke_tromso).count() == 4

    DischargeMeeting.objects.filter(pk=upcoming.pk).update(status=MeetingStatus.CANCELLED,
                                                           sequence=2)
    assert tasks.remind_meeting_participants(new_start - HOUR) == 0


def test_the_organiser_is_reminded_of_missing_minutes(people, upcoming):
    ends = upcoming.scheduled_at + 60 * MINUTE
    assert tasks.remind_missing_minutes(ends + 24 * HOUR - MINUTE) == 0
    tasks.remind_missing_minutes(ends + 24 * HOUR)
    tasks.remind_missing_minutes(ends + 30 * HOUR)
    assert_only(people, "discharge_meeting.minutes_missing", {people.planner})
    assert_neutral(people, Notification.objects.all())


def test_recorded_minutes_or_a_cancelled_meeting_need_no_reminder(people, upcoming):
    ends = upcoming.scheduled_at + 60 * MINUTE
    DischargeMeeting.objects.filter(pk=upcoming.pk).update(
        status=MeetingStatus.HELD, minutes="Avtalt hjemreise", minutes_recorded_at=ends)
    cancelled = meeting(people, upcoming.admission, upcoming.scheduled_at,
                        status=MeetingStatus.CANCELLED)
    assert cancelled.minutes_recorded_at is None
    assert tasks.remind_missing_minutes(ends + 48 * HOUR) == 0


# -- 5. Follow-up after a rehabilitation stay ------------------------------------------------

def test_the_follow_up_is_due_six_calendar_weeks_after_discharge_across_dst(people):
    discharged_at = oslo(2026, 3, 20, 14, 0)  # winter time; six weeks later is summer time
    stay = admit(people, oslo(2026, 2, 20, 10, 0), is_rehabilitation_stay=True,
                 status=AdmissionStatus.DISCHARGED, discharged_at=discharged_at,
                 first_notification_sent_at=oslo(2026, 2, 20, 12, 0))
    admit(people, oslo(2026, 2, 20, 10, 0), status=AdmissionStatus.DISCHARGED,
          discharged_at=discharged_at)  # not a rehabilitation stay

    assert tasks.remind_follow_ups(oslo(2026, 4, 30, 23, 59)) == 0
    tasks.remind_follow_ups(oslo(2026, 5, 1, 0, 0))
    tasks.remind_follow_ups(oslo(2026, 5, 2, 9, 0))

    assert_only(people, "admission.follow_up_due", {people.ke_tromso})
    reminder = Notification.objects.get(kind="admission.follow_up_due", channel="in_app")
    assert reminder.subject_uuid == stay.uuid
    assert "20.03.2026" in reminder.body
    assert_neutral(people, Notification.objects.all())


# -- All of them -----------------------------------------------------------------------------

def test_run_sweeps_runs_every_sweep_and_reports_what_it_created(people):
    now = oslo(2026, 5, 4, 10, 0)
    admit(people, now - 23 * HOUR)
    created = sweeps.run_sweeps("pathways", now)
    assert list(created) == ["early_notification_missing", "notice_unacknowledged",
                             "ready_unanswered", "meeting_prompt", "meeting_reminder",
                             "minutes_missing", "follow_up"]
    assert created["early_notification_missing"] == 4
    assert sweeps.run_sweeps("pathways", now) == dict.fromkeys(created, 0)


def test_a_failing_sweep_does_not_keep_the_others_from_running(people, monkeypatch):
    now = oslo(2026, 5, 4, 10, 0)
    admit(people, now - 23 * HOUR)

    def broken(now, kind):
        raise RuntimeError("boom")

    sweeps.registered()  # every app's kinds in the registry before one is added for a while
    monkeypatch.setitem(sweeps.REGISTRY, "broken",
                        sweeps.Reminder("broken", "pathways", broken, lambda *args: []))
    with pytest.raises(RuntimeError, match="broken"):
        sweeps.run_sweeps("pathways", now)
    assert Notification.objects.filter(kind="early_notification.reminder").count() == 4


def test_beat_runs_the_sweeps_within_half_a_minute_and_drops_stale_runs(settings):
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ("pathways.tasks.run_pathway_sweeps", "registry.tasks.retry_notifications",
                 "webhooks.tasks.retry_deliveries"):
        assert entries[task]["schedule"] <= 30
        assert 0 < entries[task]["options"]["expires"] < entries[task]["schedule"]
    assert tasks.run_pathway_sweeps.expires <= 60
