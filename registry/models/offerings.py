"""The rehabilitation pyramid's levels, target groups and the services organisations offer
on them."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel

from .organizations import CooperationAgreement, Organization, OrganizationKind


class ServiceLevel(models.Model):
    """A level of the rehabilitation pyramid; names and descriptions are data, not code."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (bokmål)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    typical_provider = models.CharField(_("typical provider"), max_length=200, blank=True)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")

    def __str__(self):
        return f"{self.code} {self.localized_name}"

    @property
    def localized_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en \
            else self.name

    @property
    def localized_description(self) -> str:
        if (get_language() or "").startswith("en") and self.description_en:
            return self.description_en
        return self.description

    @property
    def is_specialist(self) -> bool:
        return self.code.startswith("5")



class TargetGroup(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en \
            else self.name



class ServiceOfferingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_municipality(self, municipality):
        """Services a resident of the municipality can use: its own or ones that serve it."""
        return self.filter(
            models.Q(provider=municipality) | models.Q(municipalities_served=municipality)
        ).distinct()

    def can_serve(self, municipality):
        """Services that can serve a resident of the municipality, on every level: its own
        and the inter-municipal ones that serve it (1-4), the health trust's and its
        hospitals' (the trusts it has a cooperation agreement with, else its region's), and
        the private institutions' specialised services (5.x) in its region. One query."""
        agreed = CooperationAgreement.objects.filter(municipality=municipality)
        trusts = Q(kind=OrganizationKind.HEALTH_TRUST) & (
            Q(pk__in=agreed.values("health_trust"))
            | (~Exists(agreed) & Q(region=municipality.region)))
        trust_ids = Organization.objects.filter(trusts).values("pk")
        return self.filter(
            Q(provider=municipality)
            | Q(pk__in=self.model.municipalities_served.through.objects.filter(
                organization=municipality).values("serviceoffering_id"))
            | Q(provider__in=trust_ids) | Q(provider__parent__in=trust_ids)
            | Q(provider__kind=OrganizationKind.PRIVATE_INSTITUTION,
                provider__region=municipality.region, level__code__startswith="5"))



class ServiceOffering(TrackedModel):
    """A service (tilbud) on one level of the pyramid."""

    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services",
        verbose_name=_("provider"),
    )
    level = models.ForeignKey(
        ServiceLevel, on_delete=models.PROTECT, related_name="services",
        verbose_name=_("pyramid level"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="services", verbose_name=_("target groups")
    )
    municipalities_served = models.ManyToManyField(
        Organization, blank=True, related_name="services_available",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY},
        verbose_name=_("municipalities served"),
        help_text=_("Besides the provider itself, when the provider is a municipality."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity (places or beds)"), null=True, blank=True,
        validators=[MaxValueValidator(100_000)],
    )
    # Computed from the waiting list and recent starts (referrals.waiting), never typed in:
    # None until the service has a waiting list or a start to compute it from.
    waiting_days = models.PositiveIntegerField(
        _("expected waiting time (days)"), null=True, blank=True, editable=False,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
    )
    waiting_days_computed_at = models.DateTimeField(
        _("waiting time computed at"), null=True, blank=True, editable=False)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ServiceOfferingQuerySet.as_manager()

    class Meta:
        ordering = ["level__sort_order", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["level", "active"])]

    def __str__(self):
        return f"{self.name} ({self.provider})"
