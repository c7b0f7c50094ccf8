"""Every step of a referral and a needs assessment: who may take it, what it checks, what it
writes, whom it tells. The screens, the REST API and FHIR call these and nothing else.

A step on a referral takes the referral as its caller read it: the row is locked and read
again here, and its version compared when the caller names one (`version`, the form's hidden
field or the API's If-Match), so two people deciding at once never overwrite each other.
Every write is audited; every decision tells the referrer, and acceptance also the
coordinating unit of the patient's municipality."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StaleVersion, StateConflict
from common.sweeps import local_date
from pathways.access import ke_staff_of, organizations_caring_for
from pathways.models import CareRelationshipReason, Patient
from pathways.services import grant_care_relationship
from registry import audit
from registry.capabilities import Capability, can, organizations_where, roles_with
from registry.models import (
    AuditAction,
    AuditObjectType,
    Membership,
    Organization,
    OrganizationKind,
    ServiceOffering,
    User,
)
from registry.notifications import Message, notify
from webhooks.events import emit as emit_webhook

from . import links
from .models import (
    AWAITING_ASSESSMENT,
    OPEN_STATUSES,
    AssessmentStatus,
    DomainScore,
    NeedsAssessment,
    Referral,
    ReferralStatus,
    WithdrawalReason,
)
from .suggestion import suggest_level
from .waiting import refresh_waiting_times
from .workdays import add_working_days

CLOCK_SKEW = datetime.timedelta(minutes=5)


def assessment_working_days() -> int:
    """The deadline for assessing a referral, in working days (10 by the patient rights act
    § 2-2 for the specialist health service; the same by default for municipal services)."""
    return int(getattr(settings, "REFERRAL_ASSESSMENT_WORKING_DAYS", 10))


# -- Who -------------------------------------------------------------------------------------

def members_with(organization, capability: Capability):
    return User.objects.filter(is_active=True, pk__in=Membership.objects.filter(
        organization=organization, role__in=roles_with(capability)).values("user_id"))


def assessors_of(organization):
    """The people who assess the unit's referrals (not its EPJ systems: they read no
    message)."""
    return members_with(organization, Capability.ASSESS_REFERRALS).filter(
        is_service_account=False)


def leads_of(organization):
    return members_with(organization, Capability.LEAD_UNIT)


def referring_organization(user, organization: Organization | None = None) -> Organization:
    """The organisation the user refers for: the one named, else their only one."""
    allowed = organizations_where(user, Capability.REFER)
    if organization is not None:
        if organization.pk not in {org.pk for org in allowed}:
            raise PermissionDenied(_("You may not refer for this organisation."))
        return organization
    if not allowed:
        raise PermissionDenied(_("Only GPs, hospital staff, coordinating units and their EPJ "
                                 "systems may refer patients."))
    if len(allowed) > 1:
        raise ValidationError({"referrer": _("You refer for several organisations: choose "
                                             "one.")})
    return allowed[0]


def may_assess(user, referral: Referral) -> bool:
    return can(user, Capability.ASSESS_REFERRALS, referral.receiver)


def require_assessor(user, referral: Referral) -> None:
    if not may_assess(user, referral):
        raise PermissionDenied(_("Only the receiving unit's assessors decide this referral."))


def may_act_as_referrer(user, referral: Referral) -> bool:
    return can(user, Capability.REFER, referral.referrer)


# -- Routing (seed 001 § 3.2) ----------------------------------------------------------------

def assessment_unit_for(region: str) -> Organization | None:
    return Organization.objects.filter(kind=OrganizationKind.ASSESSMENT_UNIT,
                                       region=region).order_by("pk").first()


def receiver_for(referrer: Organization, service: ServiceOffering) -> Organization:
    """Who assesses a referral from `referrer` to `service`: hospital departments refer
    directly, to private institutions too; everyone else applies for a place at a private
    institution through the region's assessment unit (RVE); any other service assesses its
    own referrals."""
    provider = service.provider
    if provider.kind == OrganizationKind.PRIVATE_INSTITUTION and \
            referrer.kind != OrganizationKind.HOSPITAL:
        unit = assessment_unit_for(provider.region)
        if unit is None:
            raise ValidationError({"service": _(
                "The region has no assessment unit (RVE) to apply to for this institution.")})
        return unit
    return provider


# -- Referring -------------------------------------------------------------------------------

def _duplicate() -> StateConflict:
    return StateConflict(_("The patient already has an open referral to this service."),
                         code="duplicate_referral", field="service")


@transaction.atomic
def refer(*, by, patient: Patient, service: ServiceOffering, reason: str,
          referrer: Organization | None = None, needs_assessment: NeedsAssessment | None = None,
          admission=None, individual_plan=None,
          received_at: datetime.datetime | None = None) -> Referral:
    """Send a referral; the receiving unit gets a care relationship to the patient and is
    told. The deadline for the assessment is set from the time of receipt."""
    referrer = referring_organization(by, referrer)
    if not Patient.objects.visible_to(by).filter(pk=patient.pk).exists():
        raise PermissionDenied(_("You may not refer this patient."))
    if not service.active:
        raise ValidationError({"service": _("The service takes no referrals now.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say what the referral asks for, and why.")})
    for name, record in (("needs_assessment", needs_assessment), ("admission", admission),
                         ("individual_plan", individual_plan)):
        if record is not None and record.patient_id != patient.pk:
            raise ValidationError({name: _("It belongs to another patient.")})
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"received_at": _("The time lies in the future.")})
    receiver = receiver_for(referrer, service)
    if Referral.objects.filter(patient=patient, service=service,
                               status__in=OPEN_STATUSES).exists():
        raise _duplicate()
    referral = Referral(
        patient=patient, service=service, receiver=receiver, referrer=referrer,
        referred_by=by, needs_assessment=needs_assessment, admission=admission,
        individual_plan=individual_plan, reason=reason.strip(), received_at=received_at,
        assessment_due=add_working_days(local_date(received_at), assessment_working_days()),
        created_by=by, updated_by=by)
    referral.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError as exc:  # a second submit at the same moment
        raise _duplicate() from exc
    _audit(by, AuditAction.CREATE, referral, f"to {service.name} via {receiver.name}")
    grant_care_relationship(patient, receiver, CareRelationshipReason.REFERRAL, by=by)
    _tell(assessors_of(receiver), referral, "referrals.received",
          _("New referral to %(service)s") % {"service": service.name})
    _announce("referral.created", referral)
    return referral


# -- Assessing -------------------------------------------------------------------------------

def _locked(referral: Referral, version: int | None) -> Referral:
    current = Referral.objects.select_for_update().select_related(
        "patient", "service__provider", "receiver", "referrer").get(pk=referral.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current.version, current=current)
    return current


def _awaiting(referral: Referral) -> None:
    if referral.status not in AWAITING_ASSESSMENT:
        raise StateConflict(_("The referral has been decided already (%(status)s).")
                            % {"status": referral.get_status_display()},
                            code="already_decided")


def _save(referral: Referral, by, fields: list[str]) -> Referral:
    referral.full_clean(validate_constraints=False)
    referral.version += 1
    referral.updated_by = by
    referral.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    return referral


@transaction.atomic
def request_information(referral: Referral, *, by, question: str,
                        version: int | None = None) -> Referral:
    """Ask the referrer for what the assessment lacks. The deadline stands: it runs from
    receipt."""
    referral = _locked(referral, version)
    require_assessor(by, referral)
    _awaiting(referral)
    if not question.strip():
        raise ValidationError({"question": _("Say what information you need.")})
    referral.status = ReferralStatus.INFORMATION_REQUESTED
    referral.information_requested_at = timezone.now()
    referral.information_request = question.strip()
    referral.information_received_at = None
    _save(referral, by, ["status", "information_requested_at", "information_request",
                         "information_received_at"])
    _audit(by, AuditAction.UPDATE, referral, "information requested")
    _tell(members_with(referral.referrer, Capability.REFER).filter(is_service_account=False),
          referral, "referrals.information_requested",
          _("More information is asked for a referral"))
    _announce("referral.updated", referral)
    return referral


@transaction.atomic
def give_information(referral: Referral, *, by, reply: str,
                     version: int | None = None) -> Referral:
    """The referrer answers; the referral awaits assessment again."""
    referral = _locked(referral, version)
    if not may_act_as_referrer(by, referral):
        raise PermissionDenied(_("Only the referrer answers a request for information."))
    if referral.status != ReferralStatus.INFORMATION_REQUESTED:
        raise StateConflict(_("No information is asked for."), code="no_question")
    if not reply.strip():
        raise ValidationError({"reply": _("Give the information asked for.")})
    referral.status = ReferralStatus.RECEIVED
    referral.information_received_at = timezone.now()
    referral.information_reply = reply.strip()
    _save(referral, by, ["status", "information_received_at", "information_reply"])
    _audit(by, AuditAction.UPDATE, referral, "information given")
    _tell(assessors_of(referral.receiver), referral, "referrals.information_given",
          _("The referrer has answered your request for information"))
    _announce("referral.updated", referral)
    return referral


def _rights(referral: Referral, *, has_right: bool | None, care_start_deadline,
            severity: str, expected_benefit: str, resource_use: str) -> None:
    today = timezone.localdate()
    specialist = referral.service.level.is_specialist
    if specialist and has_right is None:
        raise ValidationError({"has_right": _(
            "Say whether the patient has a right to necessary specialised care.")})
    if has_right and care_start_deadline is None:
        raise ValidationError({"care_start_deadline": _(
            "A patient with the right gets a date by which care must start.")})
    if care_start_deadline is not None and care_start_deadline < today:
        raise ValidationError({"care_start_deadline": _("The date has passed.")})
    referral.has_right = has_right
    referral.care_start_deadline = care_start_deadline if has_right else None
    referral.severity = severity.strip()
    referral.expected_benefit = expected_benefit.strip()
    referral.resource_use = resource_use.strip()


def allocatable_services(referral: Referral):
    """Where the receiving unit may give the patient a place: the service asked for, or,
    for the assessment unit, any active service at the same level of the private
    institutions in its region."""
    if referral.receiver.kind == OrganizationKind.ASSESSMENT_UNIT:
        return ServiceOffering.objects.filter(
            active=True, level=referral.service.level,
            provider__kind=OrganizationKind.PRIVATE_INSTITUTION,
            provider__region=referral.receiver.region).select_related("provider", "level")
    return ServiceOffering.objects.filter(pk=referral.service_id).select_related(
        "provider", "level")


@transaction.atomic
def accept(referral: Referral, *, by, has_right: bool | None = None,
           care_start_deadline: datetime.date | None = None, expected_start=None,
           allocated_service: ServiceOffering | None = None, severity: str = "",
           expected_benefit: str = "", resource_use: str = "", reason: str = "",
           version: int | None = None) -> Referral:
    """Accept: the patient goes on the waiting list of the service (for the RVE: the
    institution's service it allocates), with a start date when one is known."""
    referral = _locked(referral, version)
    require_assessor(by, referral)
    _awaiting(referral)
    _rights(referral, has_right=has_right, care_start_deadline=care_start_deadline,
            severity=severity, expected_benefit=expected_benefit, resource_use=resource_use)
    allocated_service = allocated_service or referral.service
    if not allocatable_services(referral).filter(pk=allocated_service.pk).exists():
        raise ValidationError({"allocated_service": _(
            "Choose a service this unit allocates places at.")})
    if expected_start is not None and expected_start < timezone.localdate():
        raise ValidationError({"expected_start": _("The date has passed.")})
    if (expected_start is not None and referral.care_start_deadline is not None
            and expected_start > referral.care_start_deadline):
        raise ValidationError({"expected_start": _(
            "The start lies after the date by which care must start.")})
    referral.status = ReferralStatus.ACCEPTED
    referral.allocated_service = allocated_service
    referral.expected_start = expected_start
    referral.decision_reason = reason.strip()
    referral.decided_at, referral.decided_by = timezone.now(), by
    _save(referral, by, ["status", "allocated_service", "expected_start", "decision_reason",
                         "decided_at", "decided_by", "has_right", "care_start_deadline",
                         "severity", "expected_benefit", "resource_use"])
    _audit(by, AuditAction.UPDATE, referral, f"accepted at {allocated_service.name}")
    if allocated_service.provider_id != referral.receiver_id:
        grant_care_relationship(referral.patient, allocated_service.provider,
                                CareRelationshipReason.REFERRAL, by=by)
    refresh_waiting_times([allocated_service.pk])
    title = _("A referral was accepted: %(service)s") % {"service": allocated_service.name}
    _tell_referrer(referral, "referrals.accepted", title)
    # The KE of the patient's municipality keeps the overview of people with rehabilitation
    # needs (forskrift § 5): it is told, and may open what it is told of.
    municipality = referral.patient.municipality
    grant_care_relationship(referral.patient, municipality, CareRelationshipReason.REFERRAL,
                            by=by)
    _tell(ke_staff_of(municipality), referral, "referrals.accepted", title)
    _announce("referral.updated", referral)
    return referral


@transaction.atomic
def decline(referral: Referral, *, by, reason: str, has_right: bool | None = None,
            severity: str = "", expected_benefit: str = "", resource_use: str = "",
            version: int | None = None) -> Referral:
    """Decline, with the reason: the patient may complain (to Statsforvalteren)."""
    referral = _locked(referral, version)
    require_assessor(by, referral)
    _awaiting(referral)
    if not reason.strip():
        raise ValidationError({"reason": _(
            "A declined referral is a decision the patient may complain about: give the "
            "reason.")})
    referral.has_right = has_right if has_right is not None else False
    referral.severity, referral.expected_benefit = severity.strip(), expected_benefit.strip()
    referral.resource_use = resource_use.strip()
    referral.status = ReferralStatus.DECLINED
    referral.decision_reason = reason.strip()
    referral.decided_at, referral.decided_by = timezone.now(), by
    _save(referral, by, ["status", "decision_reason", "decided_at", "decided_by", "has_right",
                         "severity", "expected_benefit", "resource_use"])
    _audit(by, AuditAction.UPDATE, referral, "declined")
    _tell_referrer(referral, "referrals.declined", _("A referral was declined"))
    _announce("referral.updated", referral)
    return referral


@transaction.atomic
def forward(referral: Referral, *, by, to_service: ServiceOffering, reason: str,
            version: int | None = None) -> Referral:
    """Send the referral on to a service that fits better; the referrer is told. The new
    receiving unit's deadline runs from the original receipt: the patient loses no time."""
    referral = _locked(referral, version)
    require_assessor(by, referral)
    _awaiting(referral)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral goes to another service.")})
    if to_service.pk == referral.service_id or not to_service.active:
        raise ValidationError({"to_service": _("Choose another active service.")})
    referral.status = ReferralStatus.FORWARDED
    referral.decision_reason = reason.strip()
    referral.decided_at, referral.decided_by = timezone.now(), by
    _save(referral, by, ["status", "decision_reason", "decided_at", "decided_by"])
    receiver = to_service.provider
    if Referral.objects.filter(patient=referral.patient, service=to_service,
                               status__in=OPEN_STATUSES).exists():
        raise _duplicate()
    onward = Referral(
        patient=referral.patient, service=to_service, receiver=receiver,
        referrer=referral.referrer, referred_by=referral.referred_by,
        needs_assessment=referral.needs_assessment, admission=referral.admission,
        individual_plan=referral.individual_plan, forwarded_from=referral,
        reason=referral.reason, received_at=referral.received_at,
        assessment_due=referral.assessment_due, created_by=by, updated_by=by)
    onward.full_clean(validate_constraints=False)
    onward.save()
    _audit(by, AuditAction.UPDATE, referral, f"forwarded to {to_service.name}")
    _audit(by, AuditAction.CREATE, onward, f"forwarded from {referral.receiver.name}")
    grant_care_relationship(referral.patient, receiver, CareRelationshipReason.REFERRAL, by=by)
    _tell_referrer(referral, "referrals.forwarded",
                   _("A referral was forwarded to %(service)s") % {"service": to_service.name})
    _tell(assessors_of(receiver), onward, "referrals.received",
          _("New referral to %(service)s") % {"service": to_service.name})
    _announce("referral.updated", referral)
    _announce("referral.created", onward)
    return onward


# -- Free choice, the waiting list, leaving it --------------------------------------------------

def choice_options(referral: Referral):
    """Where a patient with a right may choose to wait (fritt behandlingsvalg): the active
    services at the same level that can serve the patient's municipality, each with its
    current expected waiting time (ServiceOffering.waiting_days)."""
    return (ServiceOffering.objects.can_serve(referral.patient.municipality)
            .filter(active=True, level=referral.service.level)
            .select_related("provider", "level").order_by("waiting_days", "name"))


@transaction.atomic
def record_choice(referral: Referral, *, by, service: ServiceOffering,
                  version: int | None = None) -> Referral:
    """The patient chose where to wait; the place moves to that service's list."""
    referral = _locked(referral, version)
    if not (may_assess(by, referral) or may_act_as_referrer(by, referral)):
        raise PermissionDenied(_("Only the receiving unit or the referrer records the "
                                 "patient's choice."))
    if referral.status != ReferralStatus.ACCEPTED or not referral.has_right:
        raise StateConflict(_("A patient chooses among places once accepted with a right to "
                              "necessary specialised care."), code="no_choice")
    if not choice_options(referral).filter(pk=service.pk).exists():
        raise ValidationError({"service": _("Choose one of the services that offer it.")})
    before = referral.allocated_service_id
    referral.allocated_service = service
    referral.chosen_by_patient = True
    referral.choice_recorded_at = timezone.now()
    if before != service.pk:
        referral.expected_start = None  # the new place sets its own date
    _save(referral, by, ["allocated_service", "chosen_by_patient", "choice_recorded_at",
                         "expected_start"])
    _audit(by, AuditAction.UPDATE, referral, f"patient chose {service.name}")
    grant_care_relationship(referral.patient, service.provider,
                            CareRelationshipReason.REFERRAL, by=by)
    refresh_waiting_times({before, service.pk} - {None})
    if service.provider_id != referral.receiver_id:
        _tell(assessors_of(service.provider), referral, "referrals.chosen",
              _("A patient chose to wait for %(service)s") % {"service": service.name})
    _announce("referral.updated", referral)
    return referral


@transaction.atomic
def set_expected_start(referral: Referral, *, by, expected_start: datetime.date,
                       version: int | None = None) -> Referral:
    referral = _locked(referral, version)
    try:
        _list_keeper(by, referral)
    except PermissionDenied:
        raise PermissionDenied(_("Only the unit that keeps the waiting list sets the "
                                 "start.")) from None
    if referral.status != ReferralStatus.ACCEPTED:
        raise StateConflict(_("Only a patient on the waiting list gets a start date."),
                            code="not_waiting")
    if expected_start < timezone.localdate():
        raise ValidationError({"expected_start": _("The date has passed.")})
    referral.expected_start = expected_start
    _save(referral, by, ["expected_start"])
    _audit(by, AuditAction.UPDATE, referral, f"expected start {expected_start}")
    refresh_waiting_times([referral.allocated_service_id])
    _announce("referral.updated", referral)
    return referral


def _list_keeper(by, referral: Referral) -> None:
    provider = referral.allocated_service.provider if referral.allocated_service else None
    if not (may_assess(by, referral) or (provider is not None and can(
            by, Capability.ASSESS_REFERRALS, provider))):
        raise PermissionDenied(_("Only the unit that keeps the waiting list records this."))


@transaction.atomic
def record_start(referral: Referral, *, by, started_on: datetime.date | None = None,
                 version: int | None = None) -> Referral:
    """The stay started: the patient leaves the list (and the pace of starts counts it).
    The patient's other open referrals at the same level are left to their units, who are
    told: nobody waits in two queues for the same stay unseen."""
    referral = _locked(referral, version)
    _list_keeper(by, referral)
    if referral.status != ReferralStatus.ACCEPTED:
        raise StateConflict(_("Only a patient on the waiting list starts."),
                            code="not_waiting")
    started_on = started_on or timezone.localdate()
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("The date lies in the future.")})
    referral.status = ReferralStatus.STARTED
    referral.started_on = started_on
    _save(referral, by, ["status", "started_on"])
    _audit(by, AuditAction.UPDATE, referral, f"started {started_on}")
    refresh_waiting_times([referral.allocated_service_id])
    for other in other_open_referrals(referral).filter(
            service__level=referral.service.level).select_related("receiver"):
        _tell(assessors_of(other.receiver), other, "referrals.started_elsewhere",
              _("A patient on your list has started at another service"))
    _tell_referrer(referral, "referrals.started", _("A referred patient has started"))
    _announce("referral.updated", referral)
    return referral


