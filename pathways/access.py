"""Who may see a patient, and on which grounds: the one place that decides it."""

from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from common.lookup import one_or_404
from registry import audit
from registry.access import memberships
from registry.capabilities import Capability, can, organizations_where, roles_with
from registry.models import AuditAction, Membership, Organization, OrganizationKind, Role, User

from .models import CareRelationship, Patient


def visible_patients(user):
    return Patient.objects.visible_to(user)


def get_visible_patient(user, uuid) -> Patient:
    """The patient, or 404 whether it does not exist or lies outside the user's scope; with
    the grounds the user sees it on (with_grounds), so that auditing the read costs no
    query for them (audit_reads finds them on the patient)."""
    return one_or_404(with_grounds(visible_patients(user).select_related("municipality"),
                                   user, patient_field="pk"), uuid=uuid)


def grounds(user, patient_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """For each patient, the (organisation id, role) under which the user sees it."""
    patient_ids = list(patient_ids)
    if not patient_ids:
        return {}
    roles = {m.organization_id: m.role for m in memberships(user)}
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


def _granting_first(user, patient_ref):
    """The relationship grounds() picks for a patient, as a correlated subquery."""
    return CareRelationship.objects.granting(user).filter(patient=patient_ref).order_by(
        "user_id", "valid_from")


def with_grounds(queryset, user, patient_field: str = "patient"):
    """The queryset with, on each row, the grounds the user sees its patient on (what
    grounds() answers), read in the same query: a page that shows these rows audits them
    without a query of its own for the grounds (see grounds_of)."""
    first = _granting_first(user, OuterRef(patient_field))
    return queryset.annotate(grounds_organization_id=Subquery(first.values("organization_id")[:1]),
                             grounds_user_id=Subquery(first.values("user_id")[:1]))


def grounds_of(user, rows, patient_of=lambda row: row.patient) -> dict[int, tuple[int, str]]:
    """grounds() of rows read through with_grounds(): no query (the roles are the request's
    memberships)."""
    roles = {m.organization_id: m.role for m in memberships(user)}
    result = {}
    for row in rows:
        organization_id = row.grounds_organization_id
        if organization_id is None:
            continue
        role = Role.COORDINATOR if row.grounds_user_id else roles.get(organization_id, "")
        result.setdefault(patient_of(row).pk, (organization_id, role))
    return result


class PatientKey(NamedTuple):
    """A patient as a page of rows names it (common.api.lean: `patient`, `patient__uuid`)."""

    pk: int
    uuid: object


def audit_reads(user, records: Iterable, *, object_type: str,
                patient_of: Callable | None = None, action: AuditAction = AuditAction.VIEW,
                detail: str = "", basis: dict | None = None,
                object_id_of: Callable | None = None) -> None:
    """The one audit of reading patient data, for the web, REST, FHIR and the PDF alike: one
    event per record shown (two admissions of one patient are two reads), all in one
    INSERT, each under the care relationship it was read on. `records`: patients, or rows
    that belong to one (`patient_of(record)`: the patient, or a PatientKey); the event names
    the record by its public UUID (`object_id_of`, else `record.uuid`). The grounds come
    from the records when read with them (with_grounds), else `basis`, else one query."""
    audit.record_many(user, action, read_entries(
        user, records, object_type=object_type, patient_of=patient_of, detail=detail,
        basis=basis, object_id_of=object_id_of))


def read_entries(user, records: Iterable, *, object_type: str,
                 patient_of: Callable | None = None, detail: str = "",
                 basis: dict | None = None,
                 object_id_of: Callable | None = None) -> list[audit.Entry]:
    """audit_reads' events, for a page that reads in several parts and records them all in
    one INSERT."""
    records = list(records)
    patients = [patient_of(record) for record in records] if patient_of else records
    if basis is None and records and all(
            getattr(record, "grounds_organization_id", _UNREAD) is not _UNREAD
            for record in records):
        by_record = dict(zip(map(id, records), patients, strict=True))
        basis = grounds_of(user, records, patient_of=lambda record: by_record[id(record)])
    if basis is None:
        basis = grounds(user, {patient.pk for patient in patients})
    entries = []
    for record, patient in zip(records, patients, strict=True):
        organization_id, role = basis.get(patient.pk, (None, ""))
        entries.append(audit.Entry(
            object_type=object_type,
            object_id=str(object_id_of(record) if object_id_of else record.uuid)[:64],
            patient_uuid=patient.uuid,
            organization_id=organization_id,
            role=role,
            detail=detail,
        ))
    return entries


_UNREAD = object()


def organizations_caring_for(patient: Patient):
    """Ids of the organisations whose organisation-wide staff (and EPJ systems) may see the
    patient now: an active care relationship held for the whole organisation. A lazy
    queryset, so that a caller can use it as a subquery."""
    return CareRelationship.objects.active().filter(
        patient=patient, user__isnull=True).values_list("organization_id", flat=True)


def can_read_access_log(user, patient: Patient) -> bool:
    """KE staff of the patient's municipality read who has seen the record."""
    return can(user, Capability.WORK_IN_COORDINATING_UNIT, patient.municipality_id)


def _members(organization_id, roles, *, ward=None):
    memberships = Membership.objects.filter(organization_id=organization_id, role__in=roles)
    if ward is not None:
        memberships = memberships.filter(Q(ward__isnull=True) | Q(ward=ward))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def ke_staff_of(organization):
    """The coordinating unit's staff of a municipality or health trust."""
    return _members(organization.pk, roles_with(Capability.WORK_IN_COORDINATING_UNIT))


def planners_of(hospital, ward=None):
    """The hospital's discharge planners; those tied to a ward only for that ward."""
    return _members(hospital.pk, roles_with(Capability.WORK_ON_WARD), ward=ward)


# The roles that act for a hospital or a municipality, for queries by role (the table:
# registry.capabilities).
HOSPITAL_ROLES = roles_with(Capability.ACT_FOR_HOSPITAL)
MUNICIPAL_ROLES = roles_with(Capability.ACT_FOR_MUNICIPALITY)


def acting_hospital(user) -> Organization | None:
    """The hospital the user admits for when they name none: their one hospital; None
    when they act for several (the caller asks which); 403 when for none."""
    hospitals = [organization for organization in
                 organizations_where(user, Capability.ACT_FOR_HOSPITAL)
                 if organization.kind == OrganizationKind.HOSPITAL]
    if not hospitals:
        raise PermissionDenied(_("Only a hospital's discharge planners or EPJ system may "
                                 "admit patients."))
    return hospitals[0] if len(hospitals) == 1 else None


def require_hospital_staff(user, admission) -> None:
    """Only the admitting hospital's planners (or its EPJ system) act for the hospital."""
    if not can(user, Capability.ACT_FOR_HOSPITAL, admission.hospital):
        raise PermissionDenied(_(
            "Only discharge planners at %(hospital)s may do this for this admission."
        ) % {"hospital": admission.hospital.name})


def require_organizing_side(user, admission) -> None:
    """The hospital's planners or the municipality's KE (or their EPJ systems) organise the
    discharge meeting."""
    if not (can(user, Capability.ACT_FOR_HOSPITAL, admission.hospital)
            or can(user, Capability.ACT_FOR_MUNICIPALITY, admission.municipality)):
        raise PermissionDenied(_(
            "Only the hospital's discharge planners or the municipality's coordinating unit "
            "may organise this meeting."))


def require_municipal_ke(user, admission) -> None:
    """Only the responsible municipality's KE (or its EPJ system) answers for it."""
    if not can(user, Capability.ACT_FOR_MUNICIPALITY, admission.municipality):
        raise PermissionDenied(_(
            "Only the coordinating unit of %(municipality)s may answer for it."
        ) % {"municipality": admission.municipality.name})
