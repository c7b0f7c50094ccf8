"""Requests to a municipality's coordinating unit over the API: scoped by care relationship,
every read audited, every step through coordination.services."""

from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from common.api.fields import detail_url
from common.api.operations import create_schema, list_schema, retrieve_schema, step_schema
from common.api.serializers import NoInput, validated_input
from pathways.api.base import PatientRecordViewSet
from registry.models import AuditObjectType

from .. import services
from ..filters import PlanRequestFilter
from ..models import PlanRequest
from . import serializers as s


def _step_schema(summary: str, description: str, request):
    """A step on a request: its answer is the request."""
    return step_schema({200: s.PlanRequestSerializer}, summary, description, request=request)


@extend_schema_view(
    list=list_schema(
        s.PlanRequestSerializer, "List the requests you may see",
        "Requests for patients you have a care relationship with. Every request on the page "
        "is recorded in the access log."),
    retrieve=retrieve_schema(
        s.PlanRequestSerializer, "A request for an individual plan or a coordinator",
        "404 for an unknown request and for one outside your scope alike."),
    create=create_schema(
        s.PlanRequestSerializer, "Submit a request to a municipality's coordinating unit",
        "For a patient you may see. The municipality gets a care relationship (referral) so "
        "its coordinating unit can assess the request. 409 when an open request of the same "
        "kind is there already.",
        location="request", request=s.PlanRequestCreateSerializer),
)
class PlanRequestViewSet(PatientRecordViewSet):
    model = PlanRequest
    audit_object_type = AuditObjectType.PLAN_REQUEST
    version_field = None  # its steps are transitions, each checked by its service
    scope_family = "coordination"
    serializer_class = s.PlanRequestSerializer
    filterset_class = PlanRequestFilter

    def scope(self, queryset):
        return (queryset.select_related("patient", "municipality", "decided_by",
                                        "early_notification", "plan")
                .order_by("received_at", "pk"))

    def create(self, request, *args, **kwargs):
        data = validated_input(self, s.PlanRequestCreateSerializer)
        plan_request = services.submit_plan_request(by=request.user, **data)
        return self.record_response(
            plan_request, status.HTTP_201_CREATED,
            Location=detail_url(request, "plan-request-detail", plan_request))

    @_step_schema("Start assessing the request",
                  "The municipality's coordinating unit only.", request=None)
    @action(detail=True, methods=["post"], url_path="start-assessment")
    def start_assessment(self, request, uuid=None):
        return self._step(request, NoInput, services.start_assessment)

    @_step_schema(
        "Accept the request and appoint the coordinator",
        "The coordinating unit of the request's municipality. A request for a plan or a "
        "coordinator needs `coordinator` (one of the municipality's, active and with room "
        "unless allow_over_capacity). The answer's `plan` names the plan opened.",
        request=s.AcceptSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, uuid=None):
        return self._step(request, s.AcceptSerializer, services.accept_request)

    @_step_schema(
        "Decline the request, with the reason",
        "Declining a plan request needs coordinator_offered (or a coordinator the patient "
        "accepted instead). The patient may appeal.",
        request=s.DeclineSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, uuid=None):
        return self._step(request, s.DeclineSerializer, services.decline_request)

    @_step_schema("Record the patient's appeal of a decline",
                  "Once per request; the request is under assessment again.",
                  request=s.AppealSerializer)
    @action(detail=True, methods=["post"])
    def appeal(self, request, uuid=None):
        return self._step(request, s.AppealSerializer, services.record_appeal)

    def _step(self, request, serializer_class, step):
        """`step(plan_request, by=user, **input)`; the answer is the request as it is then."""
        plan_request = self.get_object()
        data = validated_input(self, serializer_class)
        step(plan_request, by=request.user, **data)
        return self.record_response(plan_request)
