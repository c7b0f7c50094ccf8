"""The hospital stay: admission, discharge, transfer and death (ready for discharge and the
municipality's answer are readiness.py's, by the same rules). Every step checks who may take
it, changes the state by a conditional UPDATE (so two clicks or two systems cannot both
win), audits, and notifies the other side."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import dates
from common.exceptions import StateConflict
from common.versioning import lock_at_version, save_changes
from registry import audit
from registry.capabilities import Capability, can, roles_with
from registry.models import (
    AuditAction,
    AuditObjectType,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    ServiceLevel,
    Ward,
)
from registry.notifications import Message, notify

from .. import access, deadlines, links
from ..identity import parse_identity_number
from ..models import (
    Admission,
    AdmissionStatus,
    CareRelationship,
    CareRelationshipReason,
    DischargeDestination,
    MeetingStatus,
    Patient,
    ReadyForDischarge,
)
from ..signals import death_entered_in_error, patient_died, step_recorded
from ._common import (
    audit_step,
    emit,
    not_in_future,
    notify_hospital,
    notify_municipality,
    step,
)
from .patients import (
    check_names,
    end_care_relationship,
    grant_care_relationship,
    register_patient,
)

S = AdmissionStatus


OPEN = {S.ADMITTED, S.READY_FOR_DISCHARGE}


# The allowed transitions: step → (from states, to state).
TRANSITIONS = {
    "declare_ready": ({S.ADMITTED}, S.READY_FOR_DISCHARGE),
    "withdraw_ready": ({S.READY_FOR_DISCHARGE}, S.ADMITTED),
    "discharge": (OPEN, S.DISCHARGED),
    "transfer": (OPEN, S.TRANSFERRED),
    "record_death": (OPEN, S.DECEASED),
    # The stay never was (enter_admission_in_error): only while it is open; a stay that
    # ended has its ending corrected or cancelled first (reopen_admission).
    "enter_in_error": (OPEN, S.ENTERED_IN_ERROR),
    # The discharge was sent in error: the stay is open again, ready if its declaration
    # was still in force when the patient left.
    "reopen": ({S.DISCHARGED}, S.ADMITTED),
    "reopen_ready": ({S.DISCHARGED}, S.READY_FOR_DISCHARGE),
    # The withdrawal (avmelding) was sent in error: the declaration is in force again.
    "reinstate_ready": ({S.ADMITTED}, S.READY_FOR_DISCHARGE),
}


STEP_NAMES = {
    "declare_ready": gettext_lazy("declare the patient ready for discharge"),
    "withdraw_ready": gettext_lazy("withdraw the ready-for-discharge declaration"),
    "discharge": gettext_lazy("discharge the patient"),
    "transfer": gettext_lazy("transfer the patient"),
    "record_death": gettext_lazy("record the death"),
    "enter_in_error": gettext_lazy("register the stay as entered in error"),
    "reopen": gettext_lazy("cancel the discharge"),
    "reopen_ready": gettext_lazy("cancel the discharge"),
    "reinstate_ready": gettext_lazy("cancel the withdrawal of the declaration"),
}


ADMISSION_FIELDS = (
    "ward", "reason", "receives_municipal_services", "estimated_discharge_date",
    "needs_interdisciplinary_follow_up", "is_rehabilitation_stay",
)


def transition(admission: Admission, step: str, *, by, **changes) -> Admission:
    """Move the admission along TRANSITIONS with a conditional UPDATE."""
    allowed, target = TRANSITIONS[step]
    updated = Admission.objects.filter(pk=admission.pk, status__in=allowed).update(
        status=target, version=F("version") + 1, updated_by=by, updated_at=timezone.now(),
        **changes,
    )
    if not updated:
        current = Admission.objects.get(pk=admission.pk)
        raise StateConflict(
            _("Cannot %(step)s: the admission is %(status)s.") % {
                "step": STEP_NAMES[step], "status": current.get_status_display().lower()},
            code="invalid_transition", field="status",
        )
    admission.refresh_from_db()
    return admission


def _require_admitting(by, hospital: Organization) -> None:
    """A hospital, and one whose discharge planners `by` acts for."""
    if hospital.kind != OrganizationKind.HOSPITAL:
        raise ValidationError({"hospital": _("Choose a hospital.")})
    if not can(by, Capability.ACT_FOR_HOSPITAL, hospital):
        raise PermissionDenied(
            _("Only discharge planners at %(hospital)s may admit patients there.")
            % {"hospital": hospital.name})


@transaction.atomic
def admit_patient(*, by, patient: Patient, hospital: Organization, ward: Ward,
                  admitted_at: datetime.datetime, municipality: Organization | None = None,
                  readmission_of: Admission | None = None,
                  transferred_from: Admission | None = None, **fields) -> Admission:
    """Register an admission; the hospital and the responsible municipality get a care
    relationship to the patient. The municipality defaults to the patient's residence."""
    unknown = set(fields) - set(ADMISSION_FIELDS) - {"ward"}
    if unknown:
        raise ValueError(f"Unknown admission fields: {sorted(unknown)}")
    _require_admitting(by, hospital)
    not_in_future(admitted_at, "admitted_at")
    municipality = municipality or patient.municipality
    if patient.admissions.filter(hospital=hospital, status__in=OPEN).exists():
        raise StateConflict(
            _("The patient is already admitted at %(hospital)s.") % {"hospital": hospital.name},
            code="already_admitted", field="patient")
    if readmission_of is not None and readmission_of.patient_id != patient.pk:
        raise ValidationError({"readmission_of": _("That admission is another patient's.")})
    admission = Admission(
        patient=patient, hospital=hospital, ward=ward, admitted_at=admitted_at,
        municipality=municipality, readmission_of=readmission_of,
        transferred_from=transferred_from,
        notification_deadline=deadlines.early_notification_deadline(
            admitted_at, hospital, municipality),
        created_by=by, updated_by=by, **fields,
    )
    admission.full_clean()
    try:
        with transaction.atomic():
            admission.save()
    except IntegrityError as exc:  # a double submit lost the race to the first
        raise StateConflict(
            _("The patient is already admitted at %(hospital)s.") % {"hospital": hospital.name},
            code="already_admitted", field="patient") from exc
    audit_step(by, AuditAction.CREATE, admission, admission, f"{hospital.name} {ward.name}")
    for organization in (hospital, municipality):
        if not patient.care_relationships.active().filter(
                organization=organization, user__isnull=True,
                reason=CareRelationshipReason.ADMISSION).exists():
            grant_care_relationship(patient, organization, CareRelationshipReason.ADMISSION,
                                    by=by)
    emit("admission.created", admission, patient)
    step("admission.created", admission, admission, by)
    return admission


