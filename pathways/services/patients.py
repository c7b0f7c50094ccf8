"""State changes of patients and care relationships; views and viewsets call these."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import audit
from registry.models import (
    ORGANIZATION_WIDE_PATIENT_ROLES,
    AuditAction,
    Membership,
    Organization,
)

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


class ConflictError(Exception):
    """The record changed since the editor loaded it; nothing was written."""

    def __init__(self, current, changed_fields):
        super().__init__("stale edit")
        self.current = current
        self.changed_fields = changed_fields


def acting_membership(user, organization: Organization | None = None) -> Membership:
    """The membership under which the user registers patients (organisation-wide roles)."""
    memberships = Membership.objects.filter(
        user=user, role__in=ORGANIZATION_WIDE_PATIENT_ROLES
    ).select_related("organization").order_by("pk")
    if organization is not None:
        memberships = memberships.filter(organization=organization)
    membership = memberships.first()
    if membership is None:
        raise PermissionDenied(_("You have no role that may register patients."))
    return membership


def grant_care_relationship(patient: Patient, organization: Organization, reason: str, *, by,
                            user=None, valid_from=None, valid_to=None) -> CareRelationship:
    relationship = CareRelationship.objects.create(
        patient=patient, organization=organization, user=user, reason=reason,
        valid_from=valid_from or timezone.now(), valid_to=valid_to, created_by=by,
    )
    audit.record(by, AuditAction.CREATE, "care_relationship", relationship.pk,
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
    audit.record(by, AuditAction.UPDATE, "care_relationship", relationship.pk,
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
    audit.record(by, AuditAction.CREATE, "patient", patient.uuid, patient_uuid=patient.uuid,
                 organization=membership.organization, role=membership.role)
    grant_care_relationship(patient, membership.organization, CareRelationshipReason.REGISTRATION,
                            by=by)
    return patient


def add_next_of_kin(patient: Patient, *, by, **fields) -> NextOfKin:
    kin = NextOfKin(patient=patient, created_by=by, updated_by=by, **fields)
    if kin.consent_to_share and kin.consent_recorded_at is None:
        kin.consent_recorded_at = timezone.now()
    kin.full_clean()
    kin.save()
    audit.record(by, AuditAction.CREATE, "next_of_kin", kin.uuid, patient_uuid=patient.uuid)
    return kin


@transaction.atomic
def update_patient(patient: Patient, *, by, expected_version: int, **changes) -> Patient:
    """Apply changes unless someone saved in between (optimistic locking on `version`)."""
    unknown = set(changes) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown patient fields: {sorted(unknown)}")
    current = Patient.objects.visible_to(by).select_for_update().get(pk=patient.pk)
    if current.version != expected_version:
        changed = [f for f in PATIENT_FIELDS if getattr(current, f) != getattr(patient, f)]
        raise ConflictError(current, changed)
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    current.updated_by = by
    current.save()
    audit.record(by, AuditAction.UPDATE, "patient", current.uuid, patient_uuid=current.uuid,
                 detail=", ".join(sorted(changes))[:200])
    if not Patient.objects.visible_to(by).filter(pk=current.pk).exists():
        # e.g. a move to another municipality took the record out of the editor's scope
        raise PermissionDenied(_("The change would take the patient out of your scope."))
    return current

