"""Appointment: a discharge meeting with its organiser and participants; AppointmentResponse:
one participant's answer to the invitation."""

import datetime

from django.utils import timezone

from pathways.models import (
    DischargeMeeting,
    MeetingParticipant,
    MeetingStatus,
    ParticipantKind,
    ParticipantStatus,
    Patient,
)

from ._common import compact, day, instant, meta, org_ref, patient_ref, ref

APPOINTMENT_STATUS = {
    MeetingStatus.SCHEDULED: "booked",
    MeetingStatus.HELD: "fulfilled",
    MeetingStatus.CANCELLED: "cancelled",
}
PARTICIPATION_STATUS = {
    ParticipantStatus.INVITED: "needs-action",
    ParticipantStatus.ACCEPTED: "accepted",
    ParticipantStatus.DECLINED: "declined",
    ParticipantStatus.ATTENDED: "accepted",
}


def _participant_actor(participant: MeetingParticipant, patient: Patient) -> dict:
    if participant.kind == ParticipantKind.PATIENT:
        return patient_ref(patient)
    if participant.organization_id:
        return {**org_ref(participant.organization), "display":
                f"{participant.name} ({participant.organization.name})"}
    return {"display": participant.name or str(participant.get_kind_display())}


def meeting_end(meeting: DischargeMeeting) -> datetime.datetime:
    return meeting.scheduled_at + datetime.timedelta(minutes=meeting.duration_minutes)


def appointment(meeting: DischargeMeeting) -> dict:
    patient = meeting.admission.patient
    participants = [{
        "type": [{"text": str(p.get_kind_display())}],
        "actor": _participant_actor(p, patient),
        "required": "required",
        "status": PARTICIPATION_STATUS[p.status],
    } for p in meeting.participants.all()]
    participants.insert(0, {"type": [{"text": "Organiser"}],
                            "actor": {"display": meeting.organizer.display_name()},
                            "required": "required", "status": "accepted"})
    where = ", ".join(part for part in (meeting.location, meeting.video_link) if part)
    return compact({
        "resourceType": "Appointment",
        "id": str(meeting.uuid),
        "meta": meta(meeting.updated_at, meeting.sequence),
        "status": APPOINTMENT_STATUS[meeting.status],
        "appointmentType": {"text": "Discharge meeting"},
        "description": "Interdisciplinary discharge meeting",
        "supportingInformation": [ref("Encounter", meeting.admission)],
        "start": instant(meeting.scheduled_at),
        "end": instant(meeting_end(meeting)),
        "minutesDuration": meeting.duration_minutes,
        "created": day(timezone.localtime(meeting.created_at).date()),
        "comment": where,
        "participant": participants,
    })


def appointment_response(participant: MeetingParticipant) -> dict:
    meeting = participant.meeting
    return compact({
        "resourceType": "AppointmentResponse",
        "id": str(participant.uuid),
        "meta": meta(meeting.updated_at),
        "appointment": ref("Appointment", meeting),
        "start": instant(meeting.scheduled_at),
        "end": instant(meeting_end(meeting)),
        "participantType": [{"text": str(participant.get_kind_display())}],
        "actor": _participant_actor(participant, meeting.admission.patient),
        "participantStatus": PARTICIPATION_STATUS[participant.status],
    })