def admit_by_identity_number(*, by, identity_number: str, hospital: Organization, ward: Ward,
                             admitted_at: datetime.datetime,
                             municipality: Organization | None = None,
                             registration: dict | None = None, **fields) -> Admission:
    """Admit a patient an EPJ system knows only by identity number: one the caller may see;
    else one registered elsewhere, which the admission links to the hospital (admission is a
    care relationship; admit_patient grants it and the audit trail records it); else a new
    patient registered from `registration` (given_name, family_name, optionally birth_date
    and the municipality of residence, which defaults to the responsible `municipality`).

    Names in `registration` must be the registered patient's (check_names), and a patient
    the caller may not see yet is linked only on both names: a mistyped number admits
    nobody. A refusal is audited and writes nothing else; call this outside a transaction,
    or the refusal's audit event rolls back with it."""
    # Before any lookup: who may not admit here learns nothing about the number.
    _require_admitting(by, hospital)
    registration = dict(registration or {})
    patient = Patient.objects.filter(identity_number=identity_number).first()
    if patient is not None:
        in_scope = Patient.objects.visible_to(by).filter(pk=patient.pk).exists()
        how = "in scope" if in_scope else "linked by admission"
        try:
            check_names(patient, given_name=registration.get("given_name", ""),
                        family_name=registration.get("family_name", ""), required=not in_scope)
        except ValidationError as exc:
            audit.record(by, AuditAction.SEARCH, AuditObjectType.PATIENT, patient.uuid,
                         patient_uuid=patient.uuid, organization=hospital,
                         detail=f"admission by identity number refused ({how}): "
                                f"{', '.join(sorted(exc.error_dict))}")
            raise
    with transaction.atomic():
        if patient is None:
            patient = _register_from_admission(by, identity_number, hospital, municipality,
                                               registration)
            how = "registered"
        audit.record(by, AuditAction.SEARCH, AuditObjectType.PATIENT, patient.uuid,
                     patient_uuid=patient.uuid, detail=f"admission by identity number: {how}")
        return admit_patient(by=by, patient=patient, hospital=hospital, ward=ward,
                             admitted_at=admitted_at, municipality=municipality, **fields)


