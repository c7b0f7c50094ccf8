"""Requests for an individual plan or a coordinator (melding om behov) and the KE's decision.

Decisions
- Whoever sees the patient may submit a request (the KE records one from the patient or
  next of kin the same way; a person the portal does not know yet is registered first, which
  gives the KE its relationship). Being KE staff is not enough on its own: a request must not
  be a way into any patient's record. The receiving municipality then gets a care
  relationship (reason referral) so its KE sees what it must decide. Only KE staff of the
  request's municipality decide.
- Accepting an IP request creates the plan `in_preparation`; accepting a coordinator request
  creates a coordinator-only plan `requested` (the IndividualPlan carries the assignment, and
  becomes a full plan by set_status(..., in_preparation) if the patient later wants an IP).
  A rehabilitation assessment creates no plan unless a coordinator is named. A coordinator is
  required for IP and coordinator requests: accepting means appointing one (forskrift § 21).
- If the patient already has an open coordinator-only plan, accepting an IP request turns that
  plan into an IP in preparation instead of opening a second plan; any other open plan in the
  municipality makes accepting a StateConflict.
- Declining needs a reason. Declining an IP request needs `coordinator_offered=True` (a
  coordinator must be offered even when the IP is declined) unless the patient already has a
  coordinator; naming the `coordinator` (the patient took the offer) creates the
  coordinator-only plan at once.
- An appeal (klage) is recorded once, on a declined request, and reopens it for the KE's
  reconsideration (under_assessment); a second decline is final in the portal (a further
  complaint goes to Statsforvalteren).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.exceptions import StateConflict
from pathways.deadlines import local_date
from pathways.models import CareRelationshipReason, EarlyNotification, NoticeState, Patient
from pathways.services import grant_care_relationship
from registry.models import AuditAction, Organization, OrganizationKind

from .. import links
from ..access import is_ke_staff, require_ke_staff
from ..models import (
    OPEN_PLAN_STATUSES,
    OPEN_REQUEST_STATUSES,
    Coordinator,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestSource,
    RequestStatus,
)
from ._common import ke_staff_of, not_in_future, notify_users, record, request_url, store_version
from .coordinators import _assign, check_coordinator
from .plans import set_status

R = RequestStatus

# The allowed transitions: step → (from states, to state).
TRANSITIONS = {
    "start_assessment": ({R.RECEIVED}, R.UNDER_ASSESSMENT),
    "accept": ({R.RECEIVED, R.UNDER_ASSESSMENT}, R.ACCEPTED),
    "decline": ({R.RECEIVED, R.UNDER_ASSESSMENT}, R.DECLINED),
    "appeal": ({R.DECLINED}, R.UNDER_ASSESSMENT),
}
STEP_NAMES = {
    "start_assessment": gettext_lazy("start assessing the request"),
    "accept": gettext_lazy("accept the request"),
    "decline": gettext_lazy("decline the request"),
    "appeal": gettext_lazy("record an appeal"),
}
# What an accepted request of each kind opens.
PLAN_STATUS_ON_ACCEPT = {
    RequestKind.INDIVIDUAL_PLAN: PlanStatus.IN_PREPARATION,
    RequestKind.COORDINATOR: PlanStatus.REQUESTED,
    RequestKind.REHABILITATION_ASSESSMENT: PlanStatus.REQUESTED,
}
NEEDS_COORDINATOR = (RequestKind.INDIVIDUAL_PLAN, RequestKind.COORDINATOR)


def waiting_days(request: PlanRequest, now: datetime.datetime | None = None) -> int:
    """Calendar days in Europe/Oslo from receipt to the decision (or to today): a request
    received late on a Monday has waited one day on Tuesday, whatever the clocks did."""
    decided = request.status in (R.ACCEPTED, R.DECLINED) and request.decided_at
    end = request.decided_at if decided else now or timezone.now()
    return (local_date(end) - local_date(request.received_at)).days


def _transition(request: PlanRequest, step: str, *, by, **changes) -> PlanRequest:
    """Move the request along TRANSITIONS with a conditional UPDATE: of two decisions at the
    same moment one wins, the other gets a StateConflict."""
    allowed, target = TRANSITIONS[step]
    rows = PlanRequest.objects.filter(pk=request.pk, status__in=allowed)
    if step == "appeal":
        rows = rows.filter(appeal_received_at__isnull=True)
    try:
        with transaction.atomic():
            updated = rows.update(status=target, version=F("version") + 1, updated_by=by,
                                  updated_at=timezone.now(), **changes)
    except IntegrityError as exc:  # reopening it would make a second open request
        raise _duplicate_request() from exc
    if not updated:
        current = PlanRequest.objects.get(pk=request.pk)
        if step == "appeal" and current.appeal_received_at is not None:
            raise StateConflict(_("An appeal was already recorded for this request."),
                                code="already_appealed", field="appeal_note")
        raise StateConflict(
            _("Cannot %(step)s: the request is %(status)s.") % {
                "step": STEP_NAMES[step], "status": current.get_status_display().lower()},
            code="invalid_transition", field="status")
    request.refresh_from_db()
    return request


def _duplicate_request() -> StateConflict:
    return StateConflict(_("The KE already has an open request of this kind for the "
                           "patient."), code="duplicate_request", field="kind")


def _ensure_municipality_relationship(patient: Patient, municipality: Organization, *, by):
    if not patient.care_relationships.active().filter(
            organization=municipality, user__isnull=True).exists():
        grant_care_relationship(patient, municipality, CareRelationshipReason.REFERRAL, by=by)


@transaction.atomic
def submit_plan_request(*, patient: Patient, municipality: Organization, kind: str,
                        source: str, by, submitter_name: str = "", description: str = "",
                        received_at: datetime.datetime | None = None,
                        early_notification: EarlyNotification | None = None) -> PlanRequest:
    """Register a request to the municipality's KE and tell its staff."""
    if not Patient.objects.visible_to(by).filter(pk=patient.pk).exists():
        raise PermissionDenied(_("You may not submit a request for this patient."))
    if municipality.kind != OrganizationKind.MUNICIPALITY:
        raise ValidationError({"municipality": _("Send the request to a municipality.")})
    received_at = received_at or timezone.now()
    not_in_future(received_at, "received_at")
    if PlanRequest.objects.filter(patient=patient, municipality=municipality, kind=kind,
                                  status__in=OPEN_REQUEST_STATUSES).exists():
        raise _duplicate_request()
    request = PlanRequest(
        patient=patient, municipality=municipality, kind=kind, source=source,
        submitter_name=submitter_name or by.display_name(), description=description,
        received_at=received_at, early_notification=early_notification,
        created_by=by, updated_by=by)
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a second submit at the same moment won the race
        raise _duplicate_request() from exc
    record(by, AuditAction.CREATE, request, patient, f"{kind} from {source}")
    _ensure_municipality_relationship(patient, municipality, by=by)
    notify_users(ke_staff_of(municipality), kind="coordination.request_received",
                 title=_("New request for an individual plan or a coordinator"),
                 url=request_url(request), subject=request, patient=patient)
    return request


