"""The citizen's side of a discharge meeting: the patient (or the next of kin they gave
"meetings") answers their own invitation and writes what they want to talk about.

Whose invitation: the patient acts on the meeting's participant row of kind PATIENT; a
next-of-kin representative on the NEXT_OF_KIN row of their own next of kin. Anyone else
with the door to the meetings (a parent, a guardian, a next of kin who is not invited) sees
the meeting without answering: nobody is invited in another person's name. Access is
pathways.citizen_access's; each step is audited and tells the organiser (no health data,
no name: only that the patient or a next of kin answered)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from registry import audit
from registry.models import AuditAction, AuditObjectType
from registry.notifications import Message, notify

from .. import citizen_access, links
from ..citizen_access import CitizenAccess
from ..models import (
    DischargeMeeting,
    MeetingParticipant,
    MeetingStatus,
    ParticipantKind,
    ParticipantStatus,
)

TOPICS_MAX_LENGTH = MeetingParticipant._meta.get_field("topics").max_length


def own_participant(access: CitizenAccess, participants) -> MeetingParticipant | None:
    """The participant row this citizen answers for among a meeting's `participants`: the
    patient's own, or the representative's next-of-kin row; None when not invited."""
    if access.is_patient:
        return next((p for p in participants if p.kind == ParticipantKind.PATIENT), None)
    next_of_kin_id = access.representation.next_of_kin_id
    if next_of_kin_id is None:
        return None
    return next((p for p in participants if p.kind == ParticipantKind.NEXT_OF_KIN
                 and p.next_of_kin_id == next_of_kin_id), None)


def who(access: CitizenAccess) -> str:
    """The audit's word for the citizen: the patient, or the kind of representative."""
    return "patient" if access.is_patient else f"representative: {access.representation.kind}"


def _require_own(participant: MeetingParticipant, by) -> CitizenAccess:
    patient = participant.meeting.admission.patient
    access = citizen_access.require_part(by, patient, "meetings")
    if own_participant(access, [participant]) is None:
        raise PermissionDenied(_("This invitation is not yours to answer."))
    return access


def _require_ahead(meeting: DischargeMeeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise StateConflict(_("The meeting is cancelled."), code="cancelled")
    if meeting.status != MeetingStatus.SCHEDULED or meeting.scheduled_at <= timezone.now():
        raise StateConflict(_("The meeting has started, so it can no longer be answered."),
                            code="not_scheduled")


def _tell_organizer(meeting: DischargeMeeting, participant: MeetingParticipant, kind: str,
                    title: str, body: str) -> None:
    notify([meeting.organizer], Message(
        kind=kind, title=title, body=body, url=links.meeting_url(meeting.uuid),
        subject_type="meetingparticipant", subject_uuid=participant.uuid,
        patient_uuid=meeting.admission.patient.uuid))


def _lines(text: str | None) -> str:
    """Stripped, with one kind of line break (a browser sends a textarea's as CRLF)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _touch(meeting: DischargeMeeting) -> None:
    DischargeMeeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now())


@transaction.atomic
def citizen_respond(participant: MeetingParticipant, by, accept: bool,
                    expected_status: str | None = None,
                    expected_sequence: int | None = None) -> MeetingParticipant:
    """The patient or their next of kin accepts or declines their own invitation.

    `expected_status` and `expected_sequence` are the answer and the meeting's version the
    citizen saw: if the organiser recorded another answer, or moved the meeting, meanwhile,
    nothing is written and they are asked to look again."""
    access = _require_own(participant, by)
    meeting = participant.meeting
    _require_ahead(meeting)
    status = ParticipantStatus.ACCEPTED if accept else ParticipantStatus.DECLINED
    now = timezone.now()
    rows = MeetingParticipant.objects.filter(pk=participant.pk,
                                             meeting__status=MeetingStatus.SCHEDULED,
                                             meeting__scheduled_at__gt=now)
    if expected_sequence is not None:
        rows = rows.filter(meeting__sequence=expected_sequence)
    if expected_status is not None:
        rows = rows.filter(status=expected_status)
    if not rows.update(status=status, responded_at=now):
        meeting.refresh_from_db()
        _require_ahead(meeting)
        if expected_sequence is not None and meeting.sequence != expected_sequence:
            raise StateConflict(_("The meeting was changed meanwhile. See the new time and "
                                  "answer again."), code="meeting_changed")
        raise StateConflict(_("Your answer was changed meanwhile. See it and answer again."),
                            code="stale")
    _touch(meeting)
    participant.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.MEETING_PARTICIPANT, participant.uuid,
                 patient_uuid=meeting.admission.patient.uuid,
                 detail=f"{status} by the {who(access)}")
    if access.is_patient:
        body = (_("The patient accepted the invitation.") if accept
                else _("The patient declined the invitation."))
    else:
        body = (_("A next of kin accepted the invitation.") if accept
                else _("A next of kin declined the invitation."))
    _tell_organizer(meeting, participant, "discharge_meeting.citizen_answer",
                    _("Answer to a discharge meeting invitation"), body)
    return participant


@transaction.atomic
def citizen_add_topics(participant: MeetingParticipant, by, text: str,
                       expected: str | None = None) -> MeetingParticipant:
    """What the patient or their next of kin wants to talk about in the meeting (replaces
    what they wrote before; empty clears it). `expected` is the text as they read it: a
    change meanwhile (from another tab or device) is not overwritten."""
    access = _require_own(participant, by)
    meeting = participant.meeting
    _require_ahead(meeting)
    text = _lines(text)
    if len(text) > TOPICS_MAX_LENGTH:
        raise ValidationError({"topics": _(
            "The text is too long: %(count)s characters, at most %(max)s.") % {
                "count": len(text), "max": TOPICS_MAX_LENGTH}})
    rows = MeetingParticipant.objects.filter(pk=participant.pk)
    if expected is not None:
        rows = rows.filter(topics=_lines(expected))
    if not rows.update(topics=text):
        raise StateConflict(_("What you wrote was changed meanwhile (on another screen?). "
                              "See the text now saved, and change it again if needed."),
                            code="stale", field="topics")
    _touch(meeting)
    participant.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.MEETING_PARTICIPANT, participant.uuid,
                 patient_uuid=meeting.admission.patient.uuid,
                 detail=f"topics by the {who(access)}")
    if text:
        body = (_("The patient wrote what they want to talk about.") if access.is_patient
                else _("A next of kin wrote what they want to talk about."))
        _tell_organizer(meeting, participant, "discharge_meeting.citizen_topics",
                        _("Topics for a discharge meeting"), body)
    return participant
