"""Early notifications (tidligmelding) over the API: every version of an admission's notice,
scoped by care relationship, every read audited, sending and acknowledging by services."""

from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry.models import Membership
from rehab_portal.api_base import (
    NoInput,
    UuidLookupMixin,
    error_responses,
    location_header,
    validated_input,
)
from rehab_portal.lean import LeanList

from .. import access, services
from ..filters import EarlyNotificationFilter
from ..models import EarlyNotification, NoticeState
from .common import display_name_column, log_reads, log_row_reads
from .serializers_notices import DraftQuerySerializer, EarlyNotificationSerializer

# What the list reads besides its fields: the audit's and the sync cursor's.
LEAN_NOTICE_COLUMNS = ("uuid", "admission__patient", "admission__patient__uuid", "updated_at")

CREATE_DESCRIPTION = """\
The admitting hospital's discharge planners or EPJ system send the notice; the
municipality's coordinating unit is notified at once. Nothing in the content is required:
a notice on time with unknowns beats a complete one too late. The first notice is `new`
and is `late` when sent after the deadline; later versions say how they relate
(`change`, `addition`, `cancel`, `replaces`).

With `state: draft` (or `?draft=true`) the content is saved as the ward's draft instead:
201 for a new draft, 200 when it updates the existing one. Sending later sends the draft,
with whatever the request adds.
"""


@extend_schema_view(
    list=extend_schema(
        summary="List early notifications",
        description="Every version of the notices about patients you may see; filter with "
                    "`admission=<uuid>` for one admission's history, oldest version first. "
                    "Drafts are shown to the admitting hospital only. Every notice on the page "
                    "is recorded in the access log.",
        responses={200: EarlyNotificationSerializer(many=True),
                   **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="An early notification",
        description="404 both for an unknown notice and for one outside your scope.",
        responses={200: EarlyNotificationSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Send an early notification (or save a draft)",
        description=CREATE_DESCRIPTION,
        parameters=[
            OpenApiParameter("draft", bool, OpenApiParameter.QUERY,
                             description="true saves a draft, like state=draft in the body."),
            location_header("notice"),
        ],
        request=EarlyNotificationSerializer,
        responses={201: EarlyNotificationSerializer, 200: EarlyNotificationSerializer,
                   **error_responses(400, 401, 403, 409, 413)},
    ),
)
class EarlyNotificationViewSet(UuidLookupMixin, mixins.ListModelMixin,
                               mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_family = "pathways"
    serializer_class = EarlyNotificationSerializer
    filterset_class = EarlyNotificationFilter

    def get_queryset(self):
        user = self.request.user
        if not user.is_authenticated:
            return EarlyNotification.objects.none()
        # A draft is the ward's work in progress: only the admitting hospital sees it.
        hospitals = Membership.objects.filter(
            user=user, role__in=access.HOSPITAL_ROLES).values("organization_id")
        return (
            EarlyNotification.objects.visible_to(user)
            .filter(Q(state=NoticeState.SENT) | Q(admission__hospital_id__in=hospitals))
            .select_related("admission__patient", "proposed_level", "sent_by",
                            "acknowledged_by")
            .order_by("admission_id", "sequence")
        )

    def list(self, request, *args, **kwargs):
        # The serializer's JSON from the columns it shows, without model instances.
        lean = LeanList(self.get_serializer(), self.filter_queryset(self.get_queryset()),
                        computed={"sent_by": display_name_column("sent_by"),
                                  "acknowledged_by": display_name_column("acknowledged_by")},
                        also=LEAN_NOTICE_COLUMNS)
        page = lean.page(self)
        log_row_reads(request.user, page, object_type="earlynotification",
                      patient="admission__patient")
        return self.get_paginated_response(lean.represent(page))

    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        log_reads(request.user, [notice], object_type="earlynotification",
                  patient_of=lambda n: n.admission.patient)
        return Response(self.get_serializer(notice).data)

    def create(self, request, *args, **kwargs):
        query = DraftQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        content = dict(serializer.validated_data)
        admission = content.pop("admission")
        state = content.pop("state")
        message_status = content.pop("message_status", None)
        status_code = status.HTTP_201_CREATED
        if query.validated_data["draft"] or state == NoticeState.DRAFT:
            if admission.early_notifications.filter(state=NoticeState.DRAFT).exists():
                status_code = status.HTTP_200_OK
            notice = services.save_draft(admission, by=request.user, **content)
        else:
            notice = services.send_early_notification(
                admission, by=request.user, message_status=message_status, **content)
        notice = self.get_queryset().get(pk=notice.pk)
        location = request.build_absolute_uri(
            reverse("early-notification-detail", kwargs={"uuid": notice.uuid}))
        return Response(self.get_serializer(notice).data, status=status_code,
                        headers={"Location": location})

    @extend_schema(
        summary="Acknowledge a notice for the municipality",
        description="The responsible municipality's coordinating unit (or its EPJ system) "
                    "confirms it has read the notice; the hospital sees who and when. A second "
                    "acknowledgement answers 409 naming who acknowledged first, and when.",
        request=None,
        responses={200: EarlyNotificationSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, uuid=None):
        notice = self.get_object()
        validated_input(self, NoInput)
        notice = services.acknowledge_early_notification(notice, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=notice.pk)).data)