@transaction.atomic
def withdraw(referral: Referral, *, by, reason: str, note: str = "",
             version: int | None = None) -> Referral:
    """The referral ends before a start: the patient declined, died, or the referrer
    withdrew it. Either side records it."""
    referral = _locked(referral, version)
    if not (may_assess(by, referral) or may_act_as_referrer(by, referral)):
        try:
            _list_keeper(by, referral)
        except PermissionDenied:
            raise PermissionDenied(_("Only the referrer or the receiving unit withdraws a "
                                     "referral.")) from None
    if reason not in WithdrawalReason.values:
        raise ValidationError({"reason": _("Choose why the referral ends.")})
    if not referral.is_open:
        raise StateConflict(_("The referral is closed already (%(status)s).")
                            % {"status": referral.get_status_display()}, code="closed")
    _end(referral, by, reason, note)
    return referral


def _end(referral: Referral, by, reason: str, note: str = "") -> None:
    waiting_at = referral.allocated_service_id if referral.status == ReferralStatus.ACCEPTED \
        else None
    referral.status_before_withdrawal = referral.status
    referral.status = ReferralStatus.WITHDRAWN
    referral.withdrawal_reason = reason
    referral.withdrawn_at = timezone.now()
    if note.strip():
        referral.decision_reason = note.strip()
    _save(referral, by, ["status", "withdrawal_reason", "withdrawn_at", "decision_reason",
                         "status_before_withdrawal"])
    _audit(by, AuditAction.UPDATE, referral, f"withdrawn: {reason}")
    if waiting_at:
        refresh_waiting_times([waiting_at])
    _announce("referral.updated", referral)