def _register_from_admission(by, identity_number: str, hospital: Organization,
                             municipality: Organization | None, registration: dict) -> Patient:
    registration.setdefault("municipality", municipality)
    if not registration.get("birth_date"):
        # Patient.clean() would derive it, but only after clean_fields() refused the blank.
        registration["birth_date"] = parse_identity_number(identity_number).birth_date
    missing = [name for name in ("given_name", "family_name", "municipality")
               if not registration.get(name)]
    if missing:
        raise ValidationError({name: _(
            "The portal does not know this identity number yet: give this to register "
            "the patient.") for name in missing})
    return register_patient(by=by, organization=hospital, identity_number=identity_number,
                            **registration)


@transaction.atomic
def update_admission(admission: Admission, *, by, expected_version: int, **changes) -> Admission:
    """Change what the ward knows (ward, estimated discharge date ...), optimistically locked."""
    access.require_hospital_staff(by, admission)
    current = lock_at_version(Admission.objects, admission, expected_version, message=_(
        "Someone changed the admission since you read it (now version %(version)s)."))
    if not current.is_open:
        raise StateConflict(_("A closed admission cannot be changed."), code="closed")
    ward = changes.get("ward")
    if ward is not None and ward.pk != current.ward_id and not ward.active:
        raise ValidationError({"ward": _("The ward %(ward)s is closed: choose an open ward.")
                               % {"ward": ward.name}})
    save_changes(current, changes, by=by, allowed=ADMISSION_FIELDS)
    audit_step(by, AuditAction.UPDATE, current, current, ", ".join(sorted(changes)))
    return current


@transaction.atomic
def discharge_patient(admission: Admission, *, by, destination: str,
                      discharged_at: datetime.datetime | None = None,
                      discharge_level: ServiceLevel | None = None,
                      interdisciplinary_report_ready: bool = False,
                      epicrisis_ready: bool = False) -> Admission:
    access.require_hospital_staff(by, admission)
    discharged_at = discharged_at or timezone.now()
    if discharged_at < admission.admitted_at:
        raise ValidationError({"discharged_at": _("Discharge cannot come before admission.")})
    not_in_future(discharged_at, "discharged_at")
    if destination not in DischargeDestination.values:
        raise ValidationError({"destination": _("Choose a destination.")})
    if destination == DischargeDestination.DECEASED:
        return record_death(admission, by=by, died_at=discharged_at)
    if destination == DischargeDestination.MUNICIPAL_REHABILITATION and (
            discharge_level is None or discharge_level.code not in {"2", "3", "4"}):
        raise ValidationError({"discharge_level": _(
            "Municipal rehabilitation is on level 2, 3 or 4: choose the level.")})
    admission = transition(
        admission, "discharge", by=by, discharged_at=discharged_at,
        discharge_destination=destination, discharge_level=discharge_level,
        interdisciplinary_report_ready=interdisciplinary_report_ready,
        epicrisis_ready=epicrisis_ready,
    )
    audit_step(by, AuditAction.UPDATE, admission, admission, f"discharged: {destination}")
    notify_municipality(admission, "admission.discharged", _("A patient was discharged"),
                         _("Destination: %(destination)s.") % {
                             "destination": admission.get_discharge_destination_display()})
    step("admission.discharged", admission, admission, by)
    return admission


