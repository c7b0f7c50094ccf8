"""Pieces the pathway viewsets share: audited reads and display names."""

from collections.abc import Callable, Iterable

from rest_framework import serializers

from registry import audit
from registry.models import AuditAction

from ..access import grounds
from ..models import Patient


def log_reads(user, objects: Iterable, *, object_type: str,
              patient_of: Callable[[object], Patient], detail: str = "api",
              action: AuditAction = AuditAction.VIEW) -> None:
    """access.log_patient_access for a page of pathway records: one event per record (not
    per patient: two admissions of one patient are two reads), all in one INSERT, each with
    the care relationship it was read under."""
    objects = list(objects)
    if not objects:
        return
    patients = [patient_of(obj) for obj in objects]
    basis = grounds(user, {patient.pk for patient in patients})
    entries = []
    for obj, patient in zip(objects, patients, strict=True):
        organization_id, role = basis.get(patient.pk, (None, ""))
        entries.append(audit.Entry(
            object_type=object_type, object_id=str(obj.uuid), patient_uuid=patient.uuid,
            organization_id=organization_id, role=role, detail=detail,
        ))
    audit.record_many(user, action, entries)


def display_name_field(source: str, **kwargs) -> serializers.CharField:
    """Who did it, as people read it (never a user id)."""
    return serializers.CharField(source=f"{source}.display_name", read_only=True,
                                 allow_null=True, **kwargs)


