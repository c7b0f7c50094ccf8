"""Pathway variants: a shared plan of home rehabilitation that a hospital's team and the
municipality carry out together after (or around) a stay, such as early supported discharge
for stroke (tidlig støttet utskriving, seed 001 § 4.1 no. 2) or the cancer "pakkeforløp hjem"
(seed 002).

A variant and the kinds of activity in it are data an administrator keeps, not code: a new
variant is a PathwayVariant row with its VariantActivityKind rows, each saying which side
provides it. An enrolment puts one admission's patient in a variant; its activities are
scheduled and recorded by the side that provides them, and the variant ends with the
handover to the municipality, after which the hospital's team only reads the plan."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.models import Organization, OrganizationKind

from .admissions import Admission
from .patients import PatientScopedQuerySet


def _in_language(bokmal: str, english: str) -> str:
    """The English text when the reader chose English and there is one, else bokmål."""
    return english if english and (get_language() or "").startswith("en") else bokmal


class ProviderSide(models.TextChoices):
    # Short words that mean more than one thing carry a context (test_translation_contexts).
    HOSPITAL_TEAM = "hospital_team", pgettext_lazy("provider side", "The hospital's team")
    MUNICIPALITY = "municipality", pgettext_lazy("provider side", "The municipality")


class PathwayVariantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class PathwayVariant(models.Model):
    """A kind of shared home-rehabilitation pathway, e.g. early supported discharge."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (bokmål)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    active = models.BooleanField(
        _("active"), default=True,
        help_text=_("Only active variants are offered to new patients; enrolments already "
                    "made go on."))

    objects = PathwayVariantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("pathway variant")
        verbose_name_plural = _("pathway variants")

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return _in_language(self.name, self.name_en)

    @property
    def localized_description(self) -> str:
        return _in_language(self.description, self.description_en)


class VariantActivityKind(models.Model):
    """What may be planned in a variant (a home visit by the team, a day at the day unit, a
    visit by the municipal home services ...), and which side provides it."""

    variant = models.ForeignKey(PathwayVariant, on_delete=models.CASCADE,
                                related_name="activity_kinds", verbose_name=_("variant"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    side = models.CharField(_("provided by"), max_length=15, choices=ProviderSide.choices)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["variant", "sort_order", "pk"]
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")
        constraints = [
            models.UniqueConstraint(fields=["variant", "code"],
                                    name="one_activity_kind_code_per_variant"),
        ]

    def __str__(self):
        return f"{self.localized_name} ({self.get_side_display()})"

    @property
    def localized_name(self) -> str:
        return _in_language(self.name, self.name_en)


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    HANDED_OVER = "handed_over", _("Handed over to the municipality")
    ENDED = "ended", pgettext_lazy("pathway enrolment", "Ended")


LIVE_ENROLMENT_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.HANDED_OVER)


class EnrolmentQuerySet(PatientScopedQuerySet):
    patient_path = "admission__patient"


class PathwayEnrolment(TrackedModel):
    """One admission's patient in a variant: the hospital's team and the municipality share
    the plan until the team hands it over."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="variant_enrolments", verbose_name=_("admission"))
    variant = models.ForeignKey(PathwayVariant, on_delete=models.PROTECT,
                                related_name="enrolments", verbose_name=_("variant"))
    team_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": OrganizationKind.HOSPITAL},
        verbose_name=_("the hospital's team"))
    municipality = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY},
        verbose_name=_("municipality"))
    started_at = models.DateTimeField(_("started"))
    status = models.CharField(_("status"), max_length=15, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE)
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("handed over by"))
    handover_note = models.TextField(_("handover note"), blank=True, max_length=2000)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("ended by"))
    end_note = models.CharField(_("why it ended"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("pathway enrolment")
        verbose_name_plural = _("pathway enrolments")
        indexes = [
            models.Index(fields=["updated_at", "uuid"], name="enrolment_sync_idx"),
            models.Index(fields=["-started_at", "-id"], name="enrolment_started_idx"),
        ]
        constraints = [
            # A stay is in one variant at a time (enrol() says so before the database must).
            models.UniqueConstraint(
                fields=["admission"], condition=Q(status__in=["active", "handed_over"]),
                name="one_live_enrolment_per_admission"),
        ]

    def __str__(self):
        return f"{self.variant} · {self.admission}"

    @property
    def is_active(self) -> bool:
        return self.status == EnrolmentStatus.ACTIVE

    def clean(self):
        errors = {}
        if self.team_organization_id and self.team_organization.kind != OrganizationKind.HOSPITAL:
            errors["team_organization"] = _("The team belongs to a hospital.")
        if self.municipality_id and self.municipality.kind != OrganizationKind.MUNICIPALITY:
            errors["municipality"] = _("Choose a municipality.")
        if self.handed_over_at and self.started_at and self.handed_over_at < self.started_at:
            errors["handed_over_at"] = _("The handover cannot come before the start.")
        if errors:
            raise ValidationError(errors)


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("activity status", "Planned")
    DONE = "done", pgettext_lazy("activity status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("activity status", "Cancelled")


class ActivityQuerySet(PatientScopedQuerySet):
    patient_path = "enrolment__admission__patient"


class PathwayActivity(TrackedModel):
    """One planned visit or day of the shared plan, recorded done or cancelled by its side."""

    enrolment = models.ForeignKey(PathwayEnrolment, on_delete=models.PROTECT,
                                  related_name="activities", verbose_name=_("enrolment"))
    kind = models.ForeignKey(VariantActivityKind, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("activity"))
    provider = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("provided by"))
    scheduled_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices,
                              default=ActivityStatus.PLANNED)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("planned activity")
        verbose_name_plural = _("planned activities")
        indexes = [
            models.Index(fields=["enrolment", "scheduled_at"], name="activity_enrolment_idx"),
            models.Index(fields=["updated_at", "uuid"], name="activity_sync_idx"),
        ]

    def __str__(self):
        return f"{self.kind.localized_name} {self.scheduled_at:%Y-%m-%d %H:%M}"

    @property
    def side(self) -> str:
        return self.kind.side