@transaction.atomic
def record_death(admission: Admission, *, by, died_at: datetime.datetime) -> Admission:
    access.require_hospital_staff(by, admission)
    if died_at < admission.admitted_at:
        raise ValidationError({"died_at": _("The time lies before the admission.")})
    not_in_future(died_at, "died_at")
    admission = transition(admission, "record_death", by=by, discharged_at=died_at,
                            discharge_destination=DischargeDestination.DECEASED)
    Patient.objects.filter(pk=admission.patient_id, died_at__isnull=True).update(
        died_at=died_at, version=F("version") + 1, updated_at=timezone.now(), updated_by=by)
    admission.patient.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, admission, admission, "deceased")
    notify_municipality(admission, "admission.deceased", _("A patient has died in hospital"))
    patient_died.send(sender=Admission, patient=admission.patient, by=by)
    step("admission.deceased", admission, admission, by)
    return admission


@transaction.atomic
def transfer_patient(admission: Admission, *, by, to_hospital: Organization, ward: Ward,
                     at: datetime.datetime | None = None) -> Admission:
    """Close this stay and open one at the other hospital, which takes over the notices."""
    access.require_hospital_staff(by, admission)
    at = at or timezone.now()
    if to_hospital == admission.hospital or to_hospital.kind != OrganizationKind.HOSPITAL:
        raise ValidationError({"to_hospital": _("Choose another hospital.")})
    if at < admission.admitted_at:
        raise ValidationError({"at": _("The transfer cannot come before admission.")})
    not_in_future(at, "at")
    if admission.patient.admissions.filter(hospital=to_hospital, status__in=OPEN).exists():
        raise StateConflict(
            _("The patient is already admitted at %(hospital)s.") % {
                "hospital": to_hospital.name},
            code="already_admitted", field="to_hospital")
    transition(admission, "transfer", by=by, discharged_at=at,
                discharge_destination=DischargeDestination.OTHER_HOSPITAL)
    audit_step(by, AuditAction.UPDATE, admission, admission, f"transferred to {to_hospital.name}")
    # The receiving hospital's staff act from here; the sender creates it on their behalf.
    new = Admission(
        patient=admission.patient, hospital=to_hospital, ward=ward, admitted_at=at,
        municipality=admission.municipality, transferred_from=admission,
        notification_deadline=deadlines.early_notification_deadline(
            at, to_hospital, admission.municipality),
        reason=admission.reason, receives_municipal_services=admission.receives_municipal_services,
        needs_interdisciplinary_follow_up=admission.needs_interdisciplinary_follow_up,
        is_rehabilitation_stay=admission.is_rehabilitation_stay,
        estimated_discharge_date=admission.estimated_discharge_date,
        created_by=by, updated_by=by,
    )
    new.full_clean()
    new.save()
    audit_step(by, AuditAction.CREATE, new, new, f"transfer from {admission.hospital.name}")
    grant_care_relationship(admission.patient, to_hospital, CareRelationshipReason.ADMISSION,
                            by=by)
    emit("admission.created", new, admission.patient)
    step("admission.created", new, new, by)
    notify_hospital(new, "admission.transferred_in",
                     _("A patient was transferred to your hospital"))
    return new


# -- Corrections: a step sent in error (issue 16: PLO's change and cancel) -------------------

def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stay was registered in error.")})
    return reason[:300]


# The access a stay registered in error gave its hospital and municipality ends this long
# after: they see the correction, then no longer a patient who may never have been theirs.
ERROR_ACCESS_GRACE = datetime.timedelta(days=7)


def _end_access_given_by(admission: Admission, *, by, at: datetime.datetime) -> None:
    """End the admission's care relationships of the stay's hospital and municipality at
    `at`, where no other stay of the patient there grounds them (a relationship of another
    reason, residence or coordination, is not the stay's and stands)."""
    for organization_id, party in ((admission.hospital_id, "hospital_id"),
                                   (admission.municipality_id, "municipality_id")):
        if Admission.objects.filter(patient_id=admission.patient_id,
                                    **{party: organization_id}).exclude(pk=admission.pk) \
                .exclude(status=S.ENTERED_IN_ERROR).exists():
            continue
        for relationship in CareRelationship.objects.filter(
                patient_id=admission.patient_id, organization_id=organization_id,
                reason=CareRelationshipReason.ADMISSION, user__isnull=True,
                valid_to__isnull=True).select_related("patient", "organization"):
            end_care_relationship(relationship, by=by, at=at)


