"""ServiceRequest and Observation: the referrals the user may see (the REST API's referral
scope: an institution sees only those sent or allocated to it) and the needs assessments of
the patients they see, with their scores."""

from django.db.models import Prefetch

from referrals.models import DomainScore, NeedsAssessment
from referrals.views.access import visible_referrals
from registry.models import AuditObjectType

from .. import mapping as m
from .base import Handler

REFERRAL_RELATED = ("patient", "service__level", "receiver", "referrer", "admission",
                    "individual_plan", "forwarded_from", "needs_assessment",
                    "allocated_service")


class ServiceRequestHandler(Handler):
    type, family, audit_type = "ServiceRequest", "coordination", AuditObjectType.REFERRAL
    status_map = m.SERVICE_REQUEST_STATUS
    status_doc = ("active (awaiting assessment, more information asked for, or accepted and "
                  "waiting), completed (the stay started), revoked (declined, forwarded or "
                  "withdrawn).")

    def base(self, user):
        return visible_referrals(user).select_related(*REFERRAL_RELATED)

    def to_fhir(self, obj):
        return m.service_request(obj)


class ObservationHandler(Handler):
    type, family, audit_type = ("Observation", "coordination",
                                AuditObjectType.NEEDS_ASSESSMENT)
    status_map = m.OBSERVATION_STATUS
    status_doc = "preliminary (a draft assessment), final (completed)."

    def base(self, user):
        return (NeedsAssessment.objects.visible_to(user)
                .select_related("patient", "organization", "admission", "individual_plan",
                                "previous")
                .prefetch_related(Prefetch("domain_scores", queryset=DomainScore.objects
                                           .select_related("domain"))))

    def to_fhir(self, obj):
        return m.observation(obj)
