"""The /api/v1/ router: every app's viewsets are registered here."""

from rest_framework import routers
from rest_framework.routers import DefaultRouter

from coordination.api.coordinators import CoordinatorViewSet
from coordination.api.plans import IndividualPlanViewSet
from coordination.api.requests import PlanRequestViewSet
from indicators.api.views import CapacityViewSet, IndicatorViewSet
from pathways.api.admissions import AdmissionViewSet
from pathways.api.meetings import DischargeMeetingViewSet
from pathways.api.notices import EarlyNotificationViewSet
from pathways.api.variants import (
    PathwayActivityViewSet,
    PathwayEnrolmentViewSet,
    PathwayVariantViewSet,
)
from pathways.api.views import PatientViewSet
from referrals.api.assessments import NeedsAssessmentViewSet
from referrals.api.referrals import ReferralViewSet
from referrals.api.waiting_lists import WaitingListViewSet
from registry.api.notifications import NotificationViewSet
from registry.api.views import OrganizationViewSet, ServiceOfferingViewSet, WardViewSet
from webhooks.api.views import WebhookDeliveryViewSet, WebhookSubscriptionViewSet


class ApiRootView(routers.APIRootView):
    """The list of resources: links only, open to every client whatever its scopes."""

    scope_public = True


router = DefaultRouter()
router.APIRootView = ApiRootView
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("services", ServiceOfferingViewSet, basename="service")
router.register("wards", WardViewSet, basename="ward")
router.register("patients", PatientViewSet, basename="patient")
router.register("admissions", AdmissionViewSet, basename="admission")
router.register("early-notifications", EarlyNotificationViewSet, basename="early-notification")
router.register("discharge-meetings", DischargeMeetingViewSet, basename="discharge-meeting")
# Pathway variants (early supported discharge ...): the variants, enrolments and activities.
router.register("pathway-variants", PathwayVariantViewSet, basename="pathway-variant")
router.register("pathway-enrolments", PathwayEnrolmentViewSet, basename="pathway-enrolment")
router.register("pathway-activities", PathwayActivityViewSet, basename="pathway-activity")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("plan-requests", PlanRequestViewSet, basename="plan-request")
router.register("coordinators", CoordinatorViewSet, basename="coordinator")
router.register("individual-plans", IndividualPlanViewSet, basename="individual-plan")
router.register("webhook-subscriptions", WebhookSubscriptionViewSet,
                basename="webhook-subscription")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("capacity", CapacityViewSet, basename="capacity")
# Referrals, needs assessments and waiting lists (issue 15).
router.register("needs-assessments", NeedsAssessmentViewSet, basename="needs-assessment")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("waiting-lists", WaitingListViewSet, basename="waiting-list")
