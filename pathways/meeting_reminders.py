"""The discharge meetings' reminder kinds (settings.REMINDERS): the prompt to call a meeting,
the reminders before it, and the minutes missing after it. Declared here, run with the
pathway's other kinds by pathways.tasks.run_pathway_sweeps (common.sweeps)."""

import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _

from common import sweeps
from common.sweeps import CATCH_UP, Reminder, day, local_date, when
from registry.notifications import Directory, Outgoing

from . import links
from .models import (
    Admission,
    DischargeMeeting,
    MeetingParticipant,
    MeetingStatus,
    ParticipantStatus,
)
from .models.admissions import OPEN_STATUSES
from .reminder_messages import message_about, outgoing_to

# DischargeMeeting.duration_minutes allows up to 480 minutes.
LONGEST_MEETING = datetime.timedelta(minutes=480)


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
        .select_related("hospital", "ward")
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
        message = message_about(admission, "admission", admission.uuid)
        date = admission.estimated_discharge_date
        outgoing.append(outgoing_to(
            directory.planners(admission.hospital_id, admission.ward_id), message(
                "discharge_meeting.prompt",
                _("Discharge meeting not yet scheduled"),
                _("A patient on %(ward)s, %(hospital)s, is expected to be discharged "
                  "%(date)s, and no discharge meeting is scheduled.") % {
                    "ward": admission.ward.name, "hospital": admission.hospital.name,
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
                message = message_about(meeting, "dischargemeeting", meeting.uuid,
                                         url=links.meeting_url(meeting.uuid) if url else False)
                outgoing.append(outgoing_to(recipients, message(
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
        .select_related("organizer", "admission__hospital", "admission__ward")
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
        message = message_about(meeting, "dischargemeeting", meeting.uuid)
        outgoing.append(outgoing_to([meeting.organizer], message(
            "discharge_meeting.minutes_missing",
            _("Minutes missing from a discharge meeting"),
            _("The discharge meeting %(when)s (%(ward)s, %(hospital)s) has no minutes. "
              "Record the minutes and decisions so that everyone can follow up.") % {
                "when": when(meeting.scheduled_at), "ward": admission.ward.name,
                "hospital": admission.hospital.name},
        ), f"sweep:minutes-missing:{meeting.uuid}:{meeting.sequence}"))
    return outgoing
