"""Pathway variants (early supported discharge, the cancer pathway home ...): enrolling an
admission's patient, scheduling and recording the shared plan's activities, the handover to
the municipality and the end.

Who acts follows the side that provides the activity: the team's activities are the
hospital's (its discharge planners or EPJ system), the municipal ones the municipality's
(its KE or EPJ system). Each step locks the enrolment (then the activity) it changes, in
that order, and compares the version the caller read. After the handover the hospital's
team only reads the plan; an ended enrolment takes no change at all."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import dates
from common.exceptions import StateConflict
from common.versioning import lock_at_version
from registry import audit
from registry.capabilities import Capability, can, organizations_where
from registry.models import AuditAction, AuditObjectType, Organization

from .. import access
from ..models import (
    LIVE_ENROLMENT_STATUSES,
    ActivityStatus,
    Admission,
    AdmissionStatus,
    EnrolmentStatus,
    PathwayActivity,
    PathwayEnrolment,
    PathwayVariant,
    ProviderSide,
    VariantActivityKind,
)
from ._common import not_in_future, notify_hospital, notify_municipality

# A stay whose patient can still be followed home: in hospital, or discharged from it.
ENROLLABLE = {AdmissionStatus.ADMITTED, AdmissionStatus.READY_FOR_DISCHARGE,
              AdmissionStatus.DISCHARGED}

# What acting for a side takes, and where (side_organization).
SIDE_CAPABILITY = {ProviderSide.HOSPITAL_TEAM: Capability.ACT_FOR_HOSPITAL,
                   ProviderSide.MUNICIPALITY: Capability.ACT_FOR_MUNICIPALITY}


# ---------------------------------------------------------------------------------------
# Who acts for which side.


def side_organization(enrolment: PathwayEnrolment, side: str) -> Organization:
    """The organisation that provides a side's activities."""
    if side == ProviderSide.HOSPITAL_TEAM:
        return enrolment.team_organization
    return enrolment.municipality


def require_side(user, enrolment: PathwayEnrolment, side: str) -> None:
    """Only the side's own staff (or EPJ system) schedule and record its activities."""
    organization = side_organization(enrolment, side)
    if can(user, SIDE_CAPABILITY[side], organization):
        return
    if side == ProviderSide.HOSPITAL_TEAM:
        raise PermissionDenied(_(
            "Only the discharge planners at %(hospital)s (the hospital's team) may do this.")
            % {"hospital": organization.name})
    raise PermissionDenied(_(
        "Only the coordinating unit of %(municipality)s may do this for the municipality.")
        % {"municipality": organization.name})


def require_either_side(user, enrolment: PathwayEnrolment) -> None:
    """The hospital's team or the municipality (ending the pathway; the service picks)."""
    if not any(can(user, capability, side_organization(enrolment, side))
               for side, capability in SIDE_CAPABILITY.items()):
        raise PermissionDenied(_(
            "Only the hospital's team at %(hospital)s or the coordinating unit of "
            "%(municipality)s may do this.") % {
                "hospital": enrolment.team_organization.name,
                "municipality": enrolment.municipality.name})


def sides_of(user, enrolment: PathwayEnrolment) -> set[str]:
    """The sides the user acts for, from the request's memberships (no query): what the
    page offers; the services decide."""
    return {side for side, capability in SIDE_CAPABILITY.items()
            if side_organization(enrolment, side).pk in
            {organization.pk for organization in organizations_where(user, capability)}}


def may_enrol(user, admission: Admission) -> bool:
    """Whether to offer enrolment (enrol() decides): the admitting hospital's staff."""
    return admission.status in ENROLLABLE and admission.hospital_id in {
        organization.pk for organization in
        organizations_where(user, Capability.ACT_FOR_HOSPITAL)}


# ---------------------------------------------------------------------------------------
# States.


