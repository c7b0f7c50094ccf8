"""Organisations (read-only) and services on the pyramid over the API."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from common.api.concurrency import locked_for_update, version_etag
from common.api.fields import UuidLookupMixin
from common.api.schema import IF_MATCH_HEADER, error_responses, etag_header

from .. import services
from ..access import require_admin_of
from ..filters import OrganizationFilter, ServiceOfferingFilter
from ..models import Organization, ServiceOffering
from . import schema  # noqa: F401 - registers the API-key scheme with drf-spectacular
from .serializers import (
    OrganizationDetailSerializer,
    OrganizationSerializer,
    ServiceOfferingSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="List organisations",
        responses={200: OrganizationSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="An organisation, with its coordinating unit's contact details",
        responses={200: OrganizationDetailSerializer, **error_responses(401, 404)},
    ),
)
class OrganizationViewSet(UuidLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Every signed-in user and system may read the registry; it changes in Django admin."""
    scope_family = "registry"

    queryset = Organization.objects.select_related("parent")
    filterset_class = OrganizationFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.select_related("coordinating_unit")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OrganizationDetailSerializer
        return OrganizationSerializer


@extend_schema_view(
    list=extend_schema(
        summary="List services on the rehabilitation pyramid",
        responses={200: ServiceOfferingSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="A service",
        parameters=[etag_header("service's version")],
        responses={200: ServiceOfferingSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Add a service (organisation administrators of the provider)",
        parameters=[OpenApiParameter(
            "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[201],
            description="The new service's URL.",
        )],
        responses={201: ServiceOfferingSerializer,
                   **error_responses(400, 401, 403, 409, 413)},
    ),
    partial_update=extend_schema(
        summary="Change a service (organisation administrators of the provider)",
        parameters=[IF_MATCH_HEADER, etag_header("service's version")],
        responses={200: ServiceOfferingSerializer,
                   **error_responses(400, 401, 403, 404, 409, 412, 413, 428)},
    ),
)
class ServiceOfferingViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    """Anyone signed in reads services; the provider's org admins create and change them."""
    scope_family = "registry"

    queryset = ServiceOffering.objects.select_related("provider", "level").prefetch_related(
        "target_groups", "municipalities_served"
    )
    serializer_class = ServiceOfferingSerializer
    filterset_class = ServiceOfferingFilter

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.instance = services.create_service_offering(
            by=request.user, **serializer.validated_data
        )
        location = reverse("service-detail", kwargs={"uuid": serializer.instance.uuid})
        return Response(serializer.data, status=status.HTTP_201_CREATED,
                        headers={"Location": request.build_absolute_uri(location)})

    def partial_update(self, request, *args, **kwargs):
        offering = self.get_object()
        require_admin_of(request.user, offering.provider)
        serializer = self.get_serializer(offering, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            current = locked_for_update(offering, request)
            offering = services.update_service_offering(
                offering, by=request.user, expected_version=current.version,
                **serializer.validated_data
            )
        # The prefetched many-to-many lists predate the save (as in UpdateModelMixin).
        offering._prefetched_objects_cache = {}
        return Response(self.get_serializer(offering).data,
                        headers={"ETag": version_etag(offering.version)})

    def retrieve(self, request, *args, **kwargs):
        offering = self.get_object()
        return Response(self.get_serializer(offering).data,
                        headers={"ETag": version_etag(offering.version)})
