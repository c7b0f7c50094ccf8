"""The coordinators a municipality's coordinating unit appoints, over the API: a registry of
people, not patient data; changed by the unit's staff, with If-Match."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, serializers, status, viewsets

from common.api.concurrency import locked_for_update, versioned_response
from common.api.fields import UuidLookupMixin, detail_url
from common.api.operations import (
    create_schema,
    etag_header,
    list_schema,
    locked_schema,
    retrieve_schema,
)
from registry.models import Organization

from .. import access, services
from ..filters import CoordinatorFilter
from . import serializers as s

ETAG = etag_header("profile's version")


@extend_schema_view(
    list=list_schema(s.CoordinatorSerializer,
                     "The coordinators of your organisations, with their load"),
    retrieve=retrieve_schema(s.CoordinatorSerializer, "A coordinator, with their load",
                             parameters=[ETAG]),
    create=create_schema(
        s.CoordinatorSerializer, "Appoint a staff member as coordinator",
        "The organisation's coordinating unit only.",
        location="coordinator", errors=(400, 401, 403, 413),
        request=s.CoordinatorCreateSerializer),
    partial_update=locked_schema(
        {200: s.CoordinatorSerializer}, "Change a coordinator's profile, or deactivate them",
        "The organisation's coordinating unit only. An inactive coordinator keeps their plans "
        "but gets no new ones.",
        etag=ETAG, errors=(400, 401, 403, 404, 412, 413, 428),
        request=s.CoordinatorUpdateSerializer),
)
class CoordinatorViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    scope_family = "coordination"
    serializer_class = s.CoordinatorSerializer
    filterset_class = CoordinatorFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return services.coordinators_with_load().none()
        organizations = Organization.objects.filter(memberships__user=self.request.user)
        return (services.coordinators_with_load()
                .filter(organization__in=organizations)
                .order_by("user__last_name", "user__first_name", "pk"))

    def create(self, request, *args, **kwargs):
        serializer = s.CoordinatorCreateSerializer(data=request.data,
                                                   context=self.get_serializer_context())
        if not serializer.is_valid():
            # The body may be any JSON (a list, a number): only an object names an organisation.
            if isinstance(request.data, Mapping):
                self._require_ke_staff(request.data.get("organization"))
            raise serializers.ValidationError(serializer.errors)
        data = dict(serializer.validated_data)
        coordinator = services.create_coordinator_profile(by=request.user, **data)
        return self._response(coordinator, status.HTTP_201_CREATED,
                              Location=detail_url(request, "coordinator-detail", coordinator))

    def partial_update(self, request, *args, **kwargs):
        coordinator = self.get_object()
        serializer = s.CoordinatorUpdateSerializer(coordinator, data=request.data, partial=True,
                                                   context=self.get_serializer_context())
        if not serializer.is_valid():
            self._require_ke_staff(coordinator.organization.uuid)
            raise serializers.ValidationError(serializer.errors)
        if not serializer.validated_data:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The request changes no field.")]})
        self._require_ke_staff(coordinator.organization.uuid)
        with transaction.atomic():
            current = locked_for_update(coordinator, request)
            coordinator = services.update_coordinator_profile(
                coordinator, by=request.user, expected_version=current.version,
                **serializer.validated_data)
        return self._response(coordinator)

    def retrieve(self, request, *args, **kwargs):
        return self._response(self.get_object())

    def _require_ke_staff(self, organization_uuid) -> None:
        """Someone who may not appoint coordinators hears that first, not what was wrong
        with their input."""
        try:
            organization = Organization.objects.filter(uuid=str(organization_uuid)).first()
        except Exception:  # noqa: BLE001 - a malformed UUID is the serializer's 400
            return
        if organization is not None and not access.can_manage_coordinators(
                self.request.user, organization):
            raise PermissionDenied(_("Only the coordinating unit of %(org)s may do this.")
                                   % {"org": organization.name})

    def _response(self, coordinator, status_code=status.HTTP_200_OK, **headers):
        coordinator = self.get_queryset().filter(pk=coordinator.pk).first() or coordinator
        data = s.CoordinatorSerializer(coordinator, context=self.get_serializer_context()).data
        return versioned_response(data, coordinator.version, status_code, **headers)
