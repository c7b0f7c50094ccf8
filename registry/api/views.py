"""Organisations and hospitals' wards (read-only) and services on the pyramid over the API."""

from django.db import transaction
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from common.api.concurrency import locked_for_update, versioned_response
from common.api.fields import UuidLookupMixin, detail_url
from common.api.operations import (
    create_schema,
    etag_header,
    list_schema,
    locked_schema,
    retrieve_schema,
)

from .. import services
from ..access import require_admin_of
from ..filters import OrganizationFilter, ServiceOfferingFilter, WardFilter
from ..models import Organization, ServiceOffering, Ward
from . import schema  # noqa: F401 - registers the API-key scheme with drf-spectacular
from .serializers import (
    OrganizationDetailSerializer,
    OrganizationSerializer,
    ServiceOfferingSerializer,
    WardSerializer,
)


@extend_schema_view(
    list=list_schema(OrganizationSerializer, "List organisations"),
    retrieve=retrieve_schema(OrganizationDetailSerializer,
                             "An organisation, with its coordinating unit's contact details"),
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


ETAG = etag_header("service's version")


@extend_schema_view(
    list=list_schema(ServiceOfferingSerializer, "List services on the rehabilitation pyramid"),
    retrieve=retrieve_schema(ServiceOfferingSerializer, "A service", parameters=[ETAG]),
    create=create_schema(ServiceOfferingSerializer,
                         "Add a service (organisation administrators of the provider)",
                         location="service"),
    partial_update=locked_schema(
        {200: ServiceOfferingSerializer},
        "Change a service (organisation administrators of the provider)", etag=ETAG),
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
        location = detail_url(request, "service-detail", serializer.instance)
        return Response(serializer.data, status=status.HTTP_201_CREATED,
                        headers={"Location": location})

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
        return versioned_response(self.get_serializer(offering).data, offering.version)

    def retrieve(self, request, *args, **kwargs):
        offering = self.get_object()
        return versioned_response(self.get_serializer(offering).data, offering.version)


@extend_schema_view(
    list=list_schema(
        WardSerializer, "List hospitals' wards",
        "The wards an admission's `ward` may name (by `code` or `uuid`), in order of hospital, "
        "department and name. `hospital` takes a hospital's UUID (one that names no hospital "
        "is a 400 naming `hospital`); `active=true` gives the wards that take new admissions."),
    retrieve=retrieve_schema(WardSerializer, "A ward"),
)
class WardViewSet(UuidLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Registry data like the organisations: every signed-in user and system with
    `registry:read` reads it; it changes in Django admin or with manage.py import_wards."""
    scope_family = "registry"

    # The uuid last: two wards of one name keep their place from page to page.
    queryset = Ward.objects.select_related("hospital", "department").order_by(
        "hospital__name", "department__name", "name", "uuid")
    serializer_class = WardSerializer
    filterset_class = WardFilter