def end_referrals_of_deceased(patient: Patient, *, by) -> int:
    """A patient who dies leaves every list (pathways' record_death sends patient_died)."""
    ended = 0
    for referral in Referral.objects.select_for_update().filter(
            patient=patient, status__in=OPEN_STATUSES):
        _end(referral, by, WithdrawalReason.PATIENT_DIED)
        ended += 1
    return ended


def reopen_referrals_of_living(patient: Patient, *, by, died_at) -> int:
    """The patient's death was registered in error: each referral that ended with it (since
    `died_at`, the cleared time of death) is open again where it stood, awaiting assessment
    or on its waiting list with its deadlines, and its receiving unit is told. One the
    referrer has made again since (an open referral to the same service) stays ended."""
    reopened, lists = 0, set()
    made_again = set(Referral.objects.filter(patient=patient, status__in=OPEN_STATUSES)
                     .values_list("service_id", flat=True))
    for referral in Referral.objects.select_for_update(of=("self",)).select_related(
            "patient", "receiver", "allocated_service").filter(
            patient=patient, status=ReferralStatus.WITHDRAWN,
            withdrawal_reason=WithdrawalReason.PATIENT_DIED, withdrawn_at__gte=died_at,
            status_before_withdrawal__in=OPEN_STATUSES).exclude(service_id__in=made_again):
        referral.status = referral.status_before_withdrawal
        referral.status_before_withdrawal = ""
        referral.withdrawal_reason = ""
        referral.withdrawn_at = None
        _save(referral, by, ["status", "status_before_withdrawal", "withdrawal_reason",
                             "withdrawn_at"])
        _audit(by, AuditAction.UPDATE, referral,
               f"open again ({referral.status}): the death was registered in error")
        if referral.status == ReferralStatus.ACCEPTED:
            lists.add(referral.allocated_service_id)
        _tell(assessors_of(referral.receiver), referral, "referrals.reopened",
              _("A referral is open again: a death was registered in error"))
        _announce("referral.updated", referral)
        reopened += 1
    if lists:
        refresh_waiting_times(lists)
    return reopened


