"""Discharge meetings over the API: scoped by care relationship, every read audited,
scheduling, invitations, answers, minutes and tasks through pathways.services."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, negotiation, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import version_etag
from common.api.fields import detail_url
from common.api.operations import (
    READ_ERRORS,
    STEP_ERRORS,
    create_schema,
    error_responses,
    etag_header,
    list_schema,
    locked_schema,
    retrieve_schema,
    step_schema,
    uuid_path_parameter,
)
from common.api.serializers import NoInput, validated_input
from registry.models import AuditAction, AuditObjectType

from .. import access, services
from ..calendar import meeting_ics
from ..filters import DischargeMeetingFilter
from ..models import DischargeMeeting, FollowUpTask, MeetingParticipant
from .base import PatientRecordViewSet
from .serializers_meetings import (
    AddParticipantsSerializer,
    CancelSerializer,
    DischargeMeetingSerializer,
    FollowUpTaskSerializer,
    MinutesSerializer,
    ParticipantSerializer,
    RescheduleSerializer,
    RespondSerializer,
)

ETAG = etag_header("meeting's iCalendar SEQUENCE")
TASK_ID = uuid_path_parameter("task_id", "task")


class IgnoreAccept(negotiation.DefaultContentNegotiation):
    """For the .ics download: a calendar client's Accept header must not turn into a 406.
    The file itself is an HttpResponse; errors still answer with the JSON envelope."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _participant_data(participants) -> list[dict]:
    return [dict(participant) for participant in participants]


