"""Pathway variants over the API: the variants themselves (reference data), the enrolments
of admissions in them and the activities of their shared plans. Enrolments and activities
are scoped by care relationship and every read is audited (PatientRecordViewSet); every
step goes through pathways.services.variants, the handover, the end and recording an
activity under If-Match on the version read."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action

from common.api.fields import detail_url
from common.api.operations import (
    STEP_ERRORS,
    create_schema,
    etag_header,
    list_schema,
    locked_schema,
    retrieve_schema,
)
from common.api.pagination import CURSOR_PARAM, PortalPagination
from common.api.serializers import validated_input
from registry.models import AuditObjectType

from ..filters import PathwayActivityFilter, PathwayEnrolmentFilter
from ..models import (
    PathwayActivity,
    PathwayEnrolment,
    PathwayVariant,
    ProviderSide,
    VariantActivityKind,
)
from ..services import variants as services
from .base import PatientRecordViewSet
from .serializers_variants import (
    EndEnrolmentSerializer,
    HandOverSerializer,
    PathwayActivitySerializer,
    PathwayEnrolmentSerializer,
    PathwayVariantSerializer,
    RecordActivitySerializer,
)

ENROLMENT_ETAG = etag_header("enrolment's version")
ACTIVITY_ETAG = etag_header("activity's version")


class VariantPagination(PortalPagination):
    """Pages like every list; no sync cursor (the variants have no UUIDs and change in the
    admin now and then)."""

    def paginate_queryset(self, queryset, request, view=None, **kwargs):
        if CURSOR_PARAM in request.query_params:
            raise exceptions.ValidationError({CURSOR_PARAM: [_(
                "The pathway variants are read by page; they have no sync cursor.")]})
        return super().paginate_queryset(queryset, request, view, **kwargs)

    def get_schema_operation_parameters(self, view):
        return [p for p in super().get_schema_operation_parameters(view)
                if p["name"] != CURSOR_PARAM]


@extend_schema_view(
    list=list_schema(
        PathwayVariantSerializer, "List the pathway variants",
        "Reference data, the same for everyone: early supported discharge, the cancer pathway "
        "home, and whatever variants the administrators add, each with the kinds of activity "
        "it plans and the side that provides them."),
    retrieve=retrieve_schema(PathwayVariantSerializer,
                             "A pathway variant and its kinds of activity",
                             "By its code; 404 for an unknown one."),
)
class PathwayVariantViewSet(viewsets.ReadOnlyModelViewSet):
    """The variants are reference data kept in the admin; a new one is rows, not code."""

    scope_family = "pathways"
    serializer_class = PathwayVariantSerializer
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9][a-z0-9-]*"  # a slug: nothing else reaches the database
    pagination_class = VariantPagination
    queryset = PathwayVariant.objects.prefetch_related(Prefetch(
        "activity_kinds", queryset=VariantActivityKind.objects.order_by("sort_order", "pk")),
    ).order_by("name", "pk")


@extend_schema_view(
    list=list_schema(
        PathwayEnrolmentSerializer, "List the enrolments in pathway variants",
        "Patients you may see who follow a pathway variant such as early supported "
        "discharge: the admitting hospital's team and the municipality share one plan of home "
        "rehabilitation until the team hands it over. Every enrolment on the page is recorded "
        "in the access log."),
    retrieve=retrieve_schema(
        PathwayEnrolmentSerializer, "An enrolment in a pathway variant",
        "404 both for an unknown enrolment and for one outside your scope. Its activities: "
        "`activities` (the pathway activities filtered by it).", parameters=[ENROLMENT_ETAG]),
    create=create_schema(
        PathwayEnrolmentSerializer, "Enrol an admission's patient in a pathway variant",
        "The admitting hospital's discharge planners or EPJ system, while the patient is in "
        "hospital or after discharge (not after death or transfer). A patient follows one "
        "variant at a time (409). The hospital's team and the responsible municipality share "
        "the plan from now on.", location="enrolment", parameters=[ENROLMENT_ETAG]),
)
class PathwayEnrolmentViewSet(PatientRecordViewSet):
    model = PathwayEnrolment
    audit_object_type = AuditObjectType.PATHWAY_ENROLMENT
    patient_path = "admission__patient"
    scope_family = "pathways"
    serializer_class = PathwayEnrolmentSerializer
    filterset_class = PathwayEnrolmentFilter

    def scope(self, queryset):
        return queryset.select_related(
            "admission__patient", "variant", "team_organization", "municipality",
            "handed_over_by", "ended_by").order_by("-started_at", "-pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        enrolment = services.enrol(data.pop("admission"), by=request.user, **data)
        return self.record_response(
            enrolment, status.HTTP_201_CREATED,
            Location=detail_url(request, "pathway-enrolment-detail", enrolment))

    @locked_schema(
        {200: PathwayEnrolmentSerializer}, "Hand the plan over to the municipality",
        "The hospital's team (its discharge planners or EPJ system), once the team's planned "
        "activities are recorded as done or cancelled (409 before). Afterwards the team reads "
        "the plan but changes nothing (409); the municipality goes on with its activities.",
        etag=ENROLMENT_ETAG, request=HandOverSerializer)
    @action(detail=True, methods=["post"], url_path="handover")
    def handover(self, request, uuid=None):
        return self._step(request, HandOverSerializer, services.hand_over,
                          may=lambda user, enrolment: services.require_side(
                              user, enrolment, ProviderSide.HOSPITAL_TEAM))

    @locked_schema(
        {200: PathwayEnrolmentSerializer}, "End the pathway",
        "Either side while it is active; after the handover the municipality. Activities "
        "still planned are cancelled; nothing changes afterwards (409).",
        etag=ENROLMENT_ETAG, request=EndEnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, uuid=None):
        return self._step(request, EndEnrolmentSerializer, services.end_enrolment,
                          may=services.require_either_side)

    def _step(self, request, serializer_class, step, may):
        """`step(enrolment, by=user, expected_version=..., **input)` on the enrolment locked
        once `may` lets the user (403 first) and If-Match names its current version (428,
        412)."""
        data = validated_input(self, serializer_class)
        with transaction.atomic():
            enrolment = self.locked(request, may=may)
            enrolment = step(enrolment, by=request.user, expected_version=enrolment.version,
                             **data)
        return self.record_response(enrolment)


@extend_schema_view(
    list=list_schema(
        PathwayActivitySerializer, "List the activities of pathway variants' plans",
        "Home visits, day-unit days, municipal visits ... of the plans of patients you may "
        "see; filter with `enrolment=<uuid>` for one plan, `side` for one side's. Every "
        "activity on the page is recorded in the access log."),
    retrieve=retrieve_schema(PathwayActivitySerializer, "An activity of a shared plan",
                             parameters=[ACTIVITY_ETAG]),
    create=create_schema(
        PathwayActivitySerializer, "Plan an activity",
        "By the side that provides it (`kind`, one of the variant's activity codes): the "
        "hospital's planners or EPJ system for the team's, the municipality's coordinating "
        "unit or EPJ system for the municipality's. After the handover the team plans "
        "nothing (409).", location="activity", parameters=[ACTIVITY_ETAG],
        errors=STEP_ERRORS),
)
class PathwayActivityViewSet(PatientRecordViewSet):
    model = PathwayActivity
    audit_object_type = AuditObjectType.PATHWAY_ACTIVITY
    patient_path = "enrolment__admission__patient"
    scope_family = "pathways"
    serializer_class = PathwayActivitySerializer
    filterset_class = PathwayActivityFilter

    def scope(self, queryset):
        return queryset.select_related(
            "enrolment__admission__patient", "enrolment__variant",
            "enrolment__team_organization", "enrolment__municipality", "kind", "provider",
            "recorded_by").order_by("scheduled_at", "pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        activity = services.schedule_activity(data.pop("enrolment"), by=request.user, **data)
        return self.record_response(
            activity, status.HTTP_201_CREATED,
            Location=detail_url(request, "pathway-activity-detail", activity))

    @locked_schema(
        {200: PathwayActivitySerializer}, "Record the activity as done or cancelled",
        "By the side that provides it, once: a second record is a 409. `done_at` defaults to "
        "now. After the handover the team records nothing (409).",
        etag=ACTIVITY_ETAG, request=RecordActivitySerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, uuid=None):
        data = validated_input(self, RecordActivitySerializer)
        activity = self.get_object()
        with transaction.atomic():
            # The enrolment first, then the activity: the order every step locks them in.
            services.lock_enrolment(activity.enrolment)
            locked = self.locked(request, record=activity, may=lambda user, a: (
                services.require_side(user, a.enrolment, a.kind.side)))
            locked.enrolment, locked.kind = activity.enrolment, activity.kind
            activity = services.record_activity(
                locked, by=request.user, expected_version=locked.version, **data)
        return self.record_response(activity)
