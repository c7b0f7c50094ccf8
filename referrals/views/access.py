"""Who sees which referral and which waiting list on the screens (deny by default).

A referral is seen by the people of the units it concerns, and only while they see its
patient (a care relationship, PatientScopedQuerySet.visible_to): the unit that sent it, the
unit that assesses it (the provider, or the region's assessment unit), the institution whose
waiting list it is on, and the coordinating unit (KE) of the patient's municipality, which
keeps the overview of people with rehabilitation needs (forskrift § 5) and is told of an
acceptance. An institution thus sees only the referrals sent or allocated to it; another
region's assessment unit sees none of them.

A service's waiting list is kept by its provider's assessors; the region's assessment unit
sees the lists of the private institutions of its region, where it allocates places."""

from django.db.models import Q

from common.lookup import one_or_404
from registry.access import memberships
from registry.capabilities import Capability, role_can
from registry.models import OrganizationKind, ServiceOffering
from registry.waiting_lists import waiting_list_scope

from ..models import NeedsAssessment, Referral


def _org_ids(user, capability: Capability | None = None) -> set[int]:
    return {m.organization_id for m in memberships(user)
            if capability is None or role_can(m.role, capability)}


def referral_scope(user) -> Q:
    """The referrals of the user's units (see the module's docstring), as a filter."""
    units = _org_ids(user)
    # The KE, and the municipality's EPJ system that acts for it (as in coordination).
    ke_units = _org_ids(user, Capability.ACT_FOR_MUNICIPALITY)
    return (Q(receiver_id__in=units) | Q(referrer_id__in=units)
            | Q(allocated_service__provider_id__in=units)
            | Q(patient__municipality_id__in=ke_units))


def visible_referrals(user):
    if not (user and user.is_authenticated):
        return Referral.objects.none()
    return Referral.objects.visible_to(user).filter(referral_scope(user))


def get_visible_referral(user, uuid) -> Referral:
    return one_or_404(visible_referrals(user).select_related(
        "patient__municipality", "service__provider", "service__level", "receiver",
        "referrer", "referred_by", "decided_by", "allocated_service__provider",
        "allocated_service__level", "needs_assessment__level",
        "needs_assessment__suggested_level", "forwarded_from__service", "forwarded_to"),
        uuid=uuid)


def visible_assessments(user):
    """A needs assessment is part of the patient's record: whoever sees the patient."""
    if not (user and user.is_authenticated):
        return NeedsAssessment.objects.none()
    return NeedsAssessment.objects.visible_to(user)


def waiting_list_services(user):
    """The services whose waiting list the user sees (registry.waiting_lists): their units'
    own (as assessors), and for an assessment unit's assessors the private institutions' of
    its region."""
    units, regions = waiting_list_scope(user)
    return ServiceOffering.objects.filter(
        Q(provider_id__in=units)
        | Q(provider__kind=OrganizationKind.PRIVATE_INSTITUTION, provider__region__in=regions))
