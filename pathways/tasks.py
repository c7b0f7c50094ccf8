"""The pathway deadlines' reminder kinds (settings.REMINDERS), run by common.sweeps.

Each kind is its indexed due query and its message builder, declared with @sweeps.reminder;
the framework batches, claims by dedupe key (per subject and stage) and sends. Hours are
elapsed time; days and weeks are calendar days in Europe/Oslo.
"""

import datetime

from celery import shared_task
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from common import sweeps
from common.sweeps import CATCH_UP, Reminder, day, local_date, local_midnight, when
from registry.notifications import Directory, Message, Outgoing, to_ke_staff

from . import links
from .models import (
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MeetingStatus,
    MunicipalAnswer,
    NoticeState,
    ParticipantStatus,
    ReadyForDischarge,
)
from .models.admissions import OPEN_STATUSES

SWEEP_EXPIRES_SECONDS = 55
# DischargeMeeting.duration_minutes allows up to 480 minutes.
LONGEST_MEETING = datetime.timedelta(minutes=480)


def _outgoing(users, message: Message, dedupe: str, emails=()) -> Outgoing:
    return Outgoing(list(users), message, dedupe, external_emails=tuple(emails))


# -- 1. Early notification not sent ---------------------------------------------------------

def early_notification_missing_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Open admissions without a sent notice whose reminder time has come
    (index admission_notice_due_idx)."""
    return (
        Admission.objects.filter(
            status__in=OPEN_STATUSES, first_notification_sent_at__isnull=True,
            notification_deadline__lte=now + kind.hours("BEFORE_HOURS"),
            notification_deadline__gt=now - kind.hours("ESCALATE_AFTER_HOURS") - CATCH_UP,
        )
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("notification_deadline")
    )


@sweeps.reminder("early_notification_missing", due=early_notification_missing_due)
def remind_missing_early_notifications(batch: list[Admission], now: datetime.datetime,
                                       kind: Reminder) -> list[Outgoing]:
    """Remind the ward's planners BEFORE_HOURS before the deadline, alert them at the
    deadline, and escalate to the health trust's KE ESCALATE_AFTER_HOURS later."""
    escalate_after = kind.hours("ESCALATE_AFTER_HOURS")
    directory = Directory({a.hospital_id for a in batch}
                          | {a.hospital.parent_id for a in batch}, inboxes=True)
    outgoing = []
    for admission in batch:
        deadline = admission.notification_deadline
        planners = directory.planners(admission.hospital_id, admission.ward)
        params = {"ward": admission.ward, "hospital": admission.hospital.name,
                  "deadline": when(deadline)}
        message = _message_about(admission, "admission", admission.uuid)
        if now < deadline:
            outgoing.append(_outgoing(planners, message(
                "early_notification.reminder",
                _("Early notification due soon for an admitted patient"),
                _("The early notification for a patient admitted to %(ward)s, "
                  "%(hospital)s, is due %(deadline)s. Send it now, even if some "
                  "information is not known yet.") % params,
            ), f"sweep:notice-reminder:{admission.uuid}"))
            continue
        outgoing.append(_outgoing(planners, message(
            "early_notification.overdue",
            _("Early notification missing for an admitted patient"),
            _("The early notification for a patient admitted to %(ward)s, %(hospital)s, "
              "was due %(deadline)s and has not been sent.") % params,
        ), f"sweep:notice-overdue:{admission.uuid}"))
        if now >= deadline + escalate_after:
            # The trust's KE has no care relationship to the patient, so no page of
            # theirs shows the stay: the message names hospital, ward and deadline.
            users, emails = directory.ke_staff(admission.hospital.parent_id)
            unlinked = _message_about(admission, "admission", admission.uuid, url=False)
            outgoing.append(_outgoing(users, unlinked(
                "early_notification.escalation",
                _("Early notification still missing after the deadline"),
                _("%(hospital)s has not sent the early notification for a patient "
                  "admitted to %(ward)s. It was due %(deadline)s.") % params,
            ), f"sweep:notice-escalation:{admission.uuid}", emails))
    return outgoing