@transaction.atomic
def enter_admission_in_error(admission: Admission, *, by, reason: str) -> Admission:
    """The stay never was (a PLO cancel of its admission message, or the ward's own
    correction): ENTERED_IN_ERROR, with the reason. It keeps its history, but nothing counts
    it any more: it leaves the ward board and the KE's inbox, no deadline or reminder runs
    for it, and a declaration in force on it is entered in error too, so no payment day
    follows. Scheduled discharge meetings are cancelled (their participants are told), and a
    pathway variant the stay was enrolled in ends with it.

    Only while the stay is open: a stay that ended (discharged, transferred, dead) has its
    ending cancelled first; and not once a discharge meeting was held on it, which cannot
    have been about a stay that never was."""
    from .meetings import cancel_discharge_meeting
    from .variants import end_with_stay_in_error

    access.require_hospital_staff(by, admission)
    reason = _reason(reason)
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.discharge_meetings.filter(status=MeetingStatus.HELD).exists():
        raise StateConflict(_("A discharge meeting was held during this stay, so it cannot be "
                              "registered as entered in error."), code="meeting_held")
    transition(admission, "enter_in_error", by=by, error_reason=reason)
    now = timezone.now()
    # A declaration in force never was either: its period is empty (billing ignores it).
    ReadyForDischarge.objects.filter(admission=admission, withdrawn_at__isnull=True).update(
        entered_in_error=True, withdrawn_at=F("declared_at"), withdrawn_by=by,
        withdrawal_reason=reason, updated_at=now, updated_by=by)
    for meeting in admission.discharge_meetings.filter(status=MeetingStatus.SCHEDULED):
        cancel_discharge_meeting(meeting, by=by, reason=reason)
    end_with_stay_in_error(admission, by=by, reason=reason)
    audit_step(by, AuditAction.UPDATE, admission, admission, f"entered in error: {reason}")
    _end_access_given_by(admission, by=by, at=now + ERROR_ACCESS_GRACE)
    notify_municipality(admission, "admission.entered_in_error",
                         _("A hospital stay was registered in error"),
                         _("%(hospital)s says the stay never was: %(reason)s") % {
                             "hospital": admission.hospital.name, "reason": reason})
    step("admission.entered_in_error", admission, admission, by)
    return admission


@transaction.atomic
def correct_admission(admission: Admission, *, by, admitted_at: datetime.datetime | None = None,
                      ward: Ward | None = None) -> Admission:
    """What the admission message said, corrected (a PLO change of LOG_INNLAGT): the time of
    admission (and with it the early notification's deadline, while no notice is sent) and
    the ward. The ward goes through update_admission's rules."""
    access.require_hospital_staff(by, admission)
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if not admission.is_open:
        raise StateConflict(_("A closed admission cannot be changed."), code="closed")
    changed = []
    if ward is not None and ward.pk != admission.ward_id:
        if ward.hospital_id != admission.hospital_id:
            raise ValidationError({"ward": _("Choose a ward of %(hospital)s.") % {
                "hospital": admission.hospital.name}})
        admission = update_admission(admission, by=by, expected_version=admission.version,
                                     ward=ward)
        changed.append("ward")
    if admitted_at is not None and admitted_at != admission.admitted_at:
        not_in_future(admitted_at, "admitted_at")
        first = admission.ready_declarations.filter(entered_in_error=False).order_by(
            "declared_at").first()
        if first is not None and admitted_at > first.declared_at:
            raise ValidationError({"admitted_at": _(
                "The admission cannot come after the ready-for-discharge declaration.")})
        changes = {"admitted_at": admitted_at}
        if admission.first_notification_sent_at is None:
            changes["notification_deadline"] = deadlines.early_notification_deadline(
                admitted_at, admission.hospital, admission.municipality)
        Admission.objects.filter(pk=admission.pk).update(
            version=F("version") + 1, updated_by=by, updated_at=timezone.now(), **changes)
        admission.refresh_from_db()
        audit_step(by, AuditAction.UPDATE, admission, admission, "admitted_at corrected")
        changed.append("admitted_at")
    if changed:
        notify_municipality(admission, "admission.corrected",
                             _("A hospital stay was corrected"),
                             _("%(hospital)s corrected the admission's time or ward.") % {
                                 "hospital": admission.hospital.name})
        step("admission.corrected", admission, admission, by)
    return admission


