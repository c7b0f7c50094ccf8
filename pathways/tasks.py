"""Periodic sweeps over the pathway deadlines (settings.PATHWAY_DEADLINES).

Each sweep reads only what is due, through a partial or composite index, in batches, and
notifies through registry.notifications with a dedupe key per subject and stage: the unique
key is the claim, so a second run, an overlapping run or a second worker sends nothing twice.
Every sweep takes `now`, so tests (and a catch-up after an outage) can say when "now" is.

Hours are elapsed time (aware datetimes: a deadline 24 h after admission is 24 real hours,
also across a daylight-saving change); days and weeks are calendar days in Europe/Oslo.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.models import CoordinatingUnit, Membership, Role
from registry.notifications import Message, Outgoing, notify_many

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

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")
# How far back a sweep looks past the end of its window. A stage missed while the workers
# were down for up to this long is still sent; older subjects are left alone, and the
# indexed range scans stay short however much history the tables hold.
CATCH_UP = datetime.timedelta(days=7)
# Subjects per batch: one query for the batch's recipients, one INSERT, one SELECT.
BATCH_SIZE = 500
SWEEP_EXPIRES_SECONDS = 55
# DischargeMeeting.duration_minutes allows up to 480 minutes.
LONGEST_MEETING = datetime.timedelta(minutes=480)


def _utc(now: datetime.datetime | None) -> datetime.datetime:
    """`now` in UTC. Arithmetic on a datetime in Europe/Oslo is wall-clock arithmetic in
    Python (Oslo 12:00 + 24 h is 12:00 the next day, 23 real hours across the spring
    change); in UTC it is elapsed time."""
    return (now or timezone.now()).astimezone(datetime.UTC)


def _hours(name: str) -> datetime.timedelta:
    return datetime.timedelta(hours=settings.PATHWAY_DEADLINES[name])


def _local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(OSLO).date()


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=OSLO)


def _when(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(OSLO):%d.%m.%Y %H:%M}"


def _day(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def _batches(queryset: QuerySet) -> Iterator[list]:
    """The queryset's rows in lists of BATCH_SIZE, never all of them in memory at once."""
    rows = queryset.iterator(chunk_size=BATCH_SIZE)
    while batch := list(islice(rows, BATCH_SIZE)):
        yield batch


class Directory:
    """Discharge planners and KE staff of a batch's organisations, in one or two queries.

    When a coordinating unit has no KE staff in the portal, its inbox address gets the
    e-mail instead, so a reminder is not silently lost.
    """

    def __init__(self, organization_ids: Iterable[int], *, inboxes: bool = False):
        ids = {pk for pk in organization_ids if pk is not None}
        self._members: dict[tuple[int, str], list[tuple[str, object]]] = defaultdict(list)
        memberships = Membership.objects.filter(
            organization_id__in=ids, role__in=[Role.DISCHARGE_PLANNER, Role.KE_STAFF],
            user__is_active=True,
        ).select_related("user").order_by("pk")
        for membership in memberships:
            self._members[membership.organization_id, membership.role].append(
                (membership.ward, membership.user))
        self._inboxes = dict(CoordinatingUnit.objects.filter(organization_id__in=ids)
                             .values_list("organization_id", "inbox_address")) if inboxes else {}

    def planners(self, hospital_id: int, ward: str) -> list:
        """The hospital's planners for the ward: those tied to it and those with no ward."""
        return [user for member_ward, user in self._members[hospital_id, Role.DISCHARGE_PLANNER]
                if member_ward in ("", ward)]

    def ke_staff(self, organization_id: int | None) -> tuple[list, list[str]]:
        """(users, e-mail addresses): the KE's staff, or else its inbox."""
        users = [user for _ward, user in self._members[organization_id, Role.KE_STAFF]]
        inbox = self._inboxes.get(organization_id)
        return users, [] if users or not inbox else [inbox]


def _outgoing(users, message: Message, dedupe: str, emails=()) -> Outgoing:
    return Outgoing(list(users), message, dedupe, external_emails=tuple(emails))


def _run(queryset: QuerySet, build: Callable[[list], list[Outgoing]]) -> int:
    """Build the notifications of each batch of due subjects and insert them; returns the
    number of rows inserted (0 on a re-run)."""
    created, unaddressed = 0, defaultdict(int)
    with translation.override(settings.LANGUAGE_CODE):
        for batch in _batches(queryset):
            outgoing = build(batch)
            for item in outgoing:
                if not item.users and not item.external_emails:
                    unaddressed[item.message.kind] += 1
            created += len(notify_many(outgoing))
    if unaddressed:
        # No planner for the ward, no KE staff and no KE inbox: say so on every run.
        logger.warning("due notifications with nobody to receive them: %s", dict(unaddressed))
    return created


