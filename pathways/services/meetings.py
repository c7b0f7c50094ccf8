"""Discharge meetings: scheduling with invitations (in-app and e-mail with an .ics file),
rescheduling and cancellation that update everyone, answers, minutes and follow-up tasks."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates
from common.exceptions import StateConflict
from registry import audit
from registry.models import AuditAction, AuditObjectType, NotificationChannel
from registry.notifications import Message, notify

from .. import access, links
from ..calendar import meeting_ics
from ..models import (
    Admission,
    CareRelationship,
    CareRelationshipReason,
    DischargeMeeting,
    FollowUpTask,
    MeetingParticipant,
    MeetingStatus,
    ParticipantKind,
    ParticipantStatus,
    Patient,
)
from ._common import emit
from .patients import grant_care_relationship

MEETING_ACCESS_AFTER = datetime.timedelta(days=14)


def _require_organizing_side(by, admission: Admission) -> None:
    access.require_organizing_side(by, admission)


def _meeting_url(meeting: DischargeMeeting) -> str:
    """Notifications about a meeting open the meeting's page."""
    return links.meeting_url(meeting.uuid)


def _end(meeting: DischargeMeeting) -> datetime.datetime:
    return meeting.scheduled_at.astimezone(datetime.UTC) + datetime.timedelta(
        minutes=meeting.duration_minutes)


def _summary(meeting: DischargeMeeting) -> str:
    # Calendar entries and e-mail carry no health data: no patient name, no diagnosis.
    return _("Discharge meeting, %(hospital)s") % {
        "hospital": meeting.admission.hospital.name}


def _grant_meeting_access(meeting: DischargeMeeting, participants) -> None:
    """An invited user who cannot see the patient gets access until shortly after."""
    patient = meeting.admission.patient
    until = _end(meeting) + MEETING_ACCESS_AFTER
    for participant in participants:
        user = participant.user
        if user is None or Patient.objects.visible_to(user).filter(pk=patient.pk).exists():
            continue
        organization = participant.organization or (
            user.memberships.first().organization if user.memberships.exists() else None)
        if organization is not None:
            grant_care_relationship(patient, organization, CareRelationshipReason.MEETING,
                                    by=meeting.organizer, user=user, valid_to=until)


def _send_invitations(meeting: DischargeMeeting, kind: str, title: str,
                      participants=None, *, by=None) -> None:
    """Tell the participants; never the person who made the change (`by`): the organiser
    is not invited to her own meeting."""
    participants = [p for p in (participants if participants is not None
                                else meeting.participants.select_related("user"))
                    if by is None or p.user_id != by.pk]
    ics = meeting_ics(meeting, summary=_summary(meeting))
    when = dates.when(meeting.scheduled_at)
    body = _("%(summary)s, %(when)s. %(place)s") % {
        "summary": _summary(meeting), "when": when,
        "place": meeting.location or meeting.video_link}
    message = Message(
        kind=kind, title=title, body=body, url=_meeting_url(meeting),
        subject_type="dischargemeeting", subject_uuid=meeting.uuid,
        patient_uuid=meeting.admission.patient.uuid,
        attachment_name="invitation.ics", attachment=ics,
    )
    notify([p.user for p in participants if p.user_id], message,
           dedupe=f"meeting:{meeting.uuid}:{kind}:{meeting.sequence}",
           external_emails=[p.email for p in participants if not p.user_id and p.email])


def _build_participants(meeting: DischargeMeeting, participants) -> list[MeetingParticipant]:
    built = []
    for data in participants:
        participant = MeetingParticipant(meeting=meeting, **data)
        if not participant.name and participant.user is not None:
            participant.name = participant.user.display_name()
        if participant.kind == ParticipantKind.PATIENT and participant.user is None:
            # The portal knows the patient: nobody types their name or address.
            patient = meeting.admission.patient
            participant.name = participant.name or patient.full_name
            participant.email = participant.email or patient.email
        if not participant.email and participant.user is not None:
            participant.email = participant.user.email
        if participant.next_of_kin is not None:
            if participant.next_of_kin.patient_id != meeting.admission.patient_id:
                raise ValidationError({"participants": _(
                    "That next of kin belongs to another patient.")})
            participant.name = participant.name or participant.next_of_kin.name
            participant.email = participant.email or participant.next_of_kin.email
        try:
            participant.full_clean(exclude=["meeting"])
        except ValidationError as exc:
            raise ValidationError({"participants": [
                f"{participant.name or participant.get_kind_display()}: {message}"
                for message in exc.messages]}) from exc
        built.append(participant)
    users = [p.user_id for p in built if p.user_id]
    if len(users) != len(set(users)):
        raise ValidationError({"participants": _("A person is invited twice.")})
    return built


