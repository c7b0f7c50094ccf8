"""The /api/v1/ router: every app's viewsets are registered here."""

from rest_framework.routers import DefaultRouter

from pathways.api.views import PatientViewSet
from registry.api.views import OrganizationViewSet, ServiceOfferingViewSet

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("services", ServiceOfferingViewSet, basename="service")
router.register("patients", PatientViewSet, basename="patient")