def _message_about(admission_like, subject_type: str, subject_uuid, *, url: bool | str = True):
    """A Message factory for one subject: kind, title and body vary by stage. The link goes
    to the patient's pathway, or to the page given (a discharge meeting's)."""
    patient_uuid = admission_like.patient_uuid
    link = url if isinstance(url, str) else links.pathway_url(patient_uuid) if url else ""

    def message(kind: str, title: str, body: str) -> Message:
        return Message(kind=kind, title=title, body=body, url=link,
                       subject_type=subject_type, subject_uuid=subject_uuid,
                       patient_uuid=patient_uuid)
    return message


# -- 2. Early notification sent but not acknowledged -----------------------------------------

def unacknowledged_notices_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Sent notices the municipality has not acknowledged in time
    (index notice_unacknowledged_idx)."""
    older_than = now - kind.hours("AFTER_HOURS")
    return (
        EarlyNotification.objects.filter(
            state=NoticeState.SENT, acknowledged_at__isnull=True,
            sent_at__lte=older_than, sent_at__gt=older_than - CATCH_UP,
        )
        .select_related("admission__hospital")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .order_by("sent_at")
    )


@sweeps.reminder("notice_unacknowledged", due=unacknowledged_notices_due)
def remind_unacknowledged_notices(batch: list[EarlyNotification], now: datetime.datetime,
                                  kind: Reminder) -> list[Outgoing]:
    """Remind the municipality's KE of a notice nobody has acknowledged."""
    def build(notice):
        admission = notice.admission
        return _message_about(notice, "earlynotification", notice.uuid)(
            "early_notification.unacknowledged",
            _("Early notification waiting to be acknowledged"),
            _("An early notification from %(hospital)s (%(ward)s), sent %(sent)s, has "
              "not been acknowledged by the municipality.") % {
                "hospital": admission.hospital.name, "ward": admission.ward,
                "sent": when(notice.sent_at)},
        ), f"sweep:notice-unacknowledged:{notice.uuid}"
    return to_ke_staff(batch, lambda notice: notice.admission.municipality_id, build)


# -- 3. Ready for discharge without the municipality's answer --------------------------------

def unanswered_declarations_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Declarations in force with no answer after AFTER_HOURS
    (index ready_unanswered_idx; the answer check uses the answers' declaration index)."""
    older_than = now - kind.hours("AFTER_HOURS")
    return (
        ReadyForDischarge.objects.filter(
            withdrawn_at__isnull=True, declared_at__lte=older_than,
            declared_at__gt=older_than - CATCH_UP,
            admission__status=AdmissionStatus.READY_FOR_DISCHARGE,
        )
        .filter(~Exists(MunicipalAnswer.objects.filter(declaration=OuterRef("pk"))))
        .select_related("admission__hospital")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .order_by("declared_at")
    )


@sweeps.reminder("ready_unanswered", due=unanswered_declarations_due)
def remind_unanswered_declarations(batch: list[ReadyForDischarge], now: datetime.datetime,
                                   kind: Reminder) -> list[Outgoing]:
    """Remind the municipality's KE to answer whether it can receive the patient."""
    def build(declaration):
        admission = declaration.admission
        return _message_about(declaration, "readyfordischarge", declaration.uuid)(
            "ready_for_discharge.unanswered",
            _("Ready-for-discharge declaration waiting for an answer"),
            _("A patient at %(hospital)s (%(ward)s) was declared ready for discharge "
              "%(declared)s. The municipality has not yet answered whether it can "
              "receive the patient.") % {
                "hospital": admission.hospital.name, "ward": admission.ward,
                "declared": when(declaration.declared_at)},
        ), f"sweep:ready-unanswered:{declaration.uuid}"
    return to_ke_staff(batch, lambda declaration: declaration.admission.municipality_id, build)


# -- 4. Discharge meetings: prompt, reminders, missing minutes --------------------------------

_MEETING_IN_PLACE = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)


