"""The patient and the care relationships that decide who may see them."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.capabilities import Capability, organizations_where
from registry.models import Organization

from ..identity import IdentityKind, parse_identity_number


class CareRelationshipQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(valid_from__lte=at), Q(valid_to__isnull=True) | Q(valid_to__gt=at))

    def granting(self, user, at=None):
        """Relationships that give this user access right now: personal ones, or ones held by
        an organisation where the user has an organisation-wide patient role.

        The organisations are the request's memberships (read once per request), written into
        the SQL as values: PostgreSQL then knows how many patients each one holds and walks
        the care relationships of the organisation instead of every admission."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        org_ids = [organization.pk for organization in
                   organizations_where(user, Capability.SEE_ORGANIZATION_PATIENTS)]
        return self.active(at).filter(
            Q(user=user) | Q(user__isnull=True, organization_id__in=org_ids)
        )


class CareRelationshipReason(models.TextChoices):
    REGISTRATION = "registration", _("Registered the patient")
    ADMISSION = "admission", _("Admission")
    RESIDENCE = "residence", _("Municipality of residence")
    COORDINATION = "coordination", _("Coordinator")
    INDIVIDUAL_PLAN = "individual_plan", _("Individual plan participant")
    REFERRAL = "referral", _("Referral or request")
    MEETING = "meeting", _("Invited to a discharge meeting")


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Deny by default: only patients with an active care relationship granting access."""
        granting = CareRelationship.objects.granting(user).filter(patient=OuterRef("pk"))
        return self.filter(Exists(granting))


class Patient(TrackedModel):
    identity_number = models.CharField(
        _("national identity number"), max_length=11, unique=True,
        help_text=_("Fødselsnummer or D-number, 11 digits."),
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    municipality = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="residents",
        limit_choices_to={"kind": "municipality"}, verbose_name=_("municipality of residence"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=60, blank=True)
    # Recorded when the patient dies outside a hospital stay (a PLO LOG_DOD); a death in
    # hospital is its stay's step (record_death) and sets it too.
    died_at = models.DateTimeField(_("died at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["updated_at", "uuid"], name="patient_sync_idx"),
        ]

    def __str__(self):
        # Never the identity number: this string ends up in logs.
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def identity_kind(self) -> str:
        return IdentityKind.DNR if int(self.identity_number[:2]) > 40 else IdentityKind.FNR

    @property
    def masked_identity_number(self) -> str:
        return f"{self.identity_number[:6]} *****"

    def clean(self):
        errors = {}
        try:
            parsed = parse_identity_number(self.identity_number)
        except ValidationError as exc:
            errors["identity_number"] = exc.messages
        else:
            self.identity_number = parsed.number
            if self.birth_date and self.birth_date != parsed.birth_date:
                errors["birth_date"] = _(
                    "The birth date does not match the identity number (%(date)s)."
                ) % {"date": parsed.birth_date.isoformat()}
            elif not self.birth_date:
                self.birth_date = parsed.birth_date
        if self.municipality_id and not self.municipality.is_municipality:
            errors["municipality"] = _("The municipality of residence must be a municipality.")
        if self.needs_interpreter and not self.interpreter_language:
            errors["interpreter_language"] = _("Say which language the interpreter needs.")
        if errors:
            raise ValidationError(errors)


class NextOfKin(TrackedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="next_of_kin")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=60)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    consent_to_share = models.BooleanField(
        _("patient consents to sharing information"), default=False
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("next of kin")
        verbose_name_plural = _("next of kin")

    def __str__(self):
        return f"{self.name} ({self.relation})"


class CareRelationship(models.Model):
    """Why an organisation (or one person in it) may see a patient, and for how long."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed by care_relationship_patient_idx, which also holds what granting() asks.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="care_relationships", db_index=False,
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="care_relationships",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="care_relationships", verbose_name=_("person"),
        help_text=_("Set when only this person, not the whole organisation, has the relationship."),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=CareRelationshipReason.choices)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CareRelationshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("care relationship")
        verbose_name_plural = _("care relationships")
        indexes = [
            models.Index(fields=["organization", "patient"]),
            models.Index(fields=["user", "patient"]),
            # Every access check asks a patient's relationships whether one grants the user
            # access now: with its columns in the index, PostgreSQL answers from the index
            # alone (an API list's bounded count at a million admissions: 7.5 to 3 ms, make
            # bench). SQLite keeps the key and ignores the rest (models.W040, silenced).
            models.Index(fields=["patient"], include=["organization", "user", "valid_from",
                                                      "valid_to"],
                         name="care_relationship_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="care_relationship_period_ordered",
            ),
            # One open-ended relationship of a kind per organisation (or person) and patient:
            # two steps granting it at the same moment give one row (grant_care_relationship).
            models.UniqueConstraint(
                fields=["patient", "organization", "reason"],
                condition=Q(valid_to__isnull=True, user__isnull=True),
                name="one_open_care_relationship_per_organization",
            ),
            models.UniqueConstraint(
                fields=["patient", "organization", "user", "reason"],
                condition=Q(valid_to__isnull=True, user__isnull=False),
                name="one_open_care_relationship_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.organization} → {self.patient} ({self.get_reason_display()})"


class PatientScopedQuerySet(models.QuerySet):
    """For every model that belongs to a patient: visible exactly when its patient is."""

    patient_path = "patient"

    def visible_to(self, user):
        """EXISTS over the row's own patient key: PostgreSQL checks the relationships of
        each row's patient without joining the patient table first (an API list's bounded
        count at a million admissions: 18 to 7.5 ms, make bench)."""
        granting = CareRelationship.objects.granting(user).filter(
            patient_id=OuterRef(f"{self.patient_path}_id"))
        return self.filter(Exists(granting))