def other_open_referrals(referral: Referral):
    """The patient's other open referrals: shown to the unit that decides this one."""
    return Referral.objects.filter(patient_id=referral.patient_id,
                                   status__in=OPEN_STATUSES).exclude(pk=referral.pk)


# -- The needs assessment ----------------------------------------------------------------------

ASSESSMENT_FIELDS = ("patient_goals", "barthel_index", "modified_rankin", "cognition",
                     "communication", "vision_hearing", "swallowing", "social_situation",
                     "next_of_kin", "rehabilitation_potential", "potential_note")


def assessing_organization(user, patient: Patient,
                           organization: Organization | None = None) -> Organization:
    """The unit the user assesses for: one where they see the organisation's patients."""
    allowed = organizations_where(user, Capability.SEE_ORGANIZATION_PATIENTS)
    if organization is not None:
        if organization.pk not in {org.pk for org in allowed}:
            raise PermissionDenied(_("You may not assess for this organisation."))
        return organization
    if not allowed:
        raise PermissionDenied(_("You have no role that assesses patients."))
    return allowed[0]


@transaction.atomic
def start_assessment(*, by, patient: Patient, organization: Organization | None = None,
                     admission=None, individual_plan=None) -> NeedsAssessment:
    """A new draft; it starts from the patient's latest completed assessment, whose
    revision it is."""
    if not Patient.objects.visible_to(by).filter(pk=patient.pk).exists():
        raise PermissionDenied(_("You may not assess this patient."))
    for name, record in (("admission", admission), ("individual_plan", individual_plan)):
        if record is not None and record.patient_id != patient.pk:
            raise ValidationError({name: _("It belongs to another patient.")})
    organization = assessing_organization(by, patient, organization)
    latest = NeedsAssessment.objects.filter(patient=patient).order_by("-created_at").first()
    if latest is not None and latest.status == AssessmentStatus.DRAFT:
        raise StateConflict(_("The patient has a draft assessment already: go on with it."),
                            code="draft_exists")
    assessment = NeedsAssessment(
        patient=patient, organization=organization, admission=admission,
        individual_plan=individual_plan, previous=latest,
        number=(latest.number + 1) if latest else 1, created_by=by, updated_by=by)
    if latest is not None:
        for name in ASSESSMENT_FIELDS:
            setattr(assessment, name, getattr(latest, name))
    assessment.full_clean(validate_constraints=False)
    assessment.save()
    if latest is not None:
        DomainScore.objects.bulk_create([
            DomainScore(assessment=assessment, domain_id=score.domain_id,
                        difficulty=score.difficulty, note=score.note)
            for score in latest.domain_scores.all()])
    _audit_assessment(by, AuditAction.CREATE, assessment)
    return assessment


