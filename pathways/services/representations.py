"""Who may act for a patient in the patient's own door (Representation): the patient grants
and withdraws a next of kin's access; the coordinating unit (KE) of the patient's
municipality registers a parent of a child under 16 or a guardian (verge), ends them, and
records a child's wish (12-15) to narrow what the parents see. The rules and their sources
are in pathways.models.citizens.

Every step validates (Representation.clean: a valid identity number, not the patient, at
least one part; one live representation per person), is audited with the patient's uuid,
locks on `version` where an edit could collide, and takes effect on the representative's
next request: pathways.citizen_access reads the live rows on every request."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from common.versioning import lock_at_version
from registry import audit
from registry.capabilities import Capability, can
from registry.models import AuditAction, AuditObjectType

from .. import citizen_access
from ..citizen_access import years_on
from ..models import (
    AGE_HEARD_ON_PARENTS,
    AGE_OF_HEALTH_CONSENT,
    NextOfKin,
    Patient,
    Representation,
    RepresentationKind,
)

K = RepresentationKind
PART_FIELDS = ("sees_plan", "sees_meetings", "sees_messages")


def age_of(patient: Patient, day: datetime.date | None = None) -> int:
    return years_on(patient.birth_date, day or timezone.localdate())


def is_ke_of(user, patient: Patient) -> bool:
    """KE staff of the patient's municipality: they register parents and guardians."""
    return bool(user and user.is_authenticated and not getattr(user, "is_citizen", False)) \
        and can(user, Capability.WORK_IN_COORDINATING_UNIT, patient.municipality_id)


def require_ke_of(user, patient: Patient) -> None:
    if not is_ke_of(user, patient):
        raise PermissionDenied(_(
            "Only the coordinating unit of %(municipality)s may do this.")
            % {"municipality": patient.municipality.name})


def _parts(sees_plan, sees_meetings, sees_messages) -> dict:
    return {"sees_plan": bool(sees_plan), "sees_meetings": bool(sees_meetings),
            "sees_messages": bool(sees_messages)}


def _describe(representation: Representation) -> str:
    """The audit's words for a representation: its kind and parts, never the identity
    number (the trail is read by staff and by the patient)."""
    parts = ", ".join(sorted(representation.scopes)) or "none"
    return f"{representation.kind}: {parts}"


def _record(by, action, representation: Representation, what: str) -> None:
    audit.record(by, action, AuditObjectType.REPRESENTATION, representation.uuid,
                 patient_uuid=representation.patient.uuid,
                 detail=f"{what} {_describe(representation)}")


def _end_parents_past_16(patient: Patient, identity_number: str, *, by, now) -> None:
    """A parent's row stays 'live' in the table after the child's 16th birthday (access
    ends by the birth date alone): end it, so that the same person can be granted anew."""
    if age_of(patient) < AGE_OF_HEALTH_CONSENT:
        return
    for stale in Representation.objects.select_for_update().filter(
            patient=patient, representative_identity_number=identity_number,
            kind=K.PARENT, withdrawn_at__isnull=True):
        Representation.objects.filter(pk=stale.pk).update(
            withdrawn_at=now, withdrawn_by=by, version=stale.version + 1, updated_at=now,
            updated_by=by)
        _record(by, AuditAction.UPDATE, stale, "ended: the patient is 16")


def _create(representation: Representation, *, by) -> Representation:
    """Validate and save a new representation: a precise error on the form's fields, and
    nothing written, for a bad number, no part, or a person who already has a live one."""
    representation.representative_name = (representation.representative_name or "").strip()
    representation.note = (representation.note or "").strip()
    errors = {}
    if not representation.representative_name:
        errors["representative_name"] = [_("Write the person's name.")]
    try:
        representation.clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    _end_parents_past_16(representation.patient, representation.representative_identity_number,
                         by=by, now=now)
    duplicate = _("%(name)s already has access. End that access first to give it anew.")
    if Representation.objects.filter(
            patient=representation.patient, withdrawn_at__isnull=True,
            representative_identity_number=representation.representative_identity_number
    ).exists():
        raise ValidationError({"representative_identity_number": duplicate % {
            "name": representation.representative_name}}, code="duplicate")
    representation.valid_from = now
    representation.created_by = representation.updated_by = by
    representation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            representation.save()
    except IntegrityError as exc:  # the same grant at the same moment
        raise ValidationError({"representative_identity_number": duplicate % {
            "name": representation.representative_name}}, code="duplicate") from exc
    return representation