def _accept_own(built: list[MeetingParticipant], by) -> None:
    """The person who calls the meeting (or invites herself to it) takes part: accepted
    at once, with no invitation of her own to answer."""
    for participant in built:
        if participant.user_id == by.pk:
            participant.status = ParticipantStatus.ACCEPTED
            participant.responded_at = timezone.now()


@transaction.atomic
def schedule_discharge_meeting(admission: Admission, *, by, scheduled_at: datetime.datetime,
                               location: str = "", video_link: str = "",
                               duration_minutes: int = 60,
                               participants=()) -> DischargeMeeting:
    _require_organizing_side(by, admission)
    if not admission.is_open:
        raise StateConflict(_("The patient is no longer admitted."), code="closed")
    if scheduled_at <= timezone.now():
        raise ValidationError({"scheduled_at": _("A meeting is scheduled in the future.")})
    meeting = DischargeMeeting(
        admission=admission, organizer=by, scheduled_at=scheduled_at, location=location,
        video_link=video_link, duration_minutes=duration_minutes, created_by=by,
        updated_by=by,
    )
    meeting.full_clean()
    built = _build_participants(meeting, participants)
    _accept_own(built, by)
    meeting.save()
    for participant in built:
        participant.meeting = meeting
    MeetingParticipant.objects.bulk_create(built)
    audit.record(by, AuditAction.CREATE, AuditObjectType.DISCHARGE_MEETING, meeting.uuid,
                 patient_uuid=admission.patient.uuid, detail=f"{len(built)} invited")
    emit("discharge_meeting.scheduled", meeting, admission.patient, "discharge-meeting-detail")
    _grant_meeting_access(meeting, built)
    _send_invitations(meeting, "discharge_meeting.invitation",
                      _("Invitation: discharge meeting"), by=by)
    return meeting


@transaction.atomic
def add_participants(meeting: DischargeMeeting, *, by, participants) -> list[MeetingParticipant]:
    _require_organizing_side(by, meeting.admission)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise StateConflict(_("The meeting is no longer scheduled."), code="not_scheduled")
    built = _build_participants(meeting, participants)
    _accept_own(built, by)
    existing = set(meeting.participants.filter(user__isnull=False).values_list("user_id",
                                                                                flat=True))
    if any(p.user_id in existing for p in built):
        raise ValidationError({"participants": _("A person is invited twice.")})
    created = MeetingParticipant.objects.bulk_create(built)
    _touch(meeting.pk)
    audit.record(by, AuditAction.UPDATE, AuditObjectType.DISCHARGE_MEETING, meeting.uuid,
                 patient_uuid=meeting.admission.patient.uuid, detail=f"{len(built)} added")
    _grant_meeting_access(meeting, built)
    _send_invitations(meeting, "discharge_meeting.invitation",
                      _("Invitation: discharge meeting"), participants=built, by=by)
    return created


def _touch(meeting_id) -> None:
    """Participants and tasks are part of the meeting a client mirrors: the meeting counts as
    changed for `updated_since` and the sync cursor."""
    DischargeMeeting.objects.filter(pk=meeting_id).update(updated_at=timezone.now())


def _bump(meeting: DischargeMeeting, by, **changes) -> DischargeMeeting:
    updated = DischargeMeeting.objects.filter(
        pk=meeting.pk, status=MeetingStatus.SCHEDULED
    ).update(sequence=F("sequence") + 1, updated_by=by, updated_at=timezone.now(), **changes)
    if not updated:
        raise StateConflict(_("The meeting is no longer scheduled."), code="not_scheduled")
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def reschedule_discharge_meeting(meeting: DischargeMeeting, *, by,
                                 scheduled_at: datetime.datetime | None = None,
                                 location: str | None = None, video_link: str | None = None,
                                 duration_minutes: int | None = None) -> DischargeMeeting:
    _require_organizing_side(by, meeting.admission)
    changes = {name: value for name, value in {
        "scheduled_at": scheduled_at, "location": location, "video_link": video_link,
        "duration_minutes": duration_minutes}.items() if value is not None}
    if not changes:
        raise ValidationError({"scheduled_at": _("Nothing to change.")})
    if "scheduled_at" in changes and changes["scheduled_at"] <= timezone.now():
        raise ValidationError({"scheduled_at": _("A meeting is scheduled in the future.")})
    candidate = DischargeMeeting(**{**{f: getattr(meeting, f) for f in (
        "admission_id", "organizer_id", "scheduled_at", "location", "video_link",
        "duration_minutes")}, **changes})
    candidate.full_clean(exclude=["admission", "organizer"])
    meeting = _bump(meeting, by, **changes)
    # Answers given for the old time no longer hold, but whoever moved it takes part.
    meeting.participants.exclude(status=ParticipantStatus.INVITED).exclude(user=by).update(
        status=ParticipantStatus.INVITED, responded_at=None)
    meeting.participants.filter(user=by).update(status=ParticipantStatus.ACCEPTED,
                                                responded_at=timezone.now())
    CareRelationship.objects.filter(
        patient=meeting.admission.patient, reason=CareRelationshipReason.MEETING,
        user__in=meeting.participants.filter(user__isnull=False).values("user_id"),
    ).update(valid_to=_end(meeting) + MEETING_ACCESS_AFTER)
    audit.record(by, AuditAction.UPDATE, AuditObjectType.DISCHARGE_MEETING, meeting.uuid,
                 patient_uuid=meeting.admission.patient.uuid,
                 detail="rescheduled: " + ", ".join(sorted(changes)))
    emit("discharge_meeting.changed", meeting, meeting.admission.patient,
          "discharge-meeting-detail")
    _send_invitations(meeting, "discharge_meeting.rescheduled",
                      _("Changed: discharge meeting"), by=by)
    return meeting


