"""State changes of patients and care relationships; views and viewsets call these."""

import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StaleVersion
from common.versioning import lock_at_version, save_changes
from registry import audit
from registry.capabilities import Capability, roles_with
from registry.models import AuditAction, AuditObjectType, Membership, Organization

from ..models import (
    Admission,
    CareRelationship,
    CareRelationshipReason,
    DischargeMeeting,
    EarlyNotification,
    NextOfKin,
    Patient,
)

PATIENT_FIELDS = (
    "identity_number", "given_name", "family_name", "birth_date", "municipality", "address",
    "phone", "email", "needs_interpreter", "interpreter_language",
)


# Letters NFKD does not take apart; the rest of the diacritics (å, é, ü ...) are dropped.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ł": "l", "ð": "d", "þ": "th"})
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—.,]+")


def normalised_name(value: str) -> str:
    """A name as two channels may both write it: case, spacing, hyphens, apostrophes and
    diacritics do not count ("Anne-Lise Ødegård" = "anne lise odegard")."""
    value = unicodedata.normalize("NFKD", value.casefold()).translate(_LETTERS)
    value = "".join(c for c in value if not unicodedata.combining(c))
    value = _APOSTROPHES.sub("", value)
    return _SEPARATORS.sub(" ", value).strip()


def names_match(patient: Patient, *, given_name: str, family_name: str) -> bool:
    """Whether typed names are the registered patient's. Both must match: the family name in
    full; of the given names, one side may carry only the first ones ("Kari" for "Kari
    Anne"), as EPJ systems and wards often do."""
    if normalised_name(family_name) != normalised_name(patient.family_name):
        return False
    typed, registered = (normalised_name(given_name).split(),
                         normalised_name(patient.given_name).split())
    shorter = min(len(typed), len(registered))
    return shorter > 0 and typed[:shorter] == registered[:shorter]


def check_names(patient: Patient, *, given_name: str = "", family_name: str = "",
                required: bool) -> None:
    """Refuse names that are not the patient's, and missing names where `required` (a
    patient the caller may not see yet). The refusal names both fields whichever differs,
    so that it does not tell a stranger's family name from their given name."""
    if not (given_name or "").strip() and not (family_name or "").strip() and not required:
        return
    if not (given_name or "").strip() or not (family_name or "").strip():
        if not required:
            missing = [n for n, v in (("given_name", given_name), ("family_name", family_name))
                       if not (v or "").strip()]
            raise ValidationError({name: _("Give both the given and the family name.")
                                   for name in missing})
        raise ValidationError({name: _(
            "Give the patient's given and family name as registered: they are checked "
            "against the identity number before the patient is linked to your organisation."
        ) for name in ("given_name", "family_name")})
    if not names_match(patient, given_name=given_name, family_name=family_name):
        message = _("The identity number belongs to a patient registered with other names. "
                    "Check the number and the names.")
        raise ValidationError({"given_name": message, "family_name": message})


def acting_membership(user, organization: Organization | None = None) -> Membership:
    """The membership under which the user registers patients (organisation-wide roles)."""
    memberships = Membership.objects.filter(
        user=user, role__in=roles_with(Capability.SEE_ORGANIZATION_PATIENTS)
    ).select_related("organization").order_by("pk")
    if organization is not None:
        memberships = memberships.filter(organization=organization)
    membership = memberships.first()
    if membership is None:
        raise PermissionDenied(_("You have no role that may register patients."))
    return membership