@transaction.atomic
def correct_discharge(admission: Admission, *, by,
                      discharged_at: datetime.datetime | None = None,
                      destination: str | None = None) -> Admission:
    """The discharge's time or destination, corrected (a PLO change of LOG_UTSKREVET)."""
    access.require_hospital_staff(by, admission)
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.status != S.DISCHARGED:
        raise StateConflict(_("Only a discharge can be corrected: the admission is "
                              "%(status)s.") % {
                                  "status": admission.get_status_display().lower()},
                            code="not_discharged", field="status")
    changes = {}
    if discharged_at is not None and discharged_at != admission.discharged_at:
        if discharged_at < admission.admitted_at:
            raise ValidationError({"discharged_at": _(
                "Discharge cannot come before admission.")})
        not_in_future(discharged_at, "discharged_at")
        changes["discharged_at"] = discharged_at
    if destination is not None and destination != admission.discharge_destination:
        if destination not in DischargeDestination.values or destination in {
                DischargeDestination.DECEASED, DischargeDestination.OTHER_HOSPITAL}:
            raise ValidationError({"destination": _("Choose a destination.")})
        changes["discharge_destination"] = destination
    if not changes:
        return admission
    Admission.objects.filter(pk=admission.pk).update(
        version=F("version") + 1, updated_by=by, updated_at=timezone.now(), **changes)
    admission.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, admission, admission,
               f"discharge corrected: {', '.join(sorted(changes))}")
    notify_municipality(admission, "admission.corrected", _("A discharge was corrected"),
                         _("Discharged %(time)s. Destination: %(destination)s.") % {
                             "time": dates.when(admission.discharged_at),
                             "destination": admission.get_discharge_destination_display()})
    step("admission.discharge_corrected", admission, admission, by)
    return admission


@transaction.atomic
def reopen_admission(admission: Admission, *, by, reason: str = "") -> Admission:
    """The discharge was sent in error (a PLO cancel of LOG_UTSKREVET): the patient is still
    in hospital. The stay is open again, ready for discharge if its declaration was in force
    when the discharge was recorded. Not after a death (that is not undone by a discharge
    message), a transfer, or when the patient has been admitted there again since."""
    access.require_hospital_staff(by, admission)
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.status != S.DISCHARGED:
        raise StateConflict(_("Only a discharge can be cancelled: the admission is "
                              "%(status)s.") % {
                                  "status": admission.get_status_display().lower()},
                            code="not_discharged", field="status")
    if admission.patient.admissions.filter(admitted_at__gt=admission.admitted_at).exclude(
            status=S.ENTERED_IN_ERROR).exists():
        raise StateConflict(_("The patient has been admitted again since: the discharge can "
                              "no longer be cancelled."), code="admitted_since")
    in_force = admission.ready_declarations.filter(withdrawn_at__isnull=True,
                                                   entered_in_error=False).exists()
    try:
        with transaction.atomic():
            transition(admission, "reopen_ready" if in_force else "reopen", by=by,
                       discharged_at=None, discharge_destination="", discharge_level=None,
                       interdisciplinary_report_ready=False, epicrisis_ready=False)
    except IntegrityError as exc:
        raise StateConflict(
            _("The patient is already admitted at %(hospital)s.") % {
                "hospital": admission.hospital.name},
            code="already_admitted", field="patient") from exc
    audit_step(by, AuditAction.UPDATE, admission, admission,
               f"discharge cancelled: {reason}"[:200])
    notify_municipality(admission, "admission.corrected",
                         _("A discharge was cancelled: the patient is still in hospital"),
                         reason[:300])
    step("admission.reopened", admission, admission, by)
    return admission


def _may_record_death_of(by, patient: Patient) -> bool:
    """The patient's municipality, or an organisation caring for the patient, acting for a
    municipality or as the patient's GP (who send PLO's orientering om dødsfall)."""
    organizations = {patient.municipality_id, *access.organizations_caring_for(patient)}
    roles = set(roles_with(Capability.ACT_FOR_MUNICIPALITY)) | {Role.GP}
    return Membership.objects.filter(user=by, organization_id__in=organizations,
                                     role__in=roles).exists()