def _require_assessor_of(by, assessment: NeedsAssessment) -> None:
    if not can(by, Capability.SEE_ORGANIZATION_PATIENTS, assessment.organization):
        raise PermissionDenied(_("Only the unit that made the assessment changes it."))


@transaction.atomic
def save_assessment(assessment: NeedsAssessment, *, by, changes: dict,
                    scores: dict | None = None, version: int | None = None) -> NeedsAssessment:
    """Change a draft: its fields (ASSESSMENT_FIELDS) and domain scores ({domain id:
    (difficulty, note)})."""
    current = NeedsAssessment.objects.select_for_update().get(pk=assessment.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current.version, current=current)
    _require_assessor_of(by, current)
    if current.status != AssessmentStatus.DRAFT:
        raise StateConflict(_("A completed assessment is kept as it is: start a revision."),
                            code="completed")
    unknown = set(changes) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown assessment fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(current, name, value)
    suggestion = suggest_level(current.barthel_index, current.modified_rankin)
    current.suggested_level = suggestion.level if suggestion else None
    current.suggestion_reason = suggestion.reason[:300] if suggestion else ""
    current.suggestion_rule = suggestion.rule if suggestion else None
    current.full_clean(validate_constraints=False)
    current.version += 1
    current.updated_by = by
    current.save()
    for domain_id, (difficulty, note) in (scores or {}).items():
        DomainScore.objects.update_or_create(
            assessment=current, domain_id=domain_id,
            defaults={"difficulty": difficulty, "note": (note or "")[:500]})
    _audit_assessment(by, AuditAction.UPDATE, current)
    return current


