"""Requests to the coordinating unit for an individual plan and/or a coordinator."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TrackedModel
from pathways.models import EarlyNotification, Patient, PatientScopedQuerySet
from registry.models import Organization, OrganizationKind


class RequestKind(models.TextChoices):
    INDIVIDUAL_PLAN = "individual_plan", _("Individual plan")
    COORDINATOR = "coordinator", _("Coordinator")
    REHABILITATION_ASSESSMENT = "rehabilitation_assessment", _("Rehabilitation assessment")


class RequestSource(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    GP = "gp", _("GP")
    PATIENT = "patient", _("The patient")
    NEXT_OF_KIN = "next_of_kin", _("Next of kin")
    INTERNAL_SERVICE = "internal_service", _("A municipal service")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
    # The KE's decision (innvilget, avslått), not an invitation answered (takket ja/nei).
    ACCEPTED = "accepted", pgettext_lazy("decision", "Accepted")
    DECLINED = "declined", pgettext_lazy("decision", "Declined")


# A request waiting for the KE's decision; the patient has at most one of each kind per
# municipality (one_open_request_per_kind).
OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.UNDER_ASSESSMENT)


class PlanRequestQuerySet(PatientScopedQuerySet):
    pass


class PlanRequest(TrackedModel):
    """A notice of need (melding om behov) to the municipality's coordinating unit."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plan_requests")
    municipality = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="plan_requests",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY}, verbose_name=_("municipality"))
    kind = models.CharField(_("request for"), max_length=30, choices=RequestKind.choices)
    source = models.CharField(_("from"), max_length=20, choices=RequestSource.choices)
    submitter_name = models.CharField(_("submitted by"), max_length=200, blank=True)
    early_notification = models.ForeignKey(
        EarlyNotification, null=True, blank=True, on_delete=models.PROTECT,
        related_name="plan_requests", verbose_name=_("early notification"))
    description = models.TextField(_("what the need is"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.RECEIVED)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    coordinator_offered = models.BooleanField(
        _("coordinator offered"), default=False,
        help_text=_("A coordinator must be offered even when an individual plan is declined."))
    appeal_received_at = models.DateTimeField(_("appeal received"), null=True, blank=True)
    appeal_note = models.TextField(_("appeal"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PlanRequestQuerySet.as_manager()

    class Meta:
        ordering = ["received_at"]
        verbose_name = _("plan request")
        verbose_name_plural = _("plan requests")
        indexes = [
            models.Index(fields=["municipality", "status", "received_at"]),
            models.Index(fields=["received_at"], name="plan_request_open_idx",
                         condition=Q(status__in=["received", "under_assessment"])),
        ]
        constraints = [
            # Checked in submit_plan_request too; this is what two submits at once meet.
            models.UniqueConstraint(
                fields=["patient", "municipality", "kind"],
                condition=Q(status__in=["received", "under_assessment"]),
                name="one_open_request_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.patient}"

    def clean(self):
        if self.status == RequestStatus.DECLINED and not self.decline_reason.strip():
            raise ValidationError({"decline_reason": _(
                "A declined request is a decision the patient may appeal: give the reason.")})
