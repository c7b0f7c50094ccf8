"""The KE's work: requests for a plan or a coordinator, coordinators, and the individual plan
(forskrift om individuell plan § 19): the patient's own goals first, then measures, the
responsible group, consent, evaluations and a version history."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TrackedModel
from pathways.models import EarlyNotification, Patient, PatientScopedQuerySet
from registry.models import Organization, OrganizationKind, ServiceOffering


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


class CoordinatorKind(models.TextChoices):
    GENERAL = "general", _("Coordinator")
    CHILD = "child", _("Child coordinator (barnekoordinator)")
    CANCER = "cancer", _("Cancer coordinator (kreftkoordinator)")


class Coordinator(TrackedModel):
    """A staff member's coordinator profile in one municipality (or health trust)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="coordinator_profiles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="coordinators",
                                     verbose_name=_("organisation"))
    kind = models.CharField(_("kind"), max_length=10, choices=CoordinatorKind.choices,
                            default=CoordinatorKind.GENERAL)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    training_completed_on = models.DateField(_("training completed"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity (plans)"), default=10,
                                                validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind"],
                                    name="unique_coordinator_profile"),
        ]

    def __str__(self):
        return f"{self.user.display_name()} ({self.get_kind_display()})"


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