@transaction.atomic
def complete_assessment(assessment: NeedsAssessment, *, by, level, override_reason: str = "",
                        version: int | None = None) -> NeedsAssessment:
    """A professional confirms the suggested level, or chooses another with a reason; both
    are kept. The completed version is not changed again."""
    current = NeedsAssessment.objects.select_for_update().get(pk=assessment.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current.version, current=current)
    _require_assessor_of(by, current)
    if current.status != AssessmentStatus.DRAFT:
        raise StateConflict(_("The assessment is completed already."), code="completed")
    if not current.patient_goals.strip():
        raise ValidationError({"patient_goals": _(
            "Write down the patient's own goals first, in their words.")})
    if level is None:
        raise ValidationError({"level": _("Choose the level.")})
    if current.suggested_level_id and level.pk != current.suggested_level_id \
            and not override_reason.strip():
        raise ValidationError({"override_reason": _(
            "You chose another level than the one suggested: give the reason.")})
    current.level = level
    current.override_reason = override_reason.strip() if \
        level.pk != current.suggested_level_id else ""
    current.status = AssessmentStatus.COMPLETED
    current.completed_at, current.completed_by = timezone.now(), by
    current.version += 1
    current.updated_by = by
    current.save()
    _audit_assessment(by, AuditAction.UPDATE, current,
                      f"completed at level {level.code}"
                      + (" (overridden)" if current.overridden else ""))
    return current


