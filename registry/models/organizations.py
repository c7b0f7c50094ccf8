"""Organisations (health trusts, hospitals, municipalities), their coordinating units and
cooperation agreements, and who works where in which role (Membership)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel

from ..validators import validate_her_id, validate_municipality_number, validate_orgnr
from .users import User


class Region(models.TextChoices):
    NORTH = "helse_nord", _("Helse Nord")
    CENTRAL = "helse_midt_norge", _("Helse Midt-Norge")
    WEST = "helse_vest", _("Helse Vest")
    SOUTH_EAST = "helse_sor_ost", _("Helse Sør-Øst")



class OrganizationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    HEALTH_TRUST = "health_trust", _("Health trust")
    HOSPITAL = "hospital", _("Hospital")
    REGIONAL_HEALTH_AUTHORITY = "regional_health_authority", _("Regional health authority")
    PRIVATE_INSTITUTION = "private_institution", _("Private rehabilitation institution")
    GP_OFFICE = "gp_office", _("GP office")
    # The region's assessment unit (Regional vurderingsenhet, RVE; seed 001 § 3.2): assesses
    # applications for places at the private institutions and allocates them.
    ASSESSMENT_UNIT = "assessment_unit", _("Regional assessment unit (RVE)")



class OrganizationQuerySet(models.QuerySet):
    def municipalities(self):
        return self.filter(kind=OrganizationKind.MUNICIPALITY)



class Organization(TrackedModel):
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    orgnr = models.CharField(
        _("organisation number"), max_length=9, unique=True, validators=[validate_orgnr]
    )
    her_id = models.CharField(
        _("HER-id"), max_length=9, blank=True, validators=[validate_her_id]
    )
    municipality_number = models.CharField(
        _("municipality number"), max_length=4, blank=True,
        validators=[validate_municipality_number],
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("source of population figure"), max_length=200,
                                         blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent organisation"),
    )
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    located_in = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY},
        verbose_name=_("located in municipality"),
        help_text=_("Where a hospital or private institution lies: its places count in that "
                    "municipality's health-trust area when capacity is set against the norms."))
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        # FHIR search pages by the last change (fhir_api.paging).
        indexes = [models.Index(fields=["updated_at", "uuid"], name="organization_sync_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality_number"], condition=~models.Q(municipality_number=""),
                name="unique_municipality_number",
            ),
            models.UniqueConstraint(
                fields=["her_id"], condition=~models.Q(her_id=""), name="unique_her_id"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.kind == OrganizationKind.MUNICIPALITY:
            if not self.municipality_number:
                errors["municipality_number"] = _("A municipality needs its municipality number.")
            if self.population is None:
                errors["population"] = _("A municipality needs its population.")
        elif self.municipality_number:
            errors["municipality_number"] = _("Only municipalities have a municipality number.")
        if self.kind == OrganizationKind.HOSPITAL:
            if self.parent_id is None or self.parent.kind != OrganizationKind.HEALTH_TRUST:
                errors["parent"] = _("A hospital belongs to a health trust.")
        elif self.kind == OrganizationKind.HEALTH_TRUST and self.parent_id is not None:
            if self.parent.kind != OrganizationKind.REGIONAL_HEALTH_AUTHORITY:
                errors["parent"] = _("A health trust belongs to a regional health authority.")
        if self.parent_id is not None and self.parent_id == self.pk:
            errors["parent"] = _("An organisation cannot be its own parent.")
        if self.located_in_id is not None and (
                self.located_in.kind != OrganizationKind.MUNICIPALITY
                or self.kind == OrganizationKind.MUNICIPALITY):
            errors["located_in"] = _(
                "Only hospitals and institutions lie in a municipality: choose a municipality.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_municipality(self) -> bool:
        return self.kind == OrganizationKind.MUNICIPALITY



class CoordinatingUnitScope(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal")
    HEALTH_TRUST = "health_trust", _("Health trust")
    REGIONAL = "regional", _("Regional")


_SCOPE_FOR_KIND = {
    OrganizationKind.MUNICIPALITY: CoordinatingUnitScope.MUNICIPAL,
    OrganizationKind.HEALTH_TRUST: CoordinatingUnitScope.HEALTH_TRUST,
    OrganizationKind.REGIONAL_HEALTH_AUTHORITY: CoordinatingUnitScope.REGIONAL,
}



class CoordinatingUnit(TrackedModel):
    """The KE: one per municipality and per health trust, plus one per region."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="coordinating_unit",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    inbox_address = models.EmailField(
        _("inbox address"), help_text=_("Where notices and requests are delivered.")
    )
    address = models.CharField(_("visiting address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("coordinating unit")
        verbose_name_plural = _("coordinating units")

    def __str__(self):
        return self.name

    @property
    def scope(self) -> str:
        return _SCOPE_FOR_KIND.get(self.organization.kind, "")

    def clean(self):
        if self.organization_id is not None and self.organization.kind not in _SCOPE_FOR_KIND:
            raise ValidationError({"organization": _(
                "Only municipalities, health trusts and regional health authorities have a "
                "coordinating unit."
            )})



class CooperationAgreement(models.Model):
    """The health trust–municipality agreement's terms that the portal enforces.

    Without an agreement the settings' defaults apply (e.g. 24 hours for the early
    notification, from forskrift om kommunal betaling for utskrivningsklare pasienter).
    """

    health_trust = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="agreements_as_trust",
        limit_choices_to={"kind": OrganizationKind.HEALTH_TRUST}, verbose_name=_("health trust"),
    )
    municipality = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="agreements_as_municipality",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY}, verbose_name=_("municipality"),
    )
    early_notification_hours = models.PositiveSmallIntegerField(
        _("early notification deadline (hours after admission)"),
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )

    class Meta:
        verbose_name = _("cooperation agreement")
        verbose_name_plural = _("cooperation agreements")
        constraints = [
            models.UniqueConstraint(fields=["health_trust", "municipality"],
                                    name="unique_agreement_per_trust_and_municipality"),
        ]

    def __str__(self):
        return f"{self.health_trust} – {self.municipality}"

    def clean(self):
        errors = {}
        if self.health_trust_id and self.health_trust.kind != OrganizationKind.HEALTH_TRUST:
            errors["health_trust"] = _("Choose a health trust.")
        if self.municipality_id and self.municipality.kind != OrganizationKind.MUNICIPALITY:
            errors["municipality"] = _("Choose a municipality.")
        if errors:
            raise ValidationError(errors)



