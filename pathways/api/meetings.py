"""Discharge meetings over the API: scoped by care relationship, every read audited,
scheduling, invitations, answers, minutes and tasks through pathways.services."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, negotiation, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import version_etag
from common.api.schema import IF_MATCH_HEADER, error_responses, etag_header, location_header
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
STEP_ERRORS = error_responses(400, 401, 403, 404, 409, 413)
TASK_ID = OpenApiParameter("task_id", OpenApiTypes.UUID, OpenApiParameter.PATH,
                           description="The task's UUID.")


class IgnoreAccept(negotiation.DefaultContentNegotiation):
    """For the .ics download: a calendar client's Accept header must not turn into a 406.
    The file itself is an HttpResponse; errors still answer with the JSON envelope."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _participant_data(participants) -> list[dict]:
    return [dict(participant) for participant in participants]


@extend_schema_view(
    list=extend_schema(
        summary="List discharge meetings",
        description="Meetings about patients you may see (an invitation lets you see the "
                    "patient until two weeks after the meeting). Every meeting on the page is "
                    "recorded in the access log.",
        responses={200: DischargeMeetingSerializer(many=True),
                   **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="A discharge meeting with participants, minutes and tasks",
        description="404 both for an unknown meeting and for one outside your scope.",
        parameters=[ETAG],
        responses={200: DischargeMeetingSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Schedule a discharge meeting and invite the participants",
        description="The hospital's discharge planners or the municipality's coordinating unit "
                    "(or their EPJ systems), while the patient is admitted. The meeting must "
                    "lie in the future. Participants get an in-app notice and an e-mail with "
                    "an iCalendar invitation; next of kin take part only with the patient's "
                    "consent to share information.",
        parameters=[ETAG, location_header("meeting")],
        responses={201: DischargeMeetingSerializer, **STEP_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Reschedule (optimistic locking with If-Match on the meeting's sequence)",
        description="Time, duration, place or video link. Every participant is told and "
                    "earlier answers reset to invited. If-Match carries the ETag from your last "
                    "read: it is the iCalendar SEQUENCE, which every reschedule and the "
                    "cancellation raise, so two organisers cannot overwrite each other's "
                    "change unseen.",
        request=RescheduleSerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={200: DischargeMeetingSerializer,
                   **error_responses(400, 401, 403, 404, 409, 412, 413, 428)},
    ),
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
        location = request.build_absolute_uri(
            reverse("discharge-meeting-detail", kwargs={"uuid": meeting.uuid}))
        return self.record_response(meeting, status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request, *args, **kwargs):
        data = validated_input(self, RescheduleSerializer, instance=self.get_object(),
                               partial=True)
        with transaction.atomic():
            meeting = services.reschedule_discharge_meeting(self._locked(request),
                                                            by=request.user, **data)
        return self.record_response(meeting)

    @extend_schema(
        summary="Cancel the meeting",
        description="Every participant gets a cancellation (iCalendar METHOD:CANCEL).",
        request=CancelSerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={200: DischargeMeetingSerializer,
                   **error_responses(400, 401, 403, 404, 409, 412, 413, 428)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, uuid=None):
        data = validated_input(self, CancelSerializer)
        with transaction.atomic():
            meeting = services.cancel_discharge_meeting(self._locked(request), by=request.user,
                                                        **data)
        return self.record_response(meeting)

    @extend_schema(
        summary="Invite more participants",
        description="Only they get the invitation. Answers 201 with the new participants.",
        request=AddParticipantsSerializer,
        responses={201: ParticipantSerializer(many=True), **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="participants")
    def add_participants(self, request, uuid=None):
        meeting = self.get_object()
        data = validated_input(self, AddParticipantsSerializer)
        created = services.add_participants(
            meeting, by=request.user, participants=_participant_data(data["participants"]))
        return Response(ParticipantSerializer(created, many=True).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept or decline your invitation",
        description="Answers for your own participant; an organiser may record the answer of "
                    "another participant, named by its UUID in `participant`. 403 when you "
                    "are not invited; 409 once the meeting has started or is cancelled.",
        request=RespondSerializer,
        responses={200: ParticipantSerializer, **STEP_ERRORS},
    )
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

    @extend_schema(
        summary="Record the minutes",
        description="After the meeting has started: minutes, decisions and who attended (by "
                    "participant UUID). The meeting is then held.",
        request=MinutesSerializer,
        parameters=[ETAG],
        responses={200: DischargeMeetingSerializer, **STEP_ERRORS},
    )
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

    @extend_schema(
        summary="Add a follow-up task",
        description="The responsible user, if any, is notified.",
        request=FollowUpTaskSerializer,
        responses={201: FollowUpTaskSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def tasks(self, request, uuid=None):
        meeting = self.get_object()
        data = validated_input(self, FollowUpTaskSerializer)
        task = services.add_follow_up_task(meeting, by=request.user, **data)
        return Response(FollowUpTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a follow-up task done",
        description="The responsible user or an organiser. 409 when it is already done.",
        request=None,
        parameters=[TASK_ID],
        responses={200: FollowUpTaskSerializer, **error_responses(401, 403, 404, 409)},
    )
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
                   **error_responses(401, 404)},
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