@transaction.atomic
def record_death_outside_hospital(patient: Patient, *, by,
                                  died_at: datetime.datetime) -> Patient:
    """The patient died outside a hospital stay (PLO's LOG_DOD, from the municipality or the
    GP): Patient.died_at, the apps further up end what the patient waited for
    (patient_died: referrals leave the waiting lists), and the municipality's KE is told;
    a hospital where the patient still has an open stay is told too, to close it."""
    if not Patient.objects.visible_to(by).filter(pk=patient.pk).exists() or \
            not _may_record_death_of(by, patient):
        raise PermissionDenied(_("Only the patient's municipality or GP may record a death "
                                 "outside hospital."))
    not_in_future(died_at, "died_at")
    if patient.birth_date and died_at.date() < patient.birth_date:
        raise ValidationError({"died_at": _("The time lies before the patient's birth.")})
    if not Patient.objects.filter(pk=patient.pk, died_at__isnull=True).update(
            died_at=died_at, version=F("version") + 1, updated_at=timezone.now(),
            updated_by=by):
        raise StateConflict(_("The patient's death is recorded already."),
                            code="already_deceased")
    patient.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.PATIENT, patient.uuid,
                 patient_uuid=patient.uuid, detail="deceased outside hospital")
    message = Message(kind="patient.deceased", title=_("A patient has died"),
                      body=_("Died %(time)s, outside hospital.") % {
                          "time": dates.when(died_at)},
                      url=links.pathway_url(patient.uuid), subject_type="patient",
                      subject_uuid=patient.uuid, patient_uuid=patient.uuid)
    if patient.municipality_id:
        notify(access.ke_staff_of(patient.municipality), message)
    for stay in patient.admissions.filter(status__in=OPEN).select_related("hospital", "ward"):
        notify(access.planners_of(stay.hospital, stay.ward), message)
    patient_died.send(sender=Patient, patient=patient, by=by)
    step_recorded.send(sender=Patient, step="patient.deceased", obj=patient, patient=patient,
                       by=by)
    return patient


@transaction.atomic
def enter_death_in_error(patient: Patient, *, by, reason: str = "") -> Patient:
    """A death outside hospital recorded in error (a PLO cancel of LOG_DOD): died_at cleared,
    and the apps further up undo what ended with it (death_entered_in_error: referrals open
    again where they stood); the KE is told. A death in hospital is its stay's, and is not
    undone here."""
    if not Patient.objects.visible_to(by).filter(pk=patient.pk).exists() or \
            not _may_record_death_of(by, patient):
        raise PermissionDenied(_("Only the patient's municipality or GP may record a death "
                                 "outside hospital."))
    if patient.admissions.filter(status=S.DECEASED).exists():
        raise StateConflict(_("The patient died in hospital: the hospital corrects that."),
                            code="died_in_hospital")
    died_at = Patient.objects.select_for_update().filter(pk=patient.pk).values_list(
        "died_at", flat=True).get()
    if died_at is None:
        raise StateConflict(_("No death is recorded for the patient."), code="not_deceased")
    Patient.objects.filter(pk=patient.pk).update(
        died_at=None, version=F("version") + 1, updated_at=timezone.now(), updated_by=by)
    patient.refresh_from_db()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.PATIENT, patient.uuid,
                 patient_uuid=patient.uuid, detail=f"death entered in error: {reason}"[:200])
    if patient.municipality_id:
        notify(access.ke_staff_of(patient.municipality), Message(
            kind="patient.deceased", title=_("A death was registered in error"),
            body=_("Referrals that ended with the death are open again where they stood."),
            url=links.pathway_url(patient.uuid), subject_type="patient",
            subject_uuid=patient.uuid, patient_uuid=patient.uuid))
    death_entered_in_error.send(sender=Patient, patient=patient, by=by, died_at=died_at)
    step_recorded.send(sender=Patient, step="patient.death_entered_in_error", obj=patient,
                       patient=patient, by=by)
    return patient