@transaction.atomic
def request_from_early_notification(notice: EarlyNotification, *, by) -> PlanRequest | None:
    """The hospital's early notification says the patient may need an IP or a coordinator:
    register that as a request to the responsible municipality. Idempotent per admission: a
    later version of the notice adds nothing once one of its notices made a request (even a
    declined one: the decision stands, an appeal goes through record_appeal), nor does an open
    request already at the KE. Returns that request, or None when the notice does not ask."""
    if not notice.requests_individual_plan:
        return None
    if notice.state != NoticeState.SENT:
        raise StateConflict(_("Only a sent notice can carry a request."), code="not_sent")
    admission = notice.admission
    existing = PlanRequest.objects.filter(
        early_notification__admission=admission).order_by("received_at").first() or \
        PlanRequest.objects.filter(
            patient=admission.patient, municipality=admission.municipality,
            kind=RequestKind.INDIVIDUAL_PLAN, status__in=OPEN_REQUEST_STATUSES).first()
    if existing is not None:
        return existing
    try:
        return submit_plan_request(
            patient=admission.patient, municipality=admission.municipality,
            kind=RequestKind.INDIVIDUAL_PLAN, source=RequestSource.HOSPITAL, by=by,
            submitter_name=f"{by.display_name()}, {admission.hospital.name}",
            description=notice.rehabilitation_need, received_at=notice.sent_at,
            early_notification=notice)
    except StateConflict as exc:  # someone submitted the same request at the same moment
        if exc.code != "duplicate_request":
            raise
        return PlanRequest.objects.get(
            patient=admission.patient, municipality=admission.municipality,
            kind=RequestKind.INDIVIDUAL_PLAN, status__in=OPEN_REQUEST_STATUSES)


@transaction.atomic
def start_assessment(request: PlanRequest, *, by) -> PlanRequest:
    require_ke_staff(by, request.municipality)
    _transition(request, "start_assessment", by=by)
    record(by, AuditAction.UPDATE, request, request.patient, "under assessment")
    return request


def _open_plan(request: PlanRequest) -> IndividualPlan | None:
    return IndividualPlan.objects.select_for_update().filter(
        patient=request.patient, municipality=request.municipality,
        status__in=OPEN_PLAN_STATUSES).first()


def _plan_exists(request: PlanRequest) -> StateConflict:
    return StateConflict(_("The patient already has an open plan in %(municipality)s.") % {
        "municipality": request.municipality.name}, code="plan_exists")


def _create_plan(request: PlanRequest, status: str, *, by, summary: str = "created",
                 detail: str = "") -> IndividualPlan:
    """Open the plan; of two decisions at the same moment that both found no open plan, the
    second meets one_open_plan_per_municipality and gets a StateConflict."""
    plan = IndividualPlan(patient=request.patient, municipality=request.municipality,
                          request=request, status=status, created_by=by, updated_by=by)
    plan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise _plan_exists(request) from exc
    store_version(plan, by, summary)
    record(by, AuditAction.CREATE, plan, plan.patient, detail or status)
    return plan