def meeting_prompts_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Open admissions needing interdisciplinary follow-up, discharge within DAYS_BEFORE
    calendar days, no meeting (index on status, estimated date)."""
    today = local_date(now)
    return (
        Admission.objects.filter(
            status__in=OPEN_STATUSES, needs_interdisciplinary_follow_up=True,
            estimated_discharge_date__lte=today + kind.days("DAYS_BEFORE"),
            estimated_discharge_date__gte=today - CATCH_UP,
        )
        .filter(~Exists(DischargeMeeting.objects.filter(admission=OuterRef("pk"),
                                                        status__in=_MEETING_IN_PLACE)))
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("estimated_discharge_date")
    )


@sweeps.reminder("meeting_prompt", due=meeting_prompts_due)
def prompt_discharge_meetings(batch: list[Admission], now: datetime.datetime,
                              kind: Reminder) -> list[Outgoing]:
    """Prompt the ward's planners to call a discharge meeting. The key holds the estimated
    date: a discharge moved and again close with no meeting prompts again."""
    directory = Directory({a.hospital_id for a in batch})
    outgoing = []
    for admission in batch:
        message = _message_about(admission, "admission", admission.uuid)
        date = admission.estimated_discharge_date
        outgoing.append(_outgoing(
            directory.planners(admission.hospital_id, admission.ward), message(
                "discharge_meeting.prompt",
                _("Discharge meeting not yet scheduled"),
                _("A patient on %(ward)s, %(hospital)s, is expected to be discharged "
                  "%(date)s, and no discharge meeting is scheduled.") % {
                    "ward": admission.ward, "hospital": admission.hospital.name,
                    "date": day(date)},
            ), f"sweep:meeting-prompt:{admission.uuid}:{date.isoformat()}"))
    return outgoing


def _reminder_hours(kind: Reminder) -> list[int]:
    return sorted(kind.setting("HOURS_BEFORE"))


def meeting_reminders_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Scheduled meetings starting within the longest reminder period
    (index on status, scheduled_at)."""
    return (
        DischargeMeeting.objects.filter(
            status=MeetingStatus.SCHEDULED, scheduled_at__gt=now,
            scheduled_at__lte=now + datetime.timedelta(hours=_reminder_hours(kind)[-1]),
        )
        .select_related("organizer")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .prefetch_related(Prefetch("participants",
                                   queryset=MeetingParticipant.objects.select_related("user")))
        .order_by("scheduled_at")
    )


@sweeps.reminder("meeting_reminder", due=meeting_reminders_due)
def remind_meeting_participants(batch: list[DischargeMeeting], now: datetime.datetime,
                                kind: Reminder) -> list[Outgoing]:
    """Remind participants (and the organiser) HOURS_BEFORE (24 h and 1 h): users in the
    portal and by e-mail, people without an account by e-mail. Only the nearest due reminder
    is sent, and the key holds the meeting's sequence, so a rescheduled meeting reminds
    again."""
    hours = _reminder_hours(kind)
    outgoing = []
    for meeting in batch:
        stage = next(h for h in hours
                     if meeting.scheduled_at - datetime.timedelta(hours=h) <= now)
        taking_part = [p for p in meeting.participants.all()
                       if p.status != ParticipantStatus.DECLINED]
        users = [meeting.organizer, *(p.user for p in taking_part if p.user_id)]
        emails = [p.email for p in taking_part if not p.user_id and p.email]
        starts = when(meeting.scheduled_at)
        lines = [_("The discharge meeting starts %(when)s and lasts %(minutes)s minutes.")
                 % {"when": starts, "minutes": meeting.duration_minutes}]
        if meeting.location:
            lines.append(_("Place: %(place)s") % {"place": meeting.location})
        if meeting.video_link:
            lines.append(_("Video: %(link)s") % {"link": meeting.video_link})
        title = _("Reminder: discharge meeting %(when)s") % {"when": starts}
        dedupe = f"sweep:meeting-reminder:{meeting.uuid}:{meeting.sequence}:{stage}h"
        for recipients, addresses, url in ((users, (), True), ((), emails, False)):
            if recipients or addresses:
                message = _message_about(meeting, "dischargemeeting", meeting.uuid,
                                         url=links.meeting_url(meeting.uuid) if url else False)
                outgoing.append(_outgoing(recipients, message(
                    "discharge_meeting.reminder", title, "\n".join(lines)),
                    dedupe, addresses))
    return outgoing