@transaction.atomic
def grant_representation(patient: Patient, *, by, identity_number: str, name: str,
                         sees_plan: bool = False, sees_meetings: bool = False,
                         sees_messages: bool = False,
                         next_of_kin: NextOfKin | None = None) -> Representation:
    """The patient gives a next of kin access to some or all of plan, meetings and
    messages. Only the patient themself (not a representative), and only from 16: under
    16 the parents act for the child (pasient- og brukerrettighetsloven § 4-4)."""
    access = citizen_access.require_part(by, patient, "representatives")
    patient = access.patient
    if age_of(patient) < AGE_OF_HEALTH_CONSENT:
        raise PermissionDenied(_(
            "Under 16, your parents act for you. Ask the coordinating unit if someone else "
            "should have access."))
    if next_of_kin is not None and next_of_kin.patient_id != patient.pk:
        raise PermissionDenied(_("That next of kin belongs to another patient."))
    representation = _create(Representation(
        patient=patient, kind=K.NEXT_OF_KIN, representative_identity_number=identity_number,
        representative_name=name, next_of_kin=next_of_kin,
        **_parts(sees_plan, sees_meetings, sees_messages)), by=by)
    _record(by, AuditAction.CREATE, representation, "granted")
    citizen_access.forget(by)
    return representation


@transaction.atomic
def register_representative(patient: Patient, *, by, kind: str, identity_number: str,
                            name: str, sees_plan: bool = True, sees_meetings: bool = True,
                            sees_messages: bool = True, note: str = "") -> Representation:
    """The KE registers a parent with parental responsibility (only while the patient is
    under 16) or a guardian (verge, with the mandate's scope in `note`)."""
    require_ke_of(by, patient)
    if kind not in (K.PARENT, K.GUARDIAN):
        raise ValidationError({"kind": _("Choose parent or guardian.")})
    if kind == K.PARENT and age_of(patient) >= AGE_OF_HEALTH_CONSENT:
        raise ValidationError({"kind": _(
            "%(name)s is 16 or older and decides alone: parents are no longer registered. "
            "The patient can give a parent access on their own page.")
            % {"name": patient.full_name}})
    representation = _create(Representation(
        patient=patient, kind=kind, representative_identity_number=identity_number,
        representative_name=name, note=note,
        **_parts(sees_plan, sees_meetings, sees_messages)), by=by)
    _record(by, AuditAction.CREATE, representation, "registered")
    citizen_access.forget(by)
    return representation


def _lock(representation: Representation, expected_version: int) -> Representation:
    current = lock_at_version(
        Representation.objects.select_related("patient__municipality"), representation,
        expected_version, message=_(
            "Someone changed this access since you read it (now version %(version)s). "
            "Reload the page and check."))
    if current.withdrawn_at is not None:
        raise StateConflict(_("This access has already ended."), code="ended")
    return current


def may_withdraw(user, representation: Representation) -> bool:
    """The patient ends a next of kin's access they gave; the KE of the patient's
    municipality ends any (a guardian's is the KE's to end: the mandate is the county
    governor's decision, vergemålsloven § 20; a parent's ends at 16 by itself)."""
    patient = representation.patient
    if getattr(user, "is_citizen", False):
        return representation.kind == K.NEXT_OF_KIN and any(
            a.patient.pk == patient.pk and a.allows("representatives")
            for a in citizen_access.accesses(user))
    return is_ke_of(user, patient)


@transaction.atomic
def withdraw_representation(representation: Representation, *, by,
                            expected_version: int) -> Representation:
    """End the access now: the representative's next request no longer finds the
    patient."""
    current = _lock(representation, expected_version)
    if not may_withdraw(by, current):
        if getattr(by, "is_citizen", False) and current.kind != K.NEXT_OF_KIN:
            raise PermissionDenied(_(
                "The coordinating unit registered this access; ask them to end it."))
        raise PermissionDenied(_("You may not end this access."))
    current.withdrawn_at = timezone.now()
    current.withdrawn_by = by
    current.updated_by = by
    current.version += 1
    current.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_by", "updated_at",
                                "version"])
    _record(by, AuditAction.UPDATE, current, "withdrawn")
    citizen_access.forget(by)
    return current


@transaction.atomic
def limit_parent_representation(representation: Representation, *, by, sees_plan: bool,
                                sees_meetings: bool, sees_messages: bool,
                                expected_version: int) -> Representation:
    """The KE records what a child of 12 to 15 wants the parents to see (pasient- og
    brukerrettighetsloven § 3-4 second paragraph): the parts left, at least one (to let
    them see nothing, end the representation)."""
    current = _lock(representation, expected_version)
    require_ke_of(by, current.patient)
    if current.kind != K.PARENT:
        raise StateConflict(_("Only a parent's access is limited at the child's wish."),
                            code="not_parent")
    age = age_of(current.patient)
    if not AGE_HEARD_ON_PARENTS <= age < AGE_OF_HEALTH_CONSENT:
        raise ValidationError({"sees_plan": _(
            "A child's wish limits the parents' access from 12 to 16; %(name)s is %(age)s.")
            % {"name": current.patient.full_name, "age": age}})
    parts = _parts(sees_plan, sees_meetings, sees_messages)
    if not any(parts.values()):
        raise ValidationError({"sees_plan": _(
            "Leave at least one part, or end the parent's access instead.")})
    for field, value in parts.items():
        setattr(current, field, value)
    current.limited_by_child = not all(parts.values())
    current.full_clean(validate_constraints=False)
    current.version += 1
    current.updated_by = by
    current.save()
    _record(by, AuditAction.UPDATE, current, "limited at the child's wish")
    citizen_access.forget(by)
    return current
