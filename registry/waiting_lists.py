"""Who sees a service's waiting list: its provider's referral assessors, and for a private
institution's service the assessors of its region's assessment unit (RVE), which allocates
places there. Read from the request's memberships (registry.access.memberships): no query.

The catalogue asks it to link a service's waiting list for those who may open it; the
referrals app's pages ask it for the list itself."""

from .access import memberships
from .capabilities import Capability, role_can
from .models import OrganizationKind


def waiting_list_scope(user) -> tuple[set[int], set[str]]:
    """(the providers whose lists the user keeps, the regions whose private institutions'
    lists the user's assessment unit sees)."""
    units, regions = set(), set()
    for membership in memberships(user):
        if role_can(membership.role, Capability.ASSESS_REFERRALS):
            units.add(membership.organization_id)
            if membership.organization.kind == OrganizationKind.ASSESSMENT_UNIT:
                regions.add(membership.organization.region)
    return units, regions


def sees_waiting_list(user, service) -> bool:
    units, regions = waiting_list_scope(user)
    provider = service.provider
    return provider.pk in units or (
        provider.kind == OrganizationKind.PRIVATE_INSTITUTION and provider.region in regions)
