"""Consent to share the plan (§ 19): recording it grants the consenting organisation an
individual_plan care relationship; revoking it (also on a closed plan: it only narrows
access) ends that relationship unless another open plan still grounds it."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from pathways import citizen_access
from pathways.models import CareRelationship, CareRelationshipReason
from pathways.services import end_care_relationship, grant_care_relationship
from registry.models import AuditAction, Organization

from ..models import (
    OPEN_PLAN_STATUSES,
    Consent,
    IndividualPlan,
)
from ._common import bump, lock_plan, not_in_future


def _plan_relationships(plan: IndividualPlan, organization: Organization):
    return CareRelationship.objects.active().filter(
        patient=plan.patient, organization=organization, user__isnull=True,
        reason=CareRelationshipReason.INDIVIDUAL_PLAN)



@transaction.atomic
def record_consent(plan: IndividualPlan, organization: Organization, scope: str, method: str,
                   *, by, given_at: datetime.datetime | None = None,
                   expected_version: int | None = None) -> Consent:
    """The patient's consent for one organisation; while it stands, the organisation's staff
    see the patient (care relationship, reason individual_plan)."""
    current = lock_plan(plan, by, expected_version=expected_version)
    given_at = given_at or timezone.now()
    not_in_future(given_at, "given_at")
    consent = Consent(plan=current, organization=organization, scope=scope, method=method,
                      given_at=given_at, recorded_by=by)
    consent.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError as exc:
        raise StateConflict(_("%(org)s already has this consent.") % {
            "org": organization.name}, code="already_consented", field="organization") from exc
    if not _plan_relationships(current, organization).exists():
        grant_care_relationship(current.patient, organization,
                                CareRelationshipReason.INDIVIDUAL_PLAN, by=by)
    bump(current, by, action=AuditAction.CREATE, obj=consent,
         summary=f"consent {scope}: {organization.name}")
    return consent



@transaction.atomic
def revoke_consent(consent: Consent, *, by, expected_version: int | None = None) -> Consent:
    """The patient withdraws consent. When the organisation has no other standing consent
    for the patient's open plans, its individual_plan relationship ends: its staff keep the
    patient only on other grounds."""
    current = lock_plan(consent.plan, by, expected_version=expected_version, allow_closed=True)
    return _revoke(consent, current, by=by)


@transaction.atomic
def patient_revoke_consent(consent: Consent, *, by) -> Consent:
    """The patient withdraws a consent on their own page (pathways.citizen_access: the
    patient themself, part "consents"; a representative may not). The same ending of access
    as revoke_consent, at once; no version to match: withdrawing is always allowed, and a
    second withdrawal is refused as already done."""
    plan = consent.plan
    citizen_access.require_part(by, plan.patient, "consents")
    current = IndividualPlan.objects.select_for_update(of=("self",)).select_related(
        "coordinator__user", "municipality", "patient").get(pk=plan.pk)
    return _revoke(consent, current, by=by)


def _revoke(consent: Consent, current: IndividualPlan, *, by) -> Consent:
    now = timezone.now()
    if not Consent.objects.filter(pk=consent.pk, plan=current, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by):
        raise StateConflict(_("The consent was already revoked."), code="already_revoked")
    consent.refresh_from_db()
    end_consent_access(current, consent.organization, by=by, at=now)
    bump(current, by, action=AuditAction.UPDATE, obj=consent, allow_closed=True,
         summary=f"consent revoked: {consent.organization.name}")
    return consent


def other_grounds(consent: Consent) -> list[str]:
    """The grounds other than this consent on which its organisation sees the patient (the
    labels of its active organisation-wide care relationships; an individual_plan one only
    while another standing consent on an open plan grounds it): what the patient is told
    before and after withdrawing, so that "can no longer see your plan" is said only when
    it is true."""
    patient = consent.plan.patient
    relationships = CareRelationship.objects.active().filter(
        patient=patient, organization=consent.organization, user__isnull=True)
    other_consent = Consent.objects.filter(
        plan__patient=patient, plan__status__in=OPEN_PLAN_STATUSES,
        organization=consent.organization, revoked_at__isnull=True).exclude(pk=consent.pk)
    if not other_consent.exists():
        relationships = relationships.exclude(reason=CareRelationshipReason.INDIVIDUAL_PLAN)
    return sorted({relationship.get_reason_display() for relationship in relationships})


# -- Evaluations ---------------------------------------------------------------------------



def end_consent_access(plan: IndividualPlan, organization: Organization, *, by, at) -> None:
    """End the organisation's individual_plan relationship unless a standing consent on
    another open plan of the patient still grounds it."""
    standing = Consent.objects.filter(
        plan__patient=plan.patient, plan__status__in=OPEN_PLAN_STATUSES,
        organization=organization, revoked_at__isnull=True).exists()
    if standing:
        return
    for relationship in _plan_relationships(plan, organization).select_related(
            "patient", "organization"):
        end_care_relationship(relationship, by=by, at=at)


# -- Goals ---------------------------------------------------------------------------------
