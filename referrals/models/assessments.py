"""The common needs assessment (kartlegging av rehabiliteringsbehov, seed 002) and the rules
that suggest a level of the pyramid from it (seed 001 § 2, footnote 8).

What the assessment covers, the function domains and the level rules are data an
administrator edits; the suggestion never decides: a professional confirms or overrides it
with a reason, and both are kept."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from coordination.models import IndividualPlan
from pathways.models import Admission, Patient, PatientScopedQuerySet
from registry.models import Organization, ServiceLevel


def _localized(row, field: str) -> str:
    english = getattr(row, f"{field}_en", "")
    return english if (get_language() or "").startswith("en") and english else getattr(
        row, field)


class FunctionDomain(models.Model):
    """A domain of function the team scores (ICF-inspired: mobility, self-care, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    icf_code = models.CharField(_("ICF chapter"), max_length=10, blank=True)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("function domain")
        verbose_name_plural = _("function domains")

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return _localized(self, "name")


class Difficulty(models.IntegerChoices):
    """ICF's generic qualifier: how much of a problem the person has in the domain."""

    NONE = 0, _("No difficulty")
    MILD = 1, _("Mild difficulty")
    MODERATE = 2, _("Moderate difficulty")
    SEVERE = 3, _("Severe difficulty")
    COMPLETE = 4, _("Complete difficulty")


class RehabilitationPotential(models.TextChoices):
    GOOD = "good", _("Good")
    MODERATE = "moderate", _("Moderate")
    LIMITED = "limited", _("Limited")
    UNCLEAR = "unclear", _("Unclear, to be assessed further")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class LevelRuleSet(models.Model):
    """Rules that suggest a pyramid level from the scores; the active set is used."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("level rule set")
        verbose_name_plural = _("level rule sets")
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True),
                                               name="one_active_level_rule_set")]

    def __str__(self):
        return _localized(self, "name")


class LevelRule(models.Model):
    """A band of scores and the level it suggests. A bound left empty holds for any score;
    a rule that names a bound for a score the assessment lacks does not apply. The first
    rule of its set (by order) that applies gives the suggestion."""

    rule_set = models.ForeignKey(LevelRuleSet, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField(_("order"))
    level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("suggested level"))
    barthel_min = models.PositiveSmallIntegerField(
        _("Barthel index from"), null=True, blank=True, validators=[MaxValueValidator(100)])
    barthel_max = models.PositiveSmallIntegerField(
        _("Barthel index to"), null=True, blank=True, validators=[MaxValueValidator(100)])
    rankin_min = models.PositiveSmallIntegerField(
        _("modified Rankin from"), null=True, blank=True, validators=[MaxValueValidator(6)])
    rankin_max = models.PositiveSmallIntegerField(
        _("modified Rankin to"), null=True, blank=True, validators=[MaxValueValidator(6)])
    reason = models.CharField(_("reason (bokmål)"), max_length=300)
    reason_en = models.CharField(_("reason (English)"), max_length=300, blank=True)

    class Meta:
        ordering = ["rule_set", "order"]
        verbose_name = _("level rule")
        verbose_name_plural = _("level rules")
        constraints = [models.UniqueConstraint(fields=["rule_set", "order"],
                                               name="one_level_rule_per_place")]

    def __str__(self):
        return f"{self.order}: {self.level.code}"

    def clean(self):
        errors = {}
        for low, high in (("barthel_min", "barthel_max"), ("rankin_min", "rankin_max")):
            first, last = getattr(self, low), getattr(self, high)
            if first is not None and last is not None and first > last:
                errors[high] = _("The band ends before it starts.")
        if errors:
            raise ValidationError(errors)

    def applies_to(self, barthel: int | None, rankin: int | None) -> bool:
        for value, low, high in ((barthel, self.barthel_min, self.barthel_max),
                                 (rankin, self.rankin_min, self.rankin_max)):
            if low is None and high is None:
                continue
            if value is None:
                return False
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    @property
    def localized_reason(self) -> str:
        return _localized(self, "reason")


class NeedsAssessmentQuerySet(PatientScopedQuerySet):
    pass


class NeedsAssessment(TrackedModel):
    """One version of the interdisciplinary assessment of a patient's rehabilitation needs.

    A draft is edited in place (version-locked); a completed version is never changed: a
    revision is a new row whose `previous` is the one it revises (`number` counts them)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="needs_assessments")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="needs_assessments",
        verbose_name=_("assessed by (unit)"))
    admission = models.ForeignKey(Admission, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="needs_assessments", verbose_name=_("admission"))
    individual_plan = models.ForeignKey(
        IndividualPlan, null=True, blank=True, on_delete=models.PROTECT,
        related_name="needs_assessments", verbose_name=_("individual plan"))
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="revision", verbose_name=_("revises"))
    number = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    # The patient's own goals first (in their own words).
    patient_goals = models.TextField(_("the patient's own goals"), blank=True)
    barthel_index = models.PositiveSmallIntegerField(
        _("Barthel index (0–100)"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    modified_rankin = models.PositiveSmallIntegerField(
        _("modified Rankin Scale (0–6)"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(6)])
    cognition = models.TextField(_("cognition"), blank=True)
    communication = models.TextField(_("communication"), blank=True)
    vision_hearing = models.TextField(_("vision and hearing"), blank=True)
    swallowing = models.TextField(_("swallowing"), blank=True)
    social_situation = models.TextField(_("social situation"), blank=True)
    next_of_kin = models.TextField(_("next of kin"), blank=True)
    rehabilitation_potential = models.CharField(
        _("rehabilitation potential"), max_length=20, choices=RehabilitationPotential.choices,
        blank=True)
    potential_note = models.TextField(_("the team's judgement"), blank=True)
    # The portal's suggestion, as it was when the assessment was completed.
    suggested_level = models.ForeignKey(
        ServiceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("suggested level"))
    suggestion_reason = models.CharField(_("reason for the suggestion"), max_length=300,
                                         blank=True)
    suggestion_rule = models.ForeignKey(LevelRule, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    # The professional's decision: the suggestion confirmed, or another level with a reason.
    level = models.ForeignKey(ServiceLevel, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("level chosen"))
    override_reason = models.TextField(_("reason for choosing another level"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = NeedsAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        indexes = [
            models.Index(fields=["patient", "-created_at"]),
            # FHIR search pages by the last change (fhir_api.paging).
            models.Index(fields=["updated_at", "uuid"], name="assessment_sync_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(barthel_index__lte=100),
                                   name="assessment_barthel_range"),
            models.CheckConstraint(condition=Q(modified_rankin__lte=6),
                                   name="assessment_rankin_range"),
        ]

    def __str__(self):
        return f"{self.patient} ({self.number})"

    @property
    def overridden(self) -> bool:
        return bool(self.level_id and self.suggested_level_id
                    and self.level_id != self.suggested_level_id)


class DomainScore(models.Model):
    """How much difficulty the patient has in one function domain, with a note."""

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE,
                                   related_name="domain_scores")
    domain = models.ForeignKey(FunctionDomain, on_delete=models.PROTECT, related_name="+")
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), choices=Difficulty.choices,
                                                  null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["domain__sort_order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"],
                                               name="one_score_per_domain")]

    def __str__(self):
        return f"{self.domain}: {self.get_difficulty_display()}"