def _require_changeable(enrolment: PathwayEnrolment, side: str) -> None:
    """An ended enrolment takes no change; a handed-over one none from the hospital's team."""
    if enrolment.status == EnrolmentStatus.ENDED:
        raise StateConflict(_(
            "The pathway ended %(date)s: its plan can no longer be changed.")
            % {"date": dates.day(timezone.localdate(enrolment.ended_at))}, code="ended")
    if enrolment.status == EnrolmentStatus.HANDED_OVER and side == ProviderSide.HOSPITAL_TEAM:
        raise StateConflict(_(
            "The plan was handed over to %(municipality)s %(date)s: the hospital's team can "
            "no longer change it.") % {
                "municipality": enrolment.municipality.name,
                "date": dates.day(timezone.localdate(enrolment.handed_over_at))},
            code="handed_over")


def lock_enrolment(enrolment: PathwayEnrolment) -> PathwayEnrolment:
    """The enrolment's row, locked until the transaction ends: a handover waits for a
    scheduling in progress, or the scheduling sees the handover."""
    return PathwayEnrolment.objects.select_for_update().select_related(
        "variant", "municipality", "team_organization").get(pk=enrolment.pk)


def _touch(enrolment: PathwayEnrolment) -> None:
    """Its activities are part of the plan a client mirrors: the enrolment counts as changed
    for `updated_since` (its version, the ETag of its own fields, stays)."""
    PathwayEnrolment.objects.filter(pk=enrolment.pk).update(updated_at=timezone.now())


def _audit(by, action, object_type, obj, enrolment: PathwayEnrolment, detail: str) -> None:
    audit.record(by, action, object_type, obj.uuid,
                 patient_uuid=enrolment.admission.patient.uuid, detail=detail)


def _live_enrolment_of(patient_id) -> PathwayEnrolment | None:
    return PathwayEnrolment.objects.filter(
        admission__patient_id=patient_id, status__in=LIVE_ENROLMENT_STATUSES,
    ).select_related("variant").first()


def _already_enrolled(live: PathwayEnrolment) -> StateConflict:
    return StateConflict(_(
        "The patient already follows %(variant)s (since %(date)s).") % {
            "variant": live.variant.localized_name,
            "date": dates.day(timezone.localdate(live.started_at))},
        code="already_enrolled", field="variant")


# ---------------------------------------------------------------------------------------
# The steps.


@transaction.atomic
def enrol(admission: Admission, *, by, variant: PathwayVariant,
          started_at: datetime.datetime | None = None) -> PathwayEnrolment:
    """Put the admission's patient in the variant: the admitting hospital's team and the
    responsible municipality share its plan from now on."""
    access.require_hospital_staff(by, admission)
    if not variant.active:
        raise ValidationError({"variant": _("%(variant)s is no longer offered.") % {
            "variant": variant.localized_name}})
    if admission.status not in ENROLLABLE:
        raise StateConflict(_(
            "Only a patient in hospital, or discharged from it, can be enrolled: the "
            "admission is %(status)s.") % {"status": admission.get_status_display().lower()},
            code="not_enrollable", field="admission")
    started_at = started_at or timezone.now()
    if started_at < admission.admitted_at:
        raise ValidationError({"started_at": _("The pathway cannot start before the admission.")})
    live = _live_enrolment_of(admission.patient_id)
    if live is not None:
        raise _already_enrolled(live)
    enrolment = PathwayEnrolment(
        admission=admission, variant=variant, team_organization=admission.hospital,
        municipality=admission.municipality, started_at=started_at, created_by=by,
        updated_by=by)
    enrolment.full_clean()
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as exc:  # a double submit lost the race to the first
        raise _already_enrolled(_live_enrolment_of(admission.patient_id) or enrolment) from exc
    _audit(by, AuditAction.CREATE, AuditObjectType.PATHWAY_ENROLMENT, enrolment, enrolment,
           f"enrolled: {variant.code}")
    # The municipality shares the plan from now on: its KE is told.
    notify_municipality(admission, "pathway_variant.enrolled", _(
        "A patient starts %(variant)s: a plan of home rehabilitation shared with you") % {
            "variant": variant.localized_name}, subject=enrolment)
    return enrolment