@transaction.atomic
def cancel_discharge_meeting(meeting: DischargeMeeting, *, by,
                             reason: str = "") -> DischargeMeeting:
    _require_organizing_side(by, meeting.admission)
    meeting = _bump(meeting, by, status=MeetingStatus.CANCELLED)
    audit.record(by, AuditAction.UPDATE, AuditObjectType.DISCHARGE_MEETING, meeting.uuid,
                 patient_uuid=meeting.admission.patient.uuid, detail=f"cancelled {reason}"[:200])
    emit("discharge_meeting.changed", meeting, meeting.admission.patient,
          "discharge-meeting-detail")
    _send_invitations(meeting, "discharge_meeting.cancelled", _("Cancelled: discharge meeting"),
                      by=by)
    return meeting


@transaction.atomic
def respond_to_invitation(participant: MeetingParticipant, *, by,
                          status: str) -> MeetingParticipant:
    """The invited person accepts or declines (the organiser may record it for them)."""
    meeting = participant.meeting
    if participant.user_id != by.pk:
        _require_organizing_side(by, meeting.admission)
    if status not in (ParticipantStatus.ACCEPTED, ParticipantStatus.DECLINED):
        raise ValidationError({"status": _("Answer accepted or declined.")})
    if meeting.status != MeetingStatus.SCHEDULED or meeting.scheduled_at <= timezone.now():
        raise StateConflict(_("The meeting is not ahead any more."), code="not_scheduled")
    # Conditional on the meeting as the person saw it: an answer given to a time that was
    # meanwhile moved or cancelled does not count.
    if not MeetingParticipant.objects.filter(
            pk=participant.pk, meeting__status=MeetingStatus.SCHEDULED,
            meeting__sequence=meeting.sequence).update(status=status,
                                                       responded_at=timezone.now()):
        raise StateConflict(_("The meeting changed meanwhile; see the new time and answer "
                              "again."), code="meeting_changed")
    _touch(meeting.pk)
    participant.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.MEETING_PARTICIPANT, participant.uuid,
                 patient_uuid=meeting.admission.patient.uuid, detail=status)
    return participant


@transaction.atomic
def record_minutes(meeting: DischargeMeeting, *, by, minutes: str, decisions: str = "",
                   attended=()) -> DischargeMeeting:
    """After the meeting: minutes, decisions and who attended; the meeting is held."""
    _require_organizing_side(by, meeting.admission)
    if meeting.status == MeetingStatus.CANCELLED:
        raise StateConflict(_("The meeting was cancelled."), code="cancelled")
    if meeting.scheduled_at > timezone.now():
        raise StateConflict(_("Minutes are written after the meeting has started."),
                            code="not_started")
    if not minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes.")})
    attended_ids = {p.pk for p in attended}
    if attended_ids - set(meeting.participants.values_list("pk", flat=True)):
        raise ValidationError({"attended": _("Only invited participants can have attended.")})
    now = timezone.now()
    # Conditional: a meeting cancelled meanwhile (by someone else) stays cancelled.
    if not DischargeMeeting.objects.filter(
            pk=meeting.pk, status__in=[MeetingStatus.SCHEDULED, MeetingStatus.HELD]).update(
            minutes=minutes, decisions=decisions, minutes_recorded_at=now,
            status=MeetingStatus.HELD, updated_by=by, updated_at=now):
        raise StateConflict(_("The meeting was cancelled."), code="cancelled")
    meeting.participants.filter(pk__in=attended_ids).update(status=ParticipantStatus.ATTENDED)
    meeting.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.DISCHARGE_MEETING, meeting.uuid,
                 patient_uuid=meeting.admission.patient.uuid, detail="minutes")
    return meeting


