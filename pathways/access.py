"""Who may see a patient, and on which grounds: the one place that decides it."""

from collections.abc import Iterable

from django.http import Http404

from registry import audit
from registry.models import AuditAction, Membership, Role

from .models import CareRelationship, Patient


def visible_patients(user):
    return Patient.objects.visible_to(user)


def get_visible_patient(user, uuid) -> Patient:
    """The patient, or 404 whether it does not exist or lies outside the user's scope."""
    try:
        return visible_patients(user).select_related("municipality").get(uuid=uuid)
    except (Patient.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such patient.") from exc


def grounds(user, patient_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """For each patient, the (organisation id, role) under which the user sees it."""
    patient_ids = list(patient_ids)
    if not patient_ids:
        return {}
    roles = dict(
        Membership.objects.filter(user=user).order_by("pk").values_list("organization_id", "role")
    )
    result = {}
    rows = (
        CareRelationship.objects.granting(user).filter(patient_id__in=patient_ids)
        .order_by("user_id", "valid_from").values_list("patient_id", "organization_id", "user_id")
    )
    for patient_id, organization_id, personal_user_id in rows:
        if patient_id in result:
            continue
        role = Role.COORDINATOR if personal_user_id else roles.get(organization_id, "")
        result[patient_id] = (organization_id, role)
    return result


def log_patient_access(user, action: AuditAction, patients: Iterable[Patient], *,
                       object_type: str = "patient", object_ids: dict | None = None,
                       detail: str = "") -> None:
    """Audit that the user read (or exported, printed ...) these patients' data."""
    patients = list(patients)
    basis = grounds(user, [p.pk for p in patients])
    entries = []
    for patient in patients:
        organization_id, role = basis.get(patient.pk, (None, ""))
        entries.append(audit.Entry(
            object_type=object_type,
            object_id=str((object_ids or {}).get(patient.pk, patient.uuid)),
            patient_uuid=patient.uuid,
            organization_id=organization_id,
            role=role,
            detail=detail,
        ))
    audit.record_many(user, action, entries)


def can_read_access_log(user, patient: Patient) -> bool:
    """KE staff of the patient's municipality read who has seen the record."""
    return Membership.objects.filter(
        user=user, role=Role.KE_STAFF, organization_id=patient.municipality_id
    ).exists()
