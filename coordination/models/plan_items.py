"""The plan's parts: the patient's goals, measures, the responsible group, consents and
evaluations."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Organization, ServiceOffering

from .plans import IndividualPlan


class AchievementStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    """A goal in the patient's own words; a goal with a parent is a sub-goal (delmål)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="goals")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="sub_goals", verbose_name=_("goal"))
    text = models.TextField(_("goal"))
    expressed_by_patient = models.BooleanField(
        _("in the patient's own words"), default=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("achievement"), max_length=15,
                              choices=AchievementStatus.choices,
                              default=AchievementStatus.NOT_STARTED)
    position = models.PositiveSmallIntegerField(default=0)
    # Who last changed the wording and when: a goal in the patient's words that staff
    # reworded stays the patient's (expressed_by_patient), and the page says who reworded
    # it; the earlier wording is in the plan's version history.
    reworded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("reworded by"))
    reworded_at = models.DateTimeField(_("reworded at"), null=True, blank=True)
    # Written by the patient (or their representative) on their own pages: the wording is
    # theirs alone. Staff propose a change (GoalProposal) and the patient accepts it; staff
    # see the goal as the patient's proposal until one of them takes it into the plan.
    written_by_patient = models.BooleanField(_("written by the patient"), default=False)
    acknowledged_at = models.DateTimeField(_("taken into the plan at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("taken into the plan by"))

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self):
        return self.text[:60]


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


class Measure(models.Model):
    """A measure (tiltak): a service on the pyramid or free text, with who, how much, when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="measures")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="measures", verbose_name=_("goal"))
    service = models.ForeignKey(ServiceOffering, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("service"))
    description = models.TextField(_("measure"), blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=200, blank=True)
    responsible_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("responsible organisation"))
    extent = models.CharField(_("extent / frequency"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeasureStatus.choices,
                              default=MeasureStatus.PLANNED)
    position = models.PositiveSmallIntegerField(default=0)
    # When the measure was written into the plan: where the observed waiting for its service
    # starts (indicators, waiting time per level). Migration 0009 filled it in for older
    # measures from the audit trail, else from the plan's creation.
    created_at = models.DateTimeField(_("created at"), default=timezone.now, null=True,
                                      editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self):
        return self.description[:60] or str(self.service)

    def clean(self):
        errors = {}
        if self.service_id is None and not self.description.strip():
            errors["description"] = _("Describe the measure or choose a service.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The measure ends before it starts.")
        if errors:
            raise ValidationError(errors)


class PlanParticipantKind(models.TextChoices):
    PATIENT = "patient", _("Patient")
    NEXT_OF_KIN = "next_of_kin", _("Next of kin")
    PROVIDER = "provider", _("Service provider")
    COORDINATOR = "coordinator", _("Coordinator")
    GP = "gp", _("GP")
    OTHER = "other", _("Other")


class PlanParticipant(models.Model):
    """A member of the responsible group (ansvarsgruppe) and what they contribute."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE,
                             related_name="participants")
    kind = models.CharField(_("role"), max_length=15, choices=PlanParticipantKind.choices)
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    contribution = models.TextField(_("contribution"), blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("plan participant")
        verbose_name_plural = _("plan participants")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ConsentScope(models.TextChoices):
    PLAN = "plan", _("Consent to the plan")
    INFORMATION_SHARING = "information_sharing", _("Consent to share information")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral, noted by staff")
    DIGITAL = "digital", _("Digital")


class Consent(models.Model):
    """The patient's consent for one organisation; revoking it ends that organisation's access
    to the plan."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="consents")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    scope = models.CharField(_("consent to"), max_length=20, choices=ConsentScope.choices)
    method = models.CharField(_("how"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["organization__name", "scope"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["plan", "organization", "scope"],
                                    condition=Q(revoked_at__isnull=True),
                                    name="one_live_consent_per_scope"),
        ]

    def __str__(self):
        return f"{self.organization}: {self.get_scope_display()}"


class Evaluation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE,
                             related_name="evaluations")
    evaluated_on = models.DateField(_("date"))
    summary = models.TextField(_("summary"))
    goal_achievement = models.TextField(_("goal achievement"), blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-evaluated_on"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self):
        return f"{self.plan} {self.evaluated_on}"
