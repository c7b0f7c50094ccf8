"""Early notifications (tidligmelding) over the API: every version of an admission's notice,
scoped by care relationship, every read audited, sending and acknowledging by services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from common.api.fields import detail_url
from common.api.operations import create_schema, error_responses, list_schema, retrieve_schema
from common.api.serializers import NoInput, validated_input
from registry.models import AuditObjectType

from .. import services
from ..filters import EarlyNotificationFilter
from ..models import EarlyNotification, NoticeState
from .base import PatientRecordViewSet
from .common import display_name_column
from .serializers_notices import DraftQuerySerializer, EarlyNotificationSerializer

CREATE_DESCRIPTION = """\
The admitting hospital's discharge planners or EPJ system send the notice; the
municipality's coordinating unit is notified at once. Nothing in the content is required:
a notice on time with unknowns beats a complete one too late. The first notice is `new`
and is `late` when sent after the deadline; a later version is a `change` unless its
`message_status` says `addition`, `replaces` or `cancel` (a cancellation is only sent when
asked for). `new` on a later version is a 400 naming `message_status`.

With `state: draft` (or `?draft=true`) the content is saved as the ward's draft instead:
201 for a new draft, 200 when it updates the existing one. Sending later sends the draft,
with whatever the request adds.
"""


@extend_schema_view(
    list=list_schema(
        EarlyNotificationSerializer, "List early notifications",
        "Every version of the notices about patients you may see; filter with "
        "`admission=<uuid>` for one admission's history, oldest version first. Drafts are "
        "shown to the admitting hospital only. Every notice on the page is recorded in the "
        "access log."),
    retrieve=retrieve_schema(
        EarlyNotificationSerializer, "An early notification",
        "404 both for an unknown notice and for one outside your scope."),
    create=create_schema(
        EarlyNotificationSerializer, "Send an early notification (or save a draft)",
        CREATE_DESCRIPTION, location="notice",
        parameters=[OpenApiParameter("draft", bool, OpenApiParameter.QUERY,
                                     description="true saves a draft, like state=draft in "
                                                 "the body.")],
        request=EarlyNotificationSerializer, also={200: EarlyNotificationSerializer}),
)
class EarlyNotificationViewSet(PatientRecordViewSet):
    model = EarlyNotification
    audit_object_type = AuditObjectType.EARLY_NOTIFICATION
    patient_path = "admission__patient"
    version_field = None  # a sent notice is never changed: a new version is a new notice
    scope_family = "pathways"
    serializer_class = EarlyNotificationSerializer
    filterset_class = EarlyNotificationFilter
    lean_computed = {"sent_by": display_name_column("sent_by"),
                     "acknowledged_by": display_name_column("acknowledged_by")}

    def scope(self, queryset):
        return (
            queryset.select_related("admission__patient", "proposed_level", "sent_by",
                            "acknowledged_by")
            .order_by("admission_id", "sequence")
        )

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
        return self.record_response(
            notice, status_code, Location=detail_url(request, "early-notification-detail", notice))

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
        return self.record_response(notice)
