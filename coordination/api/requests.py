"""Requests to a municipality's coordinating unit over the API: scoped by care relationship,
every read audited, every step through coordination.services."""


from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from common.api.schema import error_responses, location_header
from common.api.serializers import NoInput, validated_input
from pathways.api.base import PatientRecordViewSet
from registry.models import AuditObjectType

from .. import services
from ..filters import PlanRequestFilter
from ..models import (
    PlanRequest,
)
from . import serializers as s

STEP_ERRORS = error_responses(400, 401, 403, 404, 409, 413)

@extend_schema_view(
    list=extend_schema(
        summary="List the requests you may see",
        description="Requests for patients you have a care relationship with. Every request "
                    "on the page is recorded in the access log.",
        responses={200: s.PlanRequestSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="A request for an individual plan or a coordinator",
        description="404 for an unknown request and for one outside your scope alike.",
        responses={200: s.PlanRequestSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Submit a request to a municipality's coordinating unit",
        description="For a patient you may see. The municipality gets a care relationship "
                    "(referral) so its coordinating unit can assess the request. 409 when "
                    "an open request of the same kind is there already.",
        request=s.PlanRequestCreateSerializer,
        parameters=[location_header("request")],
        responses={201: s.PlanRequestSerializer, **error_responses(400, 401, 403, 409, 413)},
    ),
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
        location = request.build_absolute_uri(
            reverse("plan-request-detail", kwargs={"uuid": plan_request.uuid}))
        return self.record_response(plan_request, status.HTTP_201_CREATED, Location=location)

    @extend_schema(summary="Start assessing the request", request=None,
                   description="The municipality's coordinating unit only.",
                   responses={200: s.PlanRequestSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"], url_path="start-assessment")
    def start_assessment(self, request, uuid=None):
        plan_request = self.get_object()
        validated_input(self, NoInput)
        plan_request = services.start_assessment(plan_request, by=request.user)
        return self.record_response(plan_request)

    @extend_schema(
        summary="Accept the request and appoint the coordinator",
        description="The coordinating unit of the request's municipality. A request for a "
                    "plan or a coordinator needs `coordinator` (one of the municipality's, "
                    "active and with room unless allow_over_capacity). The answer's `plan` "
                    "names the plan opened.",
        request=s.AcceptSerializer, responses={200: s.PlanRequestSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, uuid=None):
        plan_request = self.get_object()
        data = validated_input(self, s.AcceptSerializer)
        services.accept_request(plan_request, by=request.user, **data)
        return self.record_response(plan_request)

    @extend_schema(
        summary="Decline the request, with the reason",
        description="Declining a plan request needs coordinator_offered (or a coordinator "
                    "the patient accepted instead). The patient may appeal.",
        request=s.DeclineSerializer, responses={200: s.PlanRequestSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, uuid=None):
        plan_request = self.get_object()
        data = validated_input(self, s.DeclineSerializer)
        services.decline_request(plan_request, by=request.user, **data)
        return self.record_response(plan_request)

    @extend_schema(
        summary="Record the patient's appeal of a decline",
        description="Once per request; the request is under assessment again.",
        request=s.AppealSerializer, responses={200: s.PlanRequestSerializer, **STEP_ERRORS})
    @action(detail=True, methods=["post"])
    def appeal(self, request, uuid=None):
        plan_request = self.get_object()
        data = validated_input(self, s.AppealSerializer)
        services.record_appeal(plan_request, by=request.user, **data)
        return self.record_response(plan_request)
