"""Citizens who sign in (ID-porten) and whom they represent.

A citizen is a person with an identity number: the patient, or a next of kin, parent or
guardian (verge) acting for the patient. Which patients a citizen may see, and which parts,
is pathways.citizen_access's: the patient sees everything of their own; a representative sees
what the grant names (plan, meetings, messages), for as long as it is live.

The age limits and exceptions (DOMAIN.md, "The patient's own access", in detail; the sources
are pasient- og brukerrettighetsloven (pbrl.) and vergemålsloven):

- Under 16 the parents, or others with parental responsibility, consent and are informed on
  the child's behalf (pbrl. § 4-4 first paragraph, § 3-4 first paragraph): the coordinating
  unit registers them (kind parent). A child under 16 does not give anyone access themself.
- From 12 the child's own wishes about what the parents are told must be heard, and, for
  reasons that should be respected, limit it (pbrl. § 3-4 second paragraph; § 4-4 on
  hearing the child, whose opinion weighs heavily from 12): the coordinating unit records
  the limit (limited_by_child, the parts left). Information the parents need to fulfil their
  parental responsibility is still given them until 18 (§ 3-4): by staff, not through this
  door.
- From 16 the young person decides (pbrl. § 4-3 first paragraph b): a parent's
  representation ends on the 16th birthday whatever the row says (pathways.citizen_access),
  and a parent is no longer registered; the young person may give a parent access like any
  next of kin.
- A guardian (verge) acts within the mandate the county governor (statsforvalteren) gave
  (vergemålsloven §§ 20-21; pbrl. § 4-6 for an adult without capacity to consent): the
  coordinating unit registers it with the mandate in `note`, and ends it; the patient sees it
  but does not end it themself (the mandate is the county governor's decision).
- A next of kin the patient chose (pbrl. § 1-3 b) has the parts the patient granted, until
  the patient, or the coordinating unit at the patient's request, withdraws it."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel

from ..identity import parse_identity_number
from .patients import NextOfKin, Patient

# The age from which the young person decides alone (pasient- og brukerrettighetsloven
# § 4-3): a parent's representation ends on the child's 16th birthday.
AGE_OF_HEALTH_CONSENT = 16
# The age from which the child's own wishes about what parents are told must be heard and
# can limit it (§ 3-4): the coordinating unit records the limit on the representation.
AGE_HEARD_ON_PARENTS = 12


class Citizen(models.Model):
    """A person signed in through ID-porten, known by their identity number (the `pid`
    claim). One user per identity number; the user is a citizen (User.is_citizen)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="citizen")
    identity_number = models.CharField(_("national identity number"), max_length=11,
                                       unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(_("last signed in"), null=True, blank=True)
    last_assurance_level = models.CharField(
        _("assurance level"), max_length=40, blank=True,
        help_text=_("The acr of the last sign-in, e.g. idporten-loa-high."))

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self):
        return self.user.display_name()

    def clean(self):
        try:
            self.identity_number = parse_identity_number(self.identity_number).number
        except ValidationError as exc:
            raise ValidationError({"identity_number": exc.messages}) from exc


class RepresentationKind(models.TextChoices):
    NEXT_OF_KIN = "next_of_kin", _("Next of kin, by the patient's grant")
    PARENT = "parent", _("Parent with parental responsibility")
    GUARDIAN = "guardian", _("Guardian (verge)")


class RepresentationScope(models.TextChoices):
    """The parts of the patient's door a representative may be given."""

    PLAN = "plan", _("The individual plan")
    MEETINGS = "meetings", _("Meetings")
    MESSAGES = "messages", _("Messages")


class RepresentationQuerySet(models.QuerySet):
    def live(self, at=None):
        """Not withdrawn and started. A parent's also ends on the child's 16th birthday,
        which citizen_access checks against the patient's birth date."""
        at = at or timezone.now()
        return self.filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at),
                           valid_from__lte=at)


class Representation(TrackedModel):
    """Someone who acts for the patient in the portal: a next of kin the patient granted
    access (all or some parts), a parent of a child under 16 (registered by the coordinating
    unit; ends at 16; from 12 the child's wishes may narrow it), or a guardian (verge)
    registered by the coordinating unit. The representative is known by identity number, so
    a grant holds before they first sign in."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="representations")
    kind = models.CharField(_("kind"), max_length=15, choices=RepresentationKind.choices)
    representative_identity_number = models.CharField(
        _("the representative's identity number"), max_length=11)
    representative_name = models.CharField(_("the representative's name"), max_length=200)
    next_of_kin = models.ForeignKey(NextOfKin, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="representations",
                                    verbose_name=_("next of kin"))
    sees_plan = models.BooleanField(_("the individual plan"), default=False)
    sees_meetings = models.BooleanField(_("meetings"), default=False)
    sees_messages = models.BooleanField(_("messages"), default=False)
    limited_by_child = models.BooleanField(
        _("limited at the child's wish"), default=False,
        help_text=_("From 12 the child's wishes about what parents are told can limit it."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RepresentationQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "pk"]
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        indexes = [models.Index(fields=["representative_identity_number"],
                                name="representation_person_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "representative_identity_number"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_representation_per_person"),
        ]

    def __str__(self):
        return f"{self.representative_name} → {self.patient} ({self.get_kind_display()})"

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(scope for scope, on in (
            (RepresentationScope.PLAN, self.sees_plan),
            (RepresentationScope.MEETINGS, self.sees_meetings),
            (RepresentationScope.MESSAGES, self.sees_messages)) if on)

    def clean(self):
        errors = {}
        try:
            self.representative_identity_number = parse_identity_number(
                self.representative_identity_number).number
        except ValidationError as exc:
            errors["representative_identity_number"] = exc.messages
        else:
            if self.patient_id and self.representative_identity_number == \
                    self.patient.identity_number:
                errors["representative_identity_number"] = _(
                    "The patient cannot represent themselves.")
        if not (self.sees_plan or self.sees_meetings or self.sees_messages):
            errors["sees_plan"] = _("Choose at least one part: the plan, meetings or messages.")
        if errors:
            raise ValidationError(errors)
