"""The patient named in a user's in-app notifications (registry.notification_patients asks;
registered in PathwaysConfig.ready()): only a patient the user may see, each name shown
recorded as a read of the patient."""

from uuid import UUID

from registry.models import AuditObjectType

from .access import audit_reads, visible_patients, with_grounds


def visible_patient_names(user, uuids: set[UUID]) -> dict[UUID, str]:
    """{patient uuid: full name} of those of `uuids` the user may see: one query for the
    patients with the grounds of each, one INSERT for the audit."""
    patients = list(with_grounds(visible_patients(user).filter(uuid__in=uuids), user,
                                 patient_field="pk"))
    audit_reads(user, patients, object_type=AuditObjectType.PATIENT, detail="notifications")
    return {patient.uuid: patient.full_name for patient in patients}