@transaction.atomic
def schedule_activity(enrolment: PathwayEnrolment, *, by, kind: VariantActivityKind,
                      scheduled_at: datetime.datetime, note: str = "") -> PathwayActivity:
    """Plan one activity of the variant, by the side that provides it."""
    if kind.variant_id != enrolment.variant_id:
        raise ValidationError({"kind": _("Choose an activity of %(variant)s.") % {
            "variant": enrolment.variant.localized_name}})
    if not kind.active:
        raise ValidationError({"kind": _("%(activity)s is no longer offered.") % {
            "activity": kind.localized_name}})
    require_side(by, enrolment, kind.side)
    current = lock_enrolment(enrolment)
    _require_changeable(current, kind.side)
    if scheduled_at < current.started_at - datetime.timedelta(days=1):
        raise ValidationError({"scheduled_at": _(
            "The time lies before the pathway started (%(date)s).") % {
                "date": dates.day(timezone.localdate(current.started_at))}})
    activity = PathwayActivity(
        enrolment=current, kind=kind, provider=side_organization(current, kind.side),
        scheduled_at=scheduled_at, note=note, created_by=by, updated_by=by)
    activity.full_clean()
    activity.save()
    _touch(current)
    _audit(by, AuditAction.CREATE, AuditObjectType.PATHWAY_ACTIVITY, activity, enrolment,
           f"scheduled: {kind.code}")
    return activity


@transaction.atomic
def record_activity(activity: PathwayActivity, *, by, expected_version: int, status: str,
                    done_at: datetime.datetime | None = None,
                    note: str | None = None) -> PathwayActivity:
    """Record a planned activity as done (when) or cancelled, with a note; once only."""
    if status not in (ActivityStatus.DONE, ActivityStatus.CANCELLED):
        raise ValidationError({"status": _("Record the activity as done or cancelled.")})
    if status == ActivityStatus.CANCELLED and done_at is not None:
        raise ValidationError({"done_at": _("A cancelled activity has no time it was done.")})
    side = activity.kind.side
    require_side(by, activity.enrolment, side)
    _require_changeable(lock_enrolment(activity.enrolment), side)
    current = lock_at_version(PathwayActivity.objects, activity, expected_version, message=_(
        "Someone recorded or changed this activity since you read it (now version "
        "%(version)s)."))
    if current.status != ActivityStatus.PLANNED:
        raise StateConflict(_("The activity is already recorded as %(status)s.") % {
            "status": current.get_status_display().lower()},
            code="already_recorded", field="status")
    now = timezone.now()
    if status == ActivityStatus.DONE:
        done_at = done_at or now
        not_in_future(done_at, "done_at")
    current.status, current.done_at = status, done_at
    current.recorded_at, current.recorded_by = now, by
    if note is not None and note.strip():
        current.note = note.strip()
    current.full_clean()
    current.version += 1
    current.updated_by = by
    current.save()
    _touch(activity.enrolment)
    _audit(by, AuditAction.UPDATE, AuditObjectType.PATHWAY_ACTIVITY, current,
           activity.enrolment, f"recorded: {status}")
    return current


@transaction.atomic
def hand_over(enrolment: PathwayEnrolment, *, by, expected_version: int,
              handed_over_at: datetime.datetime | None = None,
              note: str = "") -> PathwayEnrolment:
    """The hospital's team hands the plan over to the municipality: from here the team only
    reads it. The team's planned activities must be recorded (done or cancelled) first."""
    require_side(by, enrolment, ProviderSide.HOSPITAL_TEAM)
    current = lock_at_version(
        PathwayEnrolment.objects.select_related("municipality", "team_organization"),
        enrolment, expected_version, message=_(
            "Someone changed the pathway since you read it (now version %(version)s)."))
    if current.status != EnrolmentStatus.ACTIVE:
        _require_changeable(current, ProviderSide.HOSPITAL_TEAM)
    planned = current.activities.filter(status=ActivityStatus.PLANNED,
                                        kind__side=ProviderSide.HOSPITAL_TEAM).count()
    if planned:
        raise StateConflict(ngettext(
            "The team still has %(count)d planned activity: record it as done or cancelled "
            "before the handover.",
            "The team still has %(count)d planned activities: record them as done or "
            "cancelled before the handover.", planned) % {"count": planned},
            code="team_activities_planned")
    handed_over_at = handed_over_at or timezone.now()
    not_in_future(handed_over_at, "handed_over_at")
    current.status = EnrolmentStatus.HANDED_OVER
    current.handed_over_at, current.handed_over_by = handed_over_at, by
    current.handover_note = note.strip()
    current = _save(current, by, "handed over")
    notify_municipality(current.admission, "pathway_variant.handed_over", _(
        "The hospital's team handed %(variant)s over to the municipality") % {
            "variant": current.variant.localized_name}, current.handover_note,
        subject=current)
    return current