def grant_care_relationship(patient: Patient, organization: Organization, reason: str, *, by,
                            user=None, valid_from=None, valid_to=None) -> CareRelationship:
    try:
        with transaction.atomic():
            relationship = CareRelationship.objects.create(
                patient=patient, organization=organization, user=user, reason=reason,
                valid_from=valid_from or timezone.now(), valid_to=valid_to, created_by=by,
            )
    except IntegrityError:
        # The one open relationship of this kind stands already (granted at the same moment
        # by another step): it grounds the same access, so nothing is granted twice.
        existing = CareRelationship.objects.filter(
            patient=patient, organization=organization, user=user, reason=reason,
            valid_to__isnull=True).first()
        if existing is None:
            raise
        return existing
    audit.record(by, AuditAction.CREATE, AuditObjectType.CARE_RELATIONSHIP, relationship.uuid,
                 patient_uuid=patient.uuid, organization=organization,
                 detail=f"{reason} {organization.name}"[:200])
    _came_into_view(patient)
    return relationship


def _came_into_view(patient: Patient) -> None:
    """The patient and their pathway records come into someone's view: mark them changed, so
    that a client mirroring with `updated_since` or the sync cursor gets them, however long
    ago they last changed. (Plans and requests are marked by the coordination services, which
    grant access to them.)"""
    now = timezone.now()
    Patient.objects.filter(pk=patient.pk).update(updated_at=now)
    Admission.objects.filter(patient=patient).update(updated_at=now)
    EarlyNotification.objects.filter(admission__patient=patient).update(updated_at=now)
    DischargeMeeting.objects.filter(admission__patient=patient).update(updated_at=now)


def end_care_relationship(relationship: CareRelationship, *, by, at=None) -> CareRelationship:
    at = at or timezone.now()
    CareRelationship.objects.filter(pk=relationship.pk).update(valid_to=at)
    relationship.valid_to = at
    audit.record(by, AuditAction.UPDATE, AuditObjectType.CARE_RELATIONSHIP, relationship.uuid,
                 patient_uuid=relationship.patient.uuid, organization=relationship.organization,
                 detail="ended")
    return relationship


@transaction.atomic
def register_patient(*, by, organization: Organization | None = None, next_of_kin=(),
                     **fields) -> Patient:
    """Create a patient and the registering organisation's care relationship to it."""
    membership = acting_membership(by, organization)
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown patient fields: {sorted(unknown)}")
    patient = Patient(**fields, created_by=by, updated_by=by)
    patient.full_clean()
    patient.save()
    for kin in next_of_kin:
        add_next_of_kin(patient, by=by, **kin)
    audit.record(by, AuditAction.CREATE, AuditObjectType.PATIENT, patient.uuid,
                 patient_uuid=patient.uuid, organization=membership.organization,
                 role=membership.role)
    grant_care_relationship(patient, membership.organization, CareRelationshipReason.REGISTRATION,
                            by=by)
    return patient


def add_next_of_kin(patient: Patient, *, by, **fields) -> NextOfKin:
    kin = NextOfKin(patient=patient, created_by=by, updated_by=by, **fields)
    if kin.consent_to_share and kin.consent_recorded_at is None:
        kin.consent_recorded_at = timezone.now()
    kin.full_clean()
    kin.save()
    audit.record(by, AuditAction.CREATE, AuditObjectType.NEXT_OF_KIN, kin.uuid,
                 patient_uuid=patient.uuid)
    return kin


@transaction.atomic
def update_patient(patient: Patient, *, by, expected_version: int, **changes) -> Patient:
    """Apply changes unless someone saved in between (optimistic locking on `version`)."""
    def stale(current):
        changed = [f for f in PATIENT_FIELDS if getattr(current, f) != getattr(patient, f)]
        return StaleVersion(current.version, current=current, changed_fields=changed)

    current = lock_at_version(Patient.objects.visible_to(by), patient, expected_version,
                              stale=stale)
    save_changes(current, changes, by=by, allowed=PATIENT_FIELDS)
    audit.record(by, AuditAction.UPDATE, AuditObjectType.PATIENT, current.uuid,
                 patient_uuid=current.uuid, detail=", ".join(sorted(changes))[:200])
    if not Patient.objects.visible_to(by).filter(pk=current.pk).exists():
        # e.g. a move to another municipality took the record out of the editor's scope
        raise PermissionDenied(_("The change would take the patient out of your scope."))
    return current