# -- Audit and messages --------------------------------------------------------------------------

def _audit(by, action, referral: Referral, detail: str = "") -> None:
    audit.record(by, action, AuditObjectType.REFERRAL, referral.uuid,
                 patient_uuid=referral.patient.uuid, detail=detail[:200])


def _audit_assessment(by, action, assessment: NeedsAssessment, detail: str = "") -> None:
    audit.record(by, action, AuditObjectType.NEEDS_ASSESSMENT, assessment.uuid,
                 patient_uuid=assessment.patient.uuid, detail=detail[:200])


def _announce(event: str, referral: Referral) -> None:
    """Tell the subscribed EPJ systems of the units the referral concerns (referrals.views.
    access.referral_scope) while they care for the patient: no other system learns that the
    referral exists. Called at the end of each step, after its care relationships."""
    units = {referral.receiver_id, referral.referrer_id, referral.patient.municipality_id}
    if referral.allocated_service_id:
        units.add(referral.allocated_service.provider_id)
    emit_webhook(event, resource="referral", uuid=referral.uuid, url_name="referral-detail",
                 patient_uuid=referral.patient.uuid,
                 recipients_org_ids=organizations_caring_for(referral.patient).filter(
                     organization_id__in=units))


def _tell(users, referral: Referral, kind: str, title: str) -> None:
    """Titles and bodies name no patient: e-mail gets them too."""
    notify(users, Message(kind=kind, title=title, url=links.referral_url(referral.uuid),
                          subject_type="referral", subject_uuid=referral.uuid,
                          patient_uuid=referral.patient.uuid))


def _tell_referrer(referral: Referral, kind: str, title: str) -> None:
    people = members_with(referral.referrer, Capability.REFER).filter(
        Q(pk=referral.referred_by_id) | Q(is_service_account=False))
    _tell(people, referral, kind, title)
