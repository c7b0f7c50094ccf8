"""What each role may do: one table, asked through one set of functions.

A role is a row of ROLE_CAPABILITIES, and every rule that depends on a role asks for a
capability instead of naming roles. A new role is a row here and a line in
tests/registry/test_capabilities.py.
"""

import enum

from .access import memberships
from .models import Membership, Role


class Capability(enum.StrEnum):
    # Sees every patient the organisation has a care relationship with (a coordinator sees
    # only the patients related to them personally; an administrator sees no patient).
    SEE_ORGANIZATION_PATIENTS = "see_organization_patients"
    # Takes the hospital's steps: admit, notify, declare ready, discharge, draft notices.
    ACT_FOR_HOSPITAL = "act_for_hospital"
    # Takes the municipality's steps: acknowledge, answer, decide requests, plans.
    ACT_FOR_MUNICIPALITY = "act_for_municipality"
    # A person at work on the ward or in the coordinating unit: the screens and reminders
    # (an EPJ system acts for its organisation but reads no screen and gets no reminder).
    WORK_ON_WARD = "work_on_ward"
    WORK_IN_COORDINATING_UNIT = "work_in_coordinating_unit"
    # Coordinates individual plans it is appointed to.
    COORDINATE = "coordinate"
    # Changes the organisation's own registry data (services, API clients).
    ADMINISTER_ORGANIZATION = "administer_organization"
    # Reads the indicators and capacity of every area: aggregates only, never a patient.
    SEE_ALL_AGGREGATES = "see_all_aggregates"
    # Sends referrals (henvisninger, søknader) to a service for its organisation.
    REFER = "refer"
    # Receives the organisation's referrals: assesses them against the patient's rights,
    # decides, keeps the waiting list.
    ASSESS_REFERRALS = "assess_referrals"
    # Is told when the unit misses a referral's deadline (escalation).
    LEAD_UNIT = "lead_unit"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    # The KE is the municipality's door for rehabilitation: it refers, and it assesses the
    # referrals to the municipality's own services (levels 1-4).
    Role.KE_STAFF: frozenset({Capability.SEE_ORGANIZATION_PATIENTS,
                              Capability.ACT_FOR_MUNICIPALITY,
                              Capability.WORK_IN_COORDINATING_UNIT,
                              Capability.REFER, Capability.ASSESS_REFERRALS}),
    Role.DISCHARGE_PLANNER: frozenset({Capability.SEE_ORGANIZATION_PATIENTS,
                                       Capability.ACT_FOR_HOSPITAL,
                                       Capability.WORK_ON_WARD,
                                       Capability.REFER}),
    Role.COORDINATOR: frozenset({Capability.COORDINATE}),
    Role.ORG_ADMIN: frozenset({Capability.ADMINISTER_ORGANIZATION}),
    Role.REGIONAL_PLANNER: frozenset({Capability.SEE_ALL_AGGREGATES}),
    # An EPJ system acts for its organisation, hospital or municipality, in both roles the
    # organisation's kind allows (the services check the organisation of each step).
    Role.API_CLIENT: frozenset({Capability.SEE_ORGANIZATION_PATIENTS,
                                Capability.ACT_FOR_HOSPITAL,
                                Capability.ACT_FOR_MUNICIPALITY,
                                Capability.REFER,
                                Capability.ASSESS_REFERRALS}),
    Role.GP: frozenset({Capability.SEE_ORGANIZATION_PATIENTS, Capability.REFER}),
    Role.REFERRAL_ASSESSOR: frozenset({Capability.SEE_ORGANIZATION_PATIENTS,
                                       Capability.ASSESS_REFERRALS}),
    Role.UNIT_LEAD: frozenset({Capability.SEE_ORGANIZATION_PATIENTS,
                               Capability.ASSESS_REFERRALS, Capability.LEAD_UNIT}),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, ())


def roles_with(capability: Capability) -> tuple[str, ...]:
    """The roles that have the capability, in the table's order (for queries by role)."""
    return tuple(role for role, capabilities in ROLE_CAPABILITIES.items()
                 if capability in capabilities)


def can(user, capability: Capability, organization) -> bool:
    """Whether the user holds a role with the capability in the organisation (read from the
    database, so a membership given a moment ago counts)."""
    if not (user and user.is_authenticated):
        return False
    return Membership.objects.filter(
        user=user, organization=organization, role__in=roles_with(capability)).exists()


def organizations_where(user, capability: Capability) -> list:
    """The organisations where the user has the capability, from the request's memberships
    (read once per request), by id."""
    found = {m.organization_id: m.organization for m in memberships(user)
             if role_can(m.role, capability)}
    return [found[key] for key in sorted(found)]