def minutes_missing_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Meetings without minutes AFTER_HOURS after they started (the end is checked per row)
    (index on status, scheduled_at)."""
    started_before = now - kind.hours("AFTER_HOURS")
    return (
        DischargeMeeting.objects.filter(
            status__in=_MEETING_IN_PLACE, minutes_recorded_at__isnull=True,
            scheduled_at__lte=started_before,
            scheduled_at__gt=started_before - LONGEST_MEETING - CATCH_UP,
        )
        .select_related("organizer", "admission__hospital")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .order_by("scheduled_at")
    )


@sweeps.reminder("minutes_missing", due=minutes_missing_due)
def remind_missing_minutes(batch: list[DischargeMeeting], now: datetime.datetime,
                           kind: Reminder) -> list[Outgoing]:
    """Remind the organiser to record minutes and decisions after the meeting."""
    due = kind.hours("AFTER_HOURS")
    outgoing = []
    for meeting in batch:
        ends = meeting.scheduled_at + datetime.timedelta(minutes=meeting.duration_minutes)
        if ends + due > now:
            continue
        admission = meeting.admission
        message = _message_about(meeting, "dischargemeeting", meeting.uuid)
        outgoing.append(_outgoing([meeting.organizer], message(
            "discharge_meeting.minutes_missing",
            _("Minutes missing from a discharge meeting"),
            _("The discharge meeting %(when)s (%(ward)s, %(hospital)s) has no minutes. "
              "Record the minutes and decisions so that everyone can follow up.") % {
                "when": when(meeting.scheduled_at), "ward": admission.ward,
                "hospital": admission.hospital.name},
        ), f"sweep:minutes-missing:{meeting.uuid}:{meeting.sequence}"))
    return outgoing


# -- 5. Follow-up after a rehabilitation stay ------------------------------------------------

def follow_ups_due(now: datetime.datetime, kind: Reminder) -> QuerySet:
    """Rehabilitation stays discharged AFTER_WEEKS weeks ago or more, by the calendar in Oslo
    (index admission_discharged_idx)."""
    latest_day = local_date(now) - datetime.timedelta(weeks=kind.setting("AFTER_WEEKS"))
    before = local_midnight(latest_day + datetime.timedelta(days=1))
    return (
        Admission.objects.filter(
            is_rehabilitation_stay=True, status=AdmissionStatus.DISCHARGED,
            discharged_at__lt=before, discharged_at__gte=before - CATCH_UP,
        )
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("discharged_at")
    )


@sweeps.reminder("follow_up", due=follow_ups_due)
def remind_follow_ups(batch: list[Admission], now: datetime.datetime,
                      kind: Reminder) -> list[Outgoing]:
    """Tell the municipality's KE that a follow-up contact (phone or video) is due."""
    def build(admission):
        return _message_about(admission, "admission", admission.uuid)(
            "admission.follow_up_due",
            _("Follow-up contact due after a hospital stay"),
            _("A resident was discharged from a rehabilitation stay at %(hospital)s on "
              "%(date)s. Contact them by phone or video to follow up.") % {
                "hospital": admission.hospital.name,
                "date": day(local_date(admission.discharged_at))},
        ), f"sweep:follow-up:{admission.uuid}"
    return to_ke_staff(batch, lambda admission: admission.municipality_id, build)


# -- The periodic task ----------------------------------------------------------------------

GROUP = "pathways"


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def run_pathway_sweeps() -> None:
    """Beat runs this every 30 s (CELERY_BEAT_SCHEDULE); a missed run is caught up."""
    sweeps.run_sweeps(GROUP)