@extend_schema_view(
    list=list_schema(
        DischargeMeetingSerializer, "List discharge meetings",
        "Meetings about patients you may see (an invitation lets you see the patient until two "
        "weeks after the meeting). Every meeting on the page is recorded in the access log."),
    retrieve=retrieve_schema(
        DischargeMeetingSerializer, "A discharge meeting with participants, minutes and tasks",
        "404 both for an unknown meeting and for one outside your scope.", parameters=[ETAG]),
    create=create_schema(
        DischargeMeetingSerializer, "Schedule a discharge meeting and invite the participants",
        "The hospital's discharge planners or the municipality's coordinating unit (or their "
        "EPJ systems), while the patient is admitted. The meeting must lie in the future. "
        "Participants get an in-app notice and an e-mail with an iCalendar invitation; next "
        "of kin take part only with the patient's consent to share information.",
        location="meeting", parameters=[ETAG], errors=STEP_ERRORS),
    partial_update=locked_schema(
        {200: DischargeMeetingSerializer},
        "Reschedule (optimistic locking with If-Match on the meeting's sequence)",
        "Time, duration, place or video link. Every participant is told and earlier answers "
        "reset to invited. If-Match carries the ETag from your last read: it is the iCalendar "
        "SEQUENCE, which every reschedule and the cancellation raise, so two organisers "
        "cannot overwrite each other's change unseen.",
        etag=ETAG, request=RescheduleSerializer),
)
class DischargeMeetingViewSet(PatientRecordViewSet):
    model = DischargeMeeting
    audit_object_type = AuditObjectType.DISCHARGE_MEETING
    patient_path = "admission__patient"
    version_field = "sequence"  # the invitation's SEQUENCE: every change raises it
    scope_family = "pathways"
    serializer_class = DischargeMeetingSerializer
    filterset_class = DischargeMeetingFilter

    def scope(self, queryset):
        return (
            queryset.select_related("admission__patient", "admission__hospital", "organizer")
            .prefetch_related(
                Prefetch("participants", queryset=MeetingParticipant.objects.select_related(
                    "user", "organization", "next_of_kin")),
                Prefetch("tasks", queryset=FollowUpTask.objects.select_related(
                    "responsible_user")),
            )
            .order_by("scheduled_at", "pk")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        admission = data.pop("admission")
        participants = _participant_data(data.pop("participants", []))
        meeting = services.schedule_discharge_meeting(
            admission, by=request.user, participants=participants, **data)
        return self.record_response(
            meeting, status.HTTP_201_CREATED,
            Location=detail_url(request, "discharge-meeting-detail", meeting))

    def partial_update(self, request, *args, **kwargs):
        return self.record_response(self._step(
            request, RescheduleSerializer, services.reschedule_discharge_meeting,
            instance=self.get_object(), partial=True))

    @locked_schema({200: DischargeMeetingSerializer}, "Cancel the meeting",
                   "Every participant gets a cancellation (iCalendar METHOD:CANCEL).",
                   etag=ETAG, request=CancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, uuid=None):
        return self.record_response(self._step(request, CancelSerializer,
                                               services.cancel_discharge_meeting))

    @step_schema({201: ParticipantSerializer(many=True)}, "Invite more participants",
                 "Only they get the invitation. Answers 201 with the new participants.",
                 request=AddParticipantsSerializer)
    @action(detail=True, methods=["post"], url_path="participants")
    def add_participants(self, request, uuid=None):
        meeting = self.get_object()
        data = validated_input(self, AddParticipantsSerializer)
        created = services.add_participants(
            meeting, by=request.user, participants=_participant_data(data["participants"]))
        return Response(ParticipantSerializer(created, many=True).data,
                        status=status.HTTP_201_CREATED)

    @step_schema(
        {200: ParticipantSerializer}, "Accept or decline your invitation",
        "Answers for your own participant; an organiser may record the answer of another "
        "participant, named by its UUID in `participant`. 403 when you are not invited; 409 "
        "once the meeting has started or is cancelled.",
        request=RespondSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, uuid=None):
        meeting = self.get_object()
        data = validated_input(self, RespondSerializer)
        participants = meeting.participants.all()
        if "participant" in data:
            participant = next((p for p in participants if p.uuid == data["participant"]),
                               None)
            if participant is None:
                raise exceptions.ValidationError({"participant": [_(
                    "No such participant in this meeting.")]})
        else:
            participant = next((p for p in participants if p.user_id == request.user.pk), None)
            if participant is None:
                raise PermissionDenied(_("You are not invited to this meeting."))
        participant = services.respond_to_invitation(participant, by=request.user,
                                                     status=data["status"])
        return Response(ParticipantSerializer(participant).data)

    @step_schema(
        {200: DischargeMeetingSerializer}, "Record the minutes",
        "After the meeting has started: minutes, decisions and who attended (by participant "
        "UUID). The meeting is then held.",
        request=MinutesSerializer, parameters=[ETAG])
    @action(detail=True, methods=["post"])
    def minutes(self, request, uuid=None):
        meeting = self.get_object()
        data = validated_input(self, MinutesSerializer)
        wanted = set(data.pop("attended"))
        attended = [p for p in meeting.participants.all() if p.uuid in wanted]
        if len(attended) != len(wanted):
            raise exceptions.ValidationError({"attended": [_(
                "Only invited participants can have attended.")]})
        meeting = services.record_minutes(meeting, by=request.user, attended=attended, **data)
        return self.record_response(meeting)

    @step_schema({201: FollowUpTaskSerializer}, "Add a follow-up task",
                 "The responsible user, if any, is notified.", request=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def tasks(self, request, uuid=None):
        meeting = self.get_object()
        data = validated_input(self, FollowUpTaskSerializer)
        task = services.add_follow_up_task(meeting, by=request.user, **data)
        return Response(FollowUpTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @step_schema({200: FollowUpTaskSerializer}, "Mark a follow-up task done",
                 "The responsible user or an organiser. 409 when it is already done.",
                 errors=(401, 403, 404, 409), request=None, parameters=[TASK_ID])
    @action(detail=True, methods=["post"],
            url_path=r"tasks/(?P<task_id>[0-9a-fA-F-]{36})/complete")
    def complete_task(self, request, uuid=None, task_id=None):
        meeting = self.get_object()
        try:
            wanted = UUID(task_id)
        except ValueError as exc:
            raise exceptions.NotFound() from exc
        task = next((t for t in meeting.tasks.all() if t.uuid == wanted), None)
        if task is None:
            raise exceptions.NotFound()
        validated_input(self, NoInput)
        task = services.complete_follow_up_task(task, by=request.user)
        return Response(FollowUpTaskSerializer(task).data)

    @extend_schema(
        summary="The invitation as an iCalendar file",
        description="RFC 5545, with a stable UID and the current SEQUENCE, so calendar "
                    "programs update the event they have. It names no patient.",
        responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR),
                   **error_responses(*READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], url_path="invitation.ics",
            content_negotiation_class=IgnoreAccept)
    def invitation(self, request, uuid=None):
        meeting = self.get_object()
        self.audit_reads([meeting], action=AuditAction.EXPORT, detail="api invitation.ics")
        summary = _("Discharge meeting, %(hospital)s") % {
            "hospital": meeting.admission.hospital.name}
        response = HttpResponse(meeting_ics(meeting, summary=summary),
                                content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="invitation.ics"'
        response["ETag"] = version_etag(meeting.sequence)
        return response

    # --- helpers -------------------------------------------------------------------------------

    def _locked(self, request) -> DischargeMeeting:
        """The meeting, locked for this transaction, once the user is on an organising side
        (403 first) and If-Match names its current sequence (428, 412)."""
        return self.locked(request, may=lambda user, meeting: access.require_organizing_side(
            user, meeting.admission))

    def _step(self, request, serializer_class, step, **input_kwargs):
        """A change that raises the sequence: `step(meeting, by=user, **input)` on the
        meeting locked for it (_locked); what the step returns. `input_kwargs` go to
        validated_input (instance, partial)."""
        data = validated_input(self, serializer_class, **input_kwargs)
        with transaction.atomic():
            return step(self._locked(request), by=request.user, **data)