class Role(models.TextChoices):
    KE_STAFF = "ke_staff", _("KE staff")
    DISCHARGE_PLANNER = "discharge_planner", _("Discharge planner")
    COORDINATOR = "coordinator", _("Coordinator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    # A health trust's or helsefellesskap's analyst: every aggregate, no patient.
    REGIONAL_PLANNER = "regional_planner", _("Regional planner")
    API_CLIENT = "api_client", _("EPJ system")
    # A GP (fastlege) at a GP office: sees the patients it refers, sends referrals.
    GP = "gp", _("GP")
    # Assesses the referrals a unit receives (an RVE, an institution, a hospital department,
    # a municipality's services) and decides them within the patient rights act's deadlines.
    REFERRAL_ASSESSOR = "referral_assessor", _("Referral assessor")
    # The unit's lead: assesses too, and is told when a deadline is missed.
    UNIT_LEAD = "unit_lead", _("Unit lead")



class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    ward = models.ForeignKey(
        "registry.Ward", null=True, blank=True, on_delete=models.PROTECT,
        related_name="memberships", verbose_name=_("ward"),
        help_text=_("A discharge planner's own ward: the ward board opens on it, and the "
                    "ward's reminders go to them. Empty: all wards of the hospital."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"],
                                    name="unique_membership_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.organization}"

    def clean(self):
        if (self.ward_id and self.organization_id
                and self.ward.hospital_id != self.organization_id):
            raise ValidationError({"ward": _("Choose a ward of %(organization)s.") % {
                "organization": self.organization.name}})
        if (self.role == Role.REGIONAL_PLANNER and self.organization_id
                and self.organization.kind not in (OrganizationKind.HEALTH_TRUST,
                                                   OrganizationKind.REGIONAL_HEALTH_AUTHORITY)):
            raise ValidationError({"organization": _(
                "A regional planner works for a health trust or a regional health "
                "authority.")})