@transaction.atomic
def add_follow_up_task(meeting: DischargeMeeting, *, by, description: str,
                       responsible_name: str, due_date: datetime.date,
                       responsible_user=None) -> FollowUpTask:
    _require_organizing_side(by, meeting.admission)
    if meeting.status == MeetingStatus.CANCELLED:
        raise StateConflict(_("The meeting was cancelled."), code="cancelled")
    task = FollowUpTask(meeting=meeting, description=description,
                        responsible_name=responsible_name, responsible_user=responsible_user,
                        due_date=due_date)
    task.full_clean()
    task.save()
    _touch(meeting.pk)
    audit.record(by, AuditAction.CREATE, AuditObjectType.FOLLOW_UP_TASK, task.uuid,
                 patient_uuid=meeting.admission.patient.uuid, detail=description[:200])
    if responsible_user is not None:
        notify([responsible_user], Message(
            kind="discharge_meeting.task", title=_("A follow-up task was given to you"),
            url=_meeting_url(meeting), subject_type="followuptask", subject_uuid=task.uuid,
            patient_uuid=meeting.admission.patient.uuid))
    return task


@transaction.atomic
def complete_follow_up_task(task: FollowUpTask, *, by) -> FollowUpTask:
    if task.responsible_user_id != by.pk:
        _require_organizing_side(by, task.meeting.admission)
    if not FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=timezone.now()):
        raise StateConflict(_("The task is already done."), code="already_done")
    _touch(task.meeting_id)
    task.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.FOLLOW_UP_TASK, task.uuid,
                 patient_uuid=task.meeting.admission.patient.uuid, detail="done")
    return task


PATIENT_MINUTES_MAX_LENGTH = 10_000


def _patients_meetings_page(patient: Patient) -> str:
    """The patient's own meetings page (the citizen app's route, by its name: pathways does
    not import the citizen app)."""
    return reverse("citizen:meetings", args=[patient.uuid])


@transaction.atomic
def record_patient_minutes(meeting: DischargeMeeting, *, by, text: str) -> DischargeMeeting:
    """After the meeting has started: the minutes meant for the patient (and the next of kin
    they chose), in plain language, shown on their own pages. The staff minutes and decisions
    stay with staff. The organising side writes them, as it writes the minutes; the patient
    is told by e-mail (if the portal has their address) the first time, without contents."""
    _require_organizing_side(by, meeting.admission)
    if meeting.status == MeetingStatus.CANCELLED:
        raise StateConflict(_("The meeting was cancelled."), code="cancelled")
    if meeting.scheduled_at > timezone.now():
        raise StateConflict(_("Minutes are written after the meeting has started."),
                            code="not_started")
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"minutes_for_patient": _("Write the minutes for the patient.")})
    if len(text) > PATIENT_MINUTES_MAX_LENGTH:
        raise ValidationError({"minutes_for_patient": _(
            "The text is too long: %(count)s characters, at most %(max)s.") % {
                "count": len(text), "max": PATIENT_MINUTES_MAX_LENGTH}})
    first = not meeting.minutes_for_patient
    now = timezone.now()
    if not DischargeMeeting.objects.filter(
            pk=meeting.pk, status__in=[MeetingStatus.SCHEDULED, MeetingStatus.HELD]).update(
            minutes_for_patient=text, updated_by=by, updated_at=now):
        raise StateConflict(_("The meeting was cancelled."), code="cancelled")
    meeting.refresh_from_db()
    patient = meeting.admission.patient
    audit.record(by, AuditAction.UPDATE, AuditObjectType.DISCHARGE_MEETING, meeting.uuid,
                 patient_uuid=patient.uuid, detail="minutes for the patient")
    if first and patient.email:
        # Like helsenorge: the e-mail says only that there is something to read.
        notify([], Message(
            kind="discharge_meeting.patient_minutes", title=_("New on My page"),
            body=_("There is something new for you to read. Sign in on My page to read it."),
            url=_patients_meetings_page(patient), subject_type="dischargemeeting",
            subject_uuid=meeting.uuid, patient_uuid=patient.uuid),
            channels=(NotificationChannel.EMAIL,), external_emails=[patient.email],
            dedupe=f"meeting:{meeting.uuid}:patient_minutes")
    return meeting