def _notify_submitter(request: PlanRequest, title: str) -> None:
    submitter = request.created_by
    if submitter is not None and not is_ke_staff(submitter, request.municipality):
        notify_users([submitter], kind="coordination.request_decided", title=title,
                     url=links.submitter_url(request.patient.uuid), subject=request,
                     patient=request.patient)


@transaction.atomic
def accept_request(request: PlanRequest, *, by, coordinator: Coordinator | None = None,
                   patient_wishes: str = "",
                   allow_over_capacity: bool = False) -> IndividualPlan | None:
    """Accept the request: open the plan (see the module's decisions) and appoint the
    coordinator. Returns the plan, or None for an assessment accepted without one."""
    require_ke_staff(by, request.municipality)
    if coordinator is None and request.kind in NEEDS_COORDINATOR:
        raise ValidationError({"coordinator": _("Appoint a coordinator to accept the request.")})
    existing = _open_plan(request)
    upgrade = (existing is not None and existing.status == PlanStatus.REQUESTED
               and request.kind == RequestKind.INDIVIDUAL_PLAN)
    if existing is not None and not upgrade and (coordinator or request.kind in NEEDS_COORDINATOR):
        raise _plan_exists(request)
    if coordinator is not None and not (upgrade and existing.coordinator_id == coordinator.pk):
        check_coordinator(coordinator, request.municipality, plan=existing if upgrade else None,
                          allow_over_capacity=allow_over_capacity)
    _transition(request, "accept", by=by, decided_at=timezone.now(), decided_by=by)
    record(by, AuditAction.UPDATE, request, request.patient, "accepted")
    plan = None
    if upgrade:
        plan = set_status(existing, PlanStatus.IN_PREPARATION, by=by,
                          note="individual plan request accepted")
    elif coordinator is not None or request.kind in NEEDS_COORDINATOR:
        plan = _create_plan(request, PLAN_STATUS_ON_ACCEPT[request.kind], by=by)
    if plan is not None and coordinator is not None and plan.coordinator_id != coordinator.pk:
        _assign(plan, coordinator, by=by, patient_wishes=patient_wishes,
                summary="coordinator assigned")
        plan.refresh_from_db()
    _notify_submitter(request, _("Your request for an individual plan or a coordinator was "
                                 "accepted"))
    return plan


@transaction.atomic
def decline_request(request: PlanRequest, *, by, reason: str, coordinator_offered: bool = False,
                    coordinator: Coordinator | None = None, patient_wishes: str = "",
                    allow_over_capacity: bool = False) -> PlanRequest:
    """Decline with a reason (the patient may appeal). For an IP request a coordinator must
    still be offered; if the patient takes the offer, name the coordinator."""
    require_ke_staff(by, request.municipality)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(
            "A declined request is a decision the patient may appeal: give the reason.")})
    coordinator_offered = coordinator_offered or coordinator is not None
    existing = _open_plan(request)
    if request.kind == RequestKind.INDIVIDUAL_PLAN and not coordinator_offered and not (
            existing is not None and existing.coordinator_id):
        raise ValidationError({"coordinator_offered": _(
            "A coordinator must be offered even when the individual plan is declined.")})
    if coordinator is not None:
        if existing is not None:
            raise _plan_exists(request)
        check_coordinator(coordinator, request.municipality,
                          allow_over_capacity=allow_over_capacity)
    _transition(request, "decline", by=by, decided_at=timezone.now(), decided_by=by,
                decline_reason=reason, coordinator_offered=coordinator_offered)
    record(by, AuditAction.UPDATE, request, request.patient,
           "declined" + (", coordinator offered" if coordinator_offered else ""))
    if coordinator is not None:
        plan = _create_plan(request, PlanStatus.REQUESTED, by=by,
                            summary="created (coordinator only)", detail="coordinator only")
        _assign(plan, coordinator, by=by, patient_wishes=patient_wishes,
                summary="coordinator assigned")
    _notify_submitter(request, _("Your request for an individual plan or a coordinator was "
                                 "declined"))
    return request


@transaction.atomic
def record_appeal(request: PlanRequest, *, by, note: str,
                  received_at: datetime.datetime | None = None) -> PlanRequest:
    """The patient appeals a decline; the KE reconsiders (the request is under assessment
    again; the first decision stays in decided_at, decline_reason and the audit trail until
    the new one replaces it)."""
    require_ke_staff(by, request.municipality)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write down what the appeal says.")})
    received_at = received_at or timezone.now()
    not_in_future(received_at, "received_at")
    _transition(request, "appeal", by=by, appeal_received_at=received_at, appeal_note=note)
    record(by, AuditAction.UPDATE, request, request.patient, "appeal recorded")
    return request