# -- 1. Early notification not sent ---------------------------------------------------------

def early_notification_missing_due(now: datetime.datetime) -> QuerySet:
    """Open admissions without a sent notice whose reminder time has come
    (index admission_notice_due_idx)."""
    return (
        Admission.objects.filter(
            status__in=OPEN_STATUSES, first_notification_sent_at__isnull=True,
            notification_deadline__lte=now + _hours("NOTICE_REMINDER_BEFORE_HOURS"),
            notification_deadline__gt=now - _hours("NOTICE_ESCALATION_AFTER_HOURS") - CATCH_UP,
        )
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("notification_deadline")
    )


def remind_missing_early_notifications(now: datetime.datetime | None = None) -> int:
    """Remind the ward's planners before the deadline, alert them at the deadline, and
    escalate to the health trust's KE NOTICE_ESCALATION_AFTER_HOURS later."""
    now = _utc(now)
    escalate_after = _hours("NOTICE_ESCALATION_AFTER_HOURS")

    def build(batch: list[Admission]) -> list[Outgoing]:
        directory = Directory({a.hospital_id for a in batch}
                              | {a.hospital.parent_id for a in batch}, inboxes=True)
        outgoing = []
        for admission in batch:
            deadline = admission.notification_deadline
            planners = directory.planners(admission.hospital_id, admission.ward)
            params = {"ward": admission.ward, "hospital": admission.hospital.name,
                      "deadline": _when(deadline)}
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

    return _run(early_notification_missing_due(now), build)


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

def unacknowledged_notices_due(now: datetime.datetime) -> QuerySet:
    """Sent notices the municipality has not acknowledged in time
    (index notice_unacknowledged_idx)."""
    older_than = now - _hours("ACKNOWLEDGE_WITHIN_HOURS")
    return (
        EarlyNotification.objects.filter(
            state=NoticeState.SENT, acknowledged_at__isnull=True,
            sent_at__lte=older_than, sent_at__gt=older_than - CATCH_UP,
        )
        .select_related("admission__hospital")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .order_by("sent_at")
    )


def remind_unacknowledged_notices(now: datetime.datetime | None = None) -> int:
    """Remind the municipality's KE of a notice nobody has acknowledged."""
    now = _utc(now)

    def build(batch: list[EarlyNotification]) -> list[Outgoing]:
        directory = Directory({n.admission.municipality_id for n in batch}, inboxes=True)
        outgoing = []
        for notice in batch:
            admission = notice.admission
            users, emails = directory.ke_staff(admission.municipality_id)
            message = _message_about(notice, "earlynotification", notice.uuid)
            outgoing.append(_outgoing(users, message(
                "early_notification.unacknowledged",
                _("Early notification waiting to be acknowledged"),
                _("An early notification from %(hospital)s (%(ward)s), sent %(sent)s, has "
                  "not been acknowledged by the municipality.") % {
                    "hospital": admission.hospital.name, "ward": admission.ward,
                    "sent": _when(notice.sent_at)},
            ), f"sweep:notice-unacknowledged:{notice.uuid}", emails))
        return outgoing

    return _run(unacknowledged_notices_due(now), build)


# -- 3. Ready for discharge without the municipality's answer --------------------------------

def unanswered_declarations_due(now: datetime.datetime) -> QuerySet:
    """Declarations in force with no answer after READY_ANSWER_WITHIN_HOURS
    (index ready_unanswered_idx; the answer check uses the answers' declaration index)."""
    older_than = now - _hours("READY_ANSWER_WITHIN_HOURS")
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


def remind_unanswered_declarations(now: datetime.datetime | None = None) -> int:
    """Remind the municipality's KE to answer whether it can receive the patient."""
    now = _utc(now)

    def build(batch: list[ReadyForDischarge]) -> list[Outgoing]:
        directory = Directory({d.admission.municipality_id for d in batch}, inboxes=True)
        outgoing = []
        for declaration in batch:
            admission = declaration.admission
            users, emails = directory.ke_staff(admission.municipality_id)
            message = _message_about(declaration, "readyfordischarge", declaration.uuid)
            outgoing.append(_outgoing(users, message(
                "ready_for_discharge.unanswered",
                _("Ready-for-discharge declaration waiting for an answer"),
                _("A patient at %(hospital)s (%(ward)s) was declared ready for discharge "
                  "%(declared)s. The municipality has not yet answered whether it can "
                  "receive the patient.") % {
                    "hospital": admission.hospital.name, "ward": admission.ward,
                    "declared": _when(declaration.declared_at)},
            ), f"sweep:ready-unanswered:{declaration.uuid}", emails))
        return outgoing

    return _run(unanswered_declarations_due(now), build)


