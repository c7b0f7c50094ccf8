"""The individual plan (§ 19), its coordinators over time and its version snapshots."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TrackedModel
from pathways.models import Patient, PatientScopedQuerySet
from registry.models import Organization, OrganizationKind

from .coordinators import Coordinator
from .requests import PlanRequest


class PlanStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_PREPARATION = "in_preparation", _("In preparation")
    ACTIVE = "active", _("Active")
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", pgettext_lazy("decision", "Declined")


OPEN_PLAN_STATUSES = (PlanStatus.REQUESTED, PlanStatus.IN_PREPARATION, PlanStatus.ACTIVE,
                      PlanStatus.UNDER_EVALUATION)


class IndividualPlanQuerySet(PatientScopedQuerySet):
    pass


class IndividualPlan(TrackedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="individual_plans")
    municipality = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="individual_plans",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY}, verbose_name=_("municipality"))
    request = models.OneToOneField(PlanRequest, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="plan")
    coordinator = models.ForeignKey(Coordinator, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices,
                              default=PlanStatus.REQUESTED)
    what_matters = models.TextField(
        _("what matters to you?"), blank=True,
        help_text=_("The patient's overarching goal, in their own words."))
    # Set when the patient wrote "what matters to me" on their own pages: staff no longer
    # change it (they may message the patient).
    what_matters_by_patient = models.BooleanField(_("written by the patient"), default=False)
    resources = models.TextField(_("the patient's resources"), blank=True)
    service_needs = models.TextField(_("service needs"), blank=True)
    other_agencies = models.TextField(_("cooperation with other agencies"), blank=True)
    period_start = models.DateField(_("plan period from"), null=True, blank=True)
    period_end = models.DateField(_("plan period to"), null=True, blank=True)
    next_evaluation_on = models.DateField(_("next evaluation"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = IndividualPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("individual plan")
        verbose_name_plural = _("individual plans")
        indexes = [
            models.Index(fields=["municipality", "status"]),
            # The FHIR CarePlan/CareTeam/Goal order and the REST sync cursor.
            models.Index(fields=["updated_at", "uuid"], name="plan_sync_idx"),
            models.Index(fields=["next_evaluation_on"], name="plan_evaluation_due_idx",
                         condition=Q(status__in=["active", "under_evaluation"])),
        ]
        constraints = [
            # One open plan per patient and municipality (accept_request checks it; this is
            # what two acceptances at once meet).
            models.UniqueConstraint(
                fields=["patient", "municipality"],
                condition=Q(status__in=["requested", "in_preparation", "active",
                                        "under_evaluation"]),
                name="one_open_plan_per_municipality"),
        ]

    def __str__(self):
        return f"{self.patient}: {self.get_status_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status in (PlanStatus.CLOSED, PlanStatus.DECLINED)

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The plan period ends before it starts.")})


class CoordinatorAssignment(models.Model):
    """Who coordinated the plan when; reassignment ends one row and starts another."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE,
                             related_name="assignments")
    coordinator = models.ForeignKey(Coordinator, on_delete=models.PROTECT,
                                    related_name="assignments")
    patient_wishes = models.TextField(_("the patient's wishes"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        verbose_name = _("coordinator assignment")
        verbose_name_plural = _("coordinator assignments")
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(ended_at__isnull=True),
                                    name="one_current_coordinator_per_plan"),
        ]

    def __str__(self):
        return f"{self.coordinator} → {self.plan}"


# What a version's stored summary (a code the services write, also in the API) says to a
# reader; the history shows it where there is no diff to show (the first version).
VERSION_SUMMARIES = {
    "created": _("Plan created"),
    "created (coordinator only)": _("Coordinator appointed, no plan"),
    "coordinator assigned": _("Coordinator appointed"),
    "goal added": _("Goal added"),
    "measure added": _("Measure added"),
    "participant added": _("Participant added"),
    "participant removed": _("Participant removed"),
    "goal added by the patient": _("Goal added by the patient"),
    "goal changed by the patient": _("Goal changed by the patient"),
    "what matters changed by the patient": _("“What matters to me” changed by the patient"),
    "proposal accepted by the patient": _("The patient accepted a proposed wording"),
    "goal taken into the plan": _("The patient's goal taken into the plan"),
}


class PlanVersion(models.Model):
    """A snapshot of the whole plan after each change, for the readable diff."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    summary = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version"),
        ]

    def __str__(self):
        return f"{self.plan} v{self.number}"

    def get_summary_display(self) -> str:
        return str(VERSION_SUMMARIES.get(self.summary, self.summary))