@transaction.atomic
def end_enrolment(enrolment: PathwayEnrolment, *, by, expected_version: int,
                  note: str = "") -> PathwayEnrolment:
    """End the pathway (finished, or stopped: readmitted, died, declined). While it is
    active either side may end it; after the handover only the municipality. Activities still
    planned are cancelled with it."""
    require_either_side(by, enrolment)
    side = (ProviderSide.HOSPITAL_TEAM
            if can(by, Capability.ACT_FOR_HOSPITAL, enrolment.team_organization)
            else ProviderSide.MUNICIPALITY)
    current = lock_at_version(
        PathwayEnrolment.objects.select_related("municipality", "team_organization"),
        enrolment, expected_version, message=_(
            "Someone changed the pathway since you read it (now version %(version)s)."))
    _require_changeable(current, side)
    now = timezone.now()
    cancelled = current.activities.filter(status=ActivityStatus.PLANNED).update(
        status=ActivityStatus.CANCELLED, recorded_at=now, recorded_by=by, updated_by=by,
        updated_at=now, version=F("version") + 1)
    current.status, current.ended_at, current.ended_by = EnrolmentStatus.ENDED, now, by
    current.end_note = note.strip()
    current = _save(current, by, f"ended; {cancelled} planned cancelled")
    # The other side is told; after the handover the team no longer follows the patient.
    title = _("%(variant)s has ended") % {"variant": current.variant.localized_name}
    if side == ProviderSide.HOSPITAL_TEAM:
        notify_municipality(current.admission, "pathway_variant.ended", title,
                            current.end_note, subject=current)
    elif current.handed_over_at is None:
        notify_hospital(current.admission, "pathway_variant.ended", title, current.end_note,
                        subject=current)
    return current


def end_with_stay_in_error(admission: Admission, *, by, reason: str) -> None:
    """The stay was registered in error: its live pathway ends with it, whoever leads it now
    (the sides' rules are for a pathway that was), its planned activities cancelled, and the
    side that did not end it told. Called inside enter_admission_in_error's transaction."""
    for current in PathwayEnrolment.objects.select_for_update().select_related(
            "variant", "admission").filter(admission=admission,
                                           status__in=LIVE_ENROLMENT_STATUSES):
        now = timezone.now()
        current.activities.filter(status=ActivityStatus.PLANNED).update(
            status=ActivityStatus.CANCELLED, recorded_at=now, recorded_by=by, updated_by=by,
            updated_at=now, version=F("version") + 1)
        current.status, current.ended_at, current.ended_by = EnrolmentStatus.ENDED, now, by
        current.end_note = reason
        current = _save(current, by, "ended: the stay was registered in error")
        notify_municipality(current.admission, "pathway_variant.ended", _(
            "%(variant)s has ended") % {"variant": current.variant.localized_name},
            current.end_note, subject=current)


def _save(current: PathwayEnrolment, by, detail: str) -> PathwayEnrolment:
    current.full_clean()
    current.version += 1
    current.updated_by = by
    current.save()
    _audit(by, AuditAction.UPDATE, AuditObjectType.PATHWAY_ENROLMENT, current, current,
           detail)
    return current