# -- 4. Discharge meetings: prompt, reminders, missing minutes --------------------------------

_MEETING_IN_PLACE = (MeetingStatus.SCHEDULED, MeetingStatus.HELD)


def meeting_prompts_due(now: datetime.datetime) -> QuerySet:
    """Open admissions needing interdisciplinary follow-up, discharge within
    MEETING_PROMPT_DAYS calendar days, no meeting (index on status, estimated date)."""
    today = _local_date(now)
    return (
        Admission.objects.filter(
            status__in=OPEN_STATUSES, needs_interdisciplinary_follow_up=True,
            estimated_discharge_date__lte=today + datetime.timedelta(
                days=settings.PATHWAY_DEADLINES["MEETING_PROMPT_DAYS"]),
            estimated_discharge_date__gte=today - CATCH_UP,
        )
        .filter(~Exists(DischargeMeeting.objects.filter(admission=OuterRef("pk"),
                                                        status__in=_MEETING_IN_PLACE)))
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("estimated_discharge_date")
    )


def prompt_discharge_meetings(now: datetime.datetime | None = None) -> int:
    """Prompt the ward's planners to call a discharge meeting. The key holds the estimated
    date: a discharge moved and again close with no meeting prompts again."""
    now = _utc(now)

    def build(batch: list[Admission]) -> list[Outgoing]:
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
                        "date": _day(date)},
                ), f"sweep:meeting-prompt:{admission.uuid}:{date.isoformat()}"))
        return outgoing

    return _run(meeting_prompts_due(now), build)


def _reminder_hours() -> list[int]:
    return sorted(settings.PATHWAY_DEADLINES["MEETING_REMINDER_HOURS"])


def meeting_reminders_due(now: datetime.datetime) -> QuerySet:
    """Scheduled meetings starting within the longest reminder period
    (index on status, scheduled_at)."""
    return (
        DischargeMeeting.objects.filter(
            status=MeetingStatus.SCHEDULED, scheduled_at__gt=now,
            scheduled_at__lte=now + datetime.timedelta(hours=_reminder_hours()[-1]),
        )
        .select_related("organizer")
        .annotate(patient_uuid=F("admission__patient__uuid"))
        .prefetch_related(Prefetch("participants",
                                   queryset=MeetingParticipant.objects.select_related("user")))
        .order_by("scheduled_at")
    )


def remind_meeting_participants(now: datetime.datetime | None = None) -> int:
    """Remind participants (and the organiser) 24 h and 1 h before: users in the portal and
    by e-mail, people without an account by e-mail. Only the nearest due reminder is sent,
    and the key holds the meeting's sequence, so a rescheduled meeting reminds again."""
    now = _utc(now)
    hours = _reminder_hours()

    def build(batch: list[DischargeMeeting]) -> list[Outgoing]:
        outgoing = []
        for meeting in batch:
            stage = next(h for h in hours
                         if meeting.scheduled_at - datetime.timedelta(hours=h) <= now)
            taking_part = [p for p in meeting.participants.all()
                           if p.status != ParticipantStatus.DECLINED]
            users = [meeting.organizer, *(p.user for p in taking_part if p.user_id)]
            emails = [p.email for p in taking_part if not p.user_id and p.email]
            when = _when(meeting.scheduled_at)
            lines = [_("The discharge meeting starts %(when)s and lasts %(minutes)s minutes.")
                     % {"when": when, "minutes": meeting.duration_minutes}]
            if meeting.location:
                lines.append(_("Place: %(place)s") % {"place": meeting.location})
            if meeting.video_link:
                lines.append(_("Video: %(link)s") % {"link": meeting.video_link})
            title = _("Reminder: discharge meeting %(when)s") % {"when": when}
            dedupe = f"sweep:meeting-reminder:{meeting.uuid}:{meeting.sequence}:{stage}h"
            for recipients, addresses, url in ((users, (), True), ((), emails, False)):
                if recipients or addresses:
                    message = _message_about(meeting, "dischargemeeting", meeting.uuid,
                                             url=links.meeting_url(meeting.uuid) if url else False)
                    outgoing.append(_outgoing(recipients, message(
                        "discharge_meeting.reminder", title, "\n".join(lines)),
                        dedupe, addresses))
        return outgoing

    return _run(meeting_reminders_due(now), build)


