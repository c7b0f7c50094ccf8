"""Appointment: the discharge meetings the user may see; AppointmentResponse: their
participants' answers, in the meetings' order."""

from django.db.models import Prefetch

from pathways.models import DischargeMeeting, MeetingParticipant
from registry.models import AuditObjectType

from .. import mapping as m
from .base import Handler


class AppointmentHandler(Handler):
    type, family, audit_type = "Appointment", "pathways", AuditObjectType.DISCHARGE_MEETING
    status_map = m.APPOINTMENT_STATUS
    patient_path = "admission__patient"

    def base(self, user):
        return (DischargeMeeting.objects.visible_to(user)
                .select_related("admission__patient", "organizer")
                .prefetch_related(Prefetch("participants",
                                           queryset=MeetingParticipant.objects.select_related(
                                               "organization"))))

    def to_fhir(self, obj):
        return m.appointment(obj)


class AppointmentResponseHandler(Handler):
    type, family = "AppointmentResponse", "pathways"
    audit_type = AuditObjectType.MEETING_PARTICIPANT
    status_param = "part-status"
    status_map = m.PARTICIPATION_STATUS
    patient_path = "meeting__admission__patient"
    last_updated = "meeting__updated_at"
    references = {"appointment": ("Appointment", "meeting",
                                  "Appointment/<id>: the answers to one meeting's invitation.")}
    # The meeting's sync index in a join, then the answers of one meeting.
    order = ("meeting__updated_at", "meeting__uuid", "uuid")

    def base(self, user):
        return (MeetingParticipant.objects
                .filter(meeting__in=DischargeMeeting.objects.visible_to(user))
                .select_related("meeting__admission__patient", "organization"))

    def to_fhir(self, obj):
        return m.appointment_response(obj)