def minutes_missing_due(now: datetime.datetime) -> QuerySet:
    """Meetings without minutes MINUTES_DUE_HOURS after they started (the end is checked
    per row) (index on status, scheduled_at)."""
    started_before = now - _hours("MINUTES_DUE_HOURS")
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


def remind_missing_minutes(now: datetime.datetime | None = None) -> int:
    """Remind the organiser to record minutes and decisions after the meeting."""
    now = _utc(now)
    due = _hours("MINUTES_DUE_HOURS")

    def build(batch: list[DischargeMeeting]) -> list[Outgoing]:
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
                    "when": _when(meeting.scheduled_at), "ward": admission.ward,
                    "hospital": admission.hospital.name},
            ), f"sweep:minutes-missing:{meeting.uuid}:{meeting.sequence}"))
        return outgoing

    return _run(minutes_missing_due(now), build)


# -- 5. Follow-up after a rehabilitation stay ------------------------------------------------

def follow_ups_due(now: datetime.datetime) -> QuerySet:
    """Rehabilitation stays discharged FOLLOW_UP_WEEKS weeks ago or more, by the calendar
    in Oslo (index admission_discharged_idx)."""
    latest_day = _local_date(now) - datetime.timedelta(
        weeks=settings.PATHWAY_DEADLINES["FOLLOW_UP_WEEKS"])
    before = _local_midnight(latest_day + datetime.timedelta(days=1))
    return (
        Admission.objects.filter(
            is_rehabilitation_stay=True, status=AdmissionStatus.DISCHARGED,
            discharged_at__lt=before, discharged_at__gte=before - CATCH_UP,
        )
        .select_related("hospital")
        .annotate(patient_uuid=F("patient__uuid"))
        .order_by("discharged_at")
    )


def remind_follow_ups(now: datetime.datetime | None = None) -> int:
    """Tell the municipality's KE that a follow-up contact (phone or video) is due."""
    now = _utc(now)

    def build(batch: list[Admission]) -> list[Outgoing]:
        directory = Directory({a.municipality_id for a in batch}, inboxes=True)
        outgoing = []
        for admission in batch:
            users, emails = directory.ke_staff(admission.municipality_id)
            message = _message_about(admission, "admission", admission.uuid)
            outgoing.append(_outgoing(users, message(
                "admission.follow_up_due",
                _("Follow-up contact due after a hospital stay"),
                _("A resident was discharged from a rehabilitation stay at %(hospital)s on "
                  "%(date)s. Contact them by phone or video to follow up.") % {
                    "hospital": admission.hospital.name,
                    "date": _day(_local_date(admission.discharged_at))},
            ), f"sweep:follow-up:{admission.uuid}", emails))
        return outgoing

    return _run(follow_ups_due(now), build)


# -- The periodic task ----------------------------------------------------------------------

@dataclass(frozen=True)
class Sweep:
    name: str
    due: Callable[[datetime.datetime], QuerySet]  # the main, indexed query
    run: Callable[..., int]


SWEEPS = (
    Sweep("early_notification_missing", early_notification_missing_due,
          remind_missing_early_notifications),
    Sweep("notice_unacknowledged", unacknowledged_notices_due, remind_unacknowledged_notices),
    Sweep("ready_unanswered", unanswered_declarations_due, remind_unanswered_declarations),
    Sweep("meeting_prompt", meeting_prompts_due, prompt_discharge_meetings),
    Sweep("meeting_reminder", meeting_reminders_due, remind_meeting_participants),
    Sweep("minutes_missing", minutes_missing_due, remind_missing_minutes),
    Sweep("follow_up", follow_ups_due, remind_follow_ups),
)


def run_sweeps(now: datetime.datetime | None = None) -> dict[str, int]:
    """Every sweep, each on its own: one that fails does not keep the others from running."""
    now = _utc(now)
    created, failed = {}, []
    for sweep in SWEEPS:
        try:
            created[sweep.name] = sweep.run(now)
        except Exception:  # logged here, raised below once the other sweeps have run
            logger.exception("pathway sweep %s failed", sweep.name)
            failed.append(sweep.name)
    if any(created.values()):
        logger.info("pathway sweeps: %s", created)
    if failed:
        raise RuntimeError(f"pathway sweeps failed: {', '.join(failed)}")
    return created


@shared_task(ignore_result=True, expires=SWEEP_EXPIRES_SECONDS)
def run_pathway_sweeps() -> None:
    """Beat runs this every minute (CELERY_BEAT_SCHEDULE); a missed run is caught up."""
    run_sweeps()
